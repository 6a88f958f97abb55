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
  // What a policy does, as opposed to whether the API server accepts it.
  defaultDeny: rule('default-deny', 'information', 'The policy isolates a direction and allows nothing in it: the pods it selects are cut off that way.'),
  impliedEgress: rule('implied-egress', 'information', 'policyTypes is omitted and egress rules are present, so Egress isolation is implied.'),
  impliedIngress: rule('implied-ingress', 'warning', 'An egress-only policy without policyTypes also isolates ingress: the selected pods accept no incoming traffic.'),
  ignoredRules: rule('ignored-rules', 'warning', 'Rules for a direction that the explicit policyTypes leaves out: the API server accepts them and they do nothing.'),
  dnsEgressBlocked: rule('dns-egress-blocked', 'warning', 'Pods isolated for egress with no allow for DNS (UDP and TCP 53 to the cluster DNS): name lookups fail.'),
  halfDns: rule('half-dns', 'warning', 'DNS allowed over one protocol only: resolvers use UDP first and TCP for large answers.'),
  andPeer: rule('and-peer', 'hint', 'A peer with both namespaceSelector and podSelector in one list item: both must hold (AND).'),
  andPeerMistake: rule('and-peer-mistake', 'warning', 'An AND peer whose podSelector matches pods only in the policy\'s own namespace, not in the namespaces selected: probably meant as two peers (OR).'),
  orPeers: rule('or-peers', 'hint', 'A namespaceSelector-only peer next to a podSelector-only peer: two list items, so either suffices (OR).'),
  endPortSupport: rule('endport-support', 'information', 'endPort ranges are ignored by some network plugins, which then open only `port`.'),
  sctpSupport: rule('sctp-support', 'information', 'SCTP is not supported by every network plugin.'),
  namedPortUnresolved: rule('named-port-unresolved', 'warning', 'A named port that no destination pod in the workspace declares for that protocol: the rule allows nothing for those pods.'),
  servicePort: rule('service-port', 'warning', 'A rule allows a Service\'s port while the pods listen on a different targetPort; policies see the pod\'s port.'),
  broadAllow: rule('broad-allow', 'hint', 'A rule that allows very broadly (every source, every namespace, every address); says in words what it allows.'),
  noNamespace: rule('no-namespace', 'information', 'A policy without metadata.namespace: the namespace is decided at apply time.'),
  cniNotEnforcing: rule('cni-not-enforcing', 'warning', 'The workspace\'s network plugin (found from its DaemonSet) does not enforce NetworkPolicy: policies are accepted and ignored.'),
  selectsNothing: rule('selects-nothing', 'warning', 'A podSelector or peer that matches no pod in a namespace for which the workspace defines pods.'),
} as const;

export type RuleKey = keyof typeof Rules;

/** Rules about what policies do (as opposed to what the API server accepts). */
export const semanticRuleCodes: readonly string[] = [
  Rules.defaultDeny, Rules.impliedEgress, Rules.impliedIngress, Rules.ignoredRules, Rules.dnsEgressBlocked, Rules.halfDns,
  Rules.andPeer, Rules.andPeerMistake, Rules.orPeers, Rules.endPortSupport, Rules.sctpSupport, Rules.namedPortUnresolved,
  Rules.servicePort, Rules.broadAllow, Rules.noNamespace, Rules.selectsNothing, Rules.cniNotEnforcing,
].map((r) => r.code);

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
