/**
 * The rule registry: every diagnostic the service produces belongs to one rule with a stable
 * code. Users change severities with the `netpol.rules` setting (code -> off|error|warning|
 * information|hint); code actions key on these codes, never on message text.
 */
export type Severity = 'error' | 'warning' | 'information' | 'hint';
export type RuleSetting = Severity | 'off';

export interface Rule {
  code: string;
  severity: Severity;
  /** One line for the README table and settings documentation. */
  summary: string;
}

function rule(code: string, severity: Severity, summary: string): Rule {
  return { code: `netpol/${code}`, severity, summary };
}

export const Rules = {
  yamlSyntax: rule('yaml-syntax', 'error', 'The YAML cannot be parsed; kubectl would reject the file.'),
  fileTooLarge: rule('file-too-large', 'warning', 'The file exceeds `netpol.maxFileSize` and is not analysed.'),
  yamlLimit: rule('yaml-limit', 'warning', 'Alias expansion or nesting exceeded a safety limit; the rest of the document is not analysed.'),
  duplicateKey: rule('duplicate-key', 'error', 'A key appears twice in one map; strict decoding rejects it.'),
  unknownField: rule('unknown-field', 'error', 'A field the NetworkPolicy API does not have; strict field validation rejects it.'),
  invalidType: rule('invalid-type', 'error', 'A value of the wrong type (a list where a map belongs, a boolean label value); the API server cannot decode it.'),
  apiVersion: rule('api-version', 'error', 'A NetworkPolicy apiVersion the API server no longer serves (only networking.k8s.io/v1 exists).'),
  invalidMetadata: rule('invalid-metadata', 'error', 'metadata.name, namespace, labels or annotations break the API server\'s naming rules.'),
  invalidSelector: rule('invalid-selector', 'error', 'A label selector the API server rejects: bad operator, values, label key or label value.'),
  invalidPort: rule('invalid-port', 'error', 'A port entry the API server rejects: protocol, port number or name, endPort.'),
  invalidPeer: rule('invalid-peer', 'error', 'A peer with no selector or ipBlock, or an ipBlock combined with a selector.'),
  invalidIpBlock: rule('invalid-ipblock', 'error', 'An ipBlock with a missing or malformed cidr, or an except that is not a strict subset of it.'),
  invalidPolicyTypes: rule('invalid-policy-types', 'error', 'policyTypes with more than two entries or values other than Ingress and Egress.'),
  missingPodSelector: rule('missing-pod-selector', 'warning', 'spec.podSelector is absent: the API server reads it as {} and the policy selects every pod in its namespace.'),
} as const;

export type RuleKey = keyof typeof Rules;

export const allRules: readonly Rule[] = Object.values(Rules);

const byCode = new Map(allRules.map((r) => [r.code, r]));

export function ruleByCode(code: string): Rule | undefined {
  return byCode.get(code);
}

const validSettings: ReadonlySet<string> = new Set(['off', 'error', 'warning', 'information', 'hint']);

/** Reads a `netpol.rules` object, keeping only known codes and known severities. */
export function normaliseRuleSettings(value: unknown): Record<string, RuleSetting> {
  const result: Record<string, RuleSetting> = {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) return result;
  for (const [code, setting] of Object.entries(value as Record<string, unknown>)) {
    const fullCode = code.startsWith('netpol/') ? code : `netpol/${code}`;
    if (byCode.has(fullCode) && typeof setting === 'string' && validSettings.has(setting)) {
      result[fullCode] = setting as RuleSetting;
    }
  }
  return result;
}
