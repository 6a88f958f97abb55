import { Diagnostic, DiagnosticSeverity } from 'vscode-languageserver-types';
import { Manifest, ParsedDocument, ParsedFile } from './parse/parseFile';
import { Rules, RuleSetting, Severity } from './rules';
import { checkDecoding } from './validation/decode';
import { Finding } from './validation/finding';
import { validateNetworkPolicy } from './validation/networkPolicy';
import { networkPolicy as networkPolicySchema } from './schema/schema';
import { child, entry } from './parse/yamlView';

export interface ServiceSettings {
  /** Severity overrides by rule code (`netpol/unknown-field` -> `warning`, or `off`). */
  rules: Readonly<Record<string, RuleSetting>>;
}

export const defaultServiceSettings: ServiceSettings = { rules: {} };

/** The data attached to every diagnostic; code actions read it. */
export interface DiagnosticData {
  field?: string;
  [key: string]: unknown;
}

const severities: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export const NETWORK_POLICY_API_VERSION = 'networking.k8s.io/v1';

/** The findings for a whole file, in document order and, within a document, the API server's order. */
export function findProblems(file: ParsedFile): Finding[] {
  const findings: Finding[] = [];
  if (file.tooLarge) {
    const end = file.lines.lineEnd(0);
    findings.push({
      rule: Rules.fileTooLarge,
      span: [0, end],
      message: `This file is ${formatSize(file.tooLarge.size)}, more than the ${formatSize(file.tooLarge.limit)} set in netpol.maxFileSize, so it is not analysed.`,
    });
    return findings;
  }
  const documents = file.documents;
  const n = documents.length;
  // The documents the last parse of this file kept, at its start and at its end, have the
  // findings they had: only the documents between them are looked at, so that a keystroke in
  // a file of thousands of documents does not visit every one of them.
  const earlier = n > 0 ? (lineages.get(documents[0]) ?? lineages.get(documents[n - 1])) : undefined;
  const relative: (readonly Finding[])[] = new Array(n);
  let head = 0;
  let tail = 0;
  if (earlier) {
    const m = earlier.documents.length;
    while (head < n && head < m && documents[head] === earlier.documents[head]) relative[head] = earlier.relative[head++];
    while (tail < n - head && tail < m - head && documents[n - 1 - tail] === earlier.documents[m - 1 - tail]) {
      relative[n - 1 - tail] = earlier.relative[m - 1 - tail];
      tail++;
    }
  }
  for (let k = head; k < n - tail; k++) {
    const document = documents[k];
    let found = document.memo.get(FINDINGS_MEMO) as Finding[] | undefined;
    if (!found) {
      const base = document.span[0];
      found = documentFindings(document, file.text).map((f) => ({ ...f, span: [f.span[0] - base, f.span[1] - base] as const }));
      document.memo.set(FINDINGS_MEMO, found);
    }
    relative[k] = found.length > 0 ? found : NONE;
  }
  if (n > 0) {
    const lineage = { documents, relative };
    lineages.set(documents[0], lineage);
    lineages.set(documents[n - 1], lineage);
  }
  for (let k = 0; k < n; k++) {
    const found = relative[k];
    if (found === NONE) continue;
    const base = documents[k].span[0];
    for (const finding of found) findings.push({ ...finding, span: [finding.span[0] + base, finding.span[1] + base] });
  }
  return findings;
}

const FINDINGS_MEMO = 'validation.findings';
const NONE: readonly Finding[] = [];

/**
 * The findings per document of the last file whose first or last document this is: the next
 * parse of the same file keeps most documents (the same objects), and their findings with them.
 */
const lineages = new WeakMap<ParsedDocument, { documents: readonly ParsedDocument[]; relative: readonly (readonly Finding[])[] }>();

function documentFindings(document: ParsedDocument, text: string): Finding[] {
  if (document.errors.length > 0) {
    // Only the first syntax error of a document: the parser's later errors are usually
    // echoes of the first, and a half-typed document should not light up everywhere.
    const first = document.errors[0];
    return [{ rule: Rules.yamlSyntax, span: first.span, message: first.message, data: { yamlCode: first.code } }];
  }
  const findings: Finding[] = [];
  if (document.view.truncated) {
    const { span, reason } = document.view.truncated;
    findings.push({
      rule: Rules.yamlLimit,
      span,
      message:
        reason === 'aliases'
          ? 'Too many alias expansions in this document (a possible alias bomb); the rest of it is not analysed.'
          : 'Nesting is too deep in this document; the deeper part is not analysed.',
    });
  }
  for (const manifest of document.manifests) findings.push(...checkManifest(manifest, text));
  return findings;
}

function checkManifest(manifest: Manifest, text: string): Finding[] {
  if (manifest.kind !== 'NetworkPolicy') return [];
  const apiVersion = manifest.apiVersion;
  if (apiVersion !== NETWORK_POLICY_API_VERSION) {
    if (apiVersion === undefined || !isRetiredNetworkPolicyVersion(apiVersion)) return [];
    const node = child(manifest.node, 'apiVersion');
    const span = node ? node.span : (entry(manifest.node, 'apiVersion')?.keySpan ?? [0, 0]);
    const removed =
      apiVersion === 'extensions/v1beta1'
        ? 'NetworkPolicy was removed from extensions/v1beta1 in Kubernetes 1.16'
        : `Kubernetes serves NetworkPolicy only as ${NETWORK_POLICY_API_VERSION}`;
    return [
      {
        rule: Rules.apiVersion,
        span,
        field: 'apiVersion',
        message: `no matches for kind "NetworkPolicy" in version ${JSON.stringify(apiVersion)}: ${removed}; use apiVersion: ${NETWORK_POLICY_API_VERSION}`,
        data: { replacement: NETWORK_POLICY_API_VERSION },
      },
    ];
  }
  const findings = checkDecoding(manifest.node, networkPolicySchema, text);
  findings.push(...validateNetworkPolicy(manifest.node, text));
  const specEntry = entry(manifest.node, 'spec');
  const spec = specEntry?.value;
  const specIsEmpty = !spec || (spec.kind === 'scalar' && spec.value === null);
  if (specIsEmpty || (spec.kind === 'map' && !entry(spec, 'podSelector'))) {
    // An absent podSelector decodes as {}; with no spec at all the policy also has no rules,
    // so it denies all ingress to every pod of its namespace.
    const span = specEntry ? specEntry.keySpan : (entry(manifest.node, 'kind')?.keySpan ?? manifest.node.span);
    findings.push({
      rule: Rules.missingPodSelector,
      span,
      field: 'spec.podSelector',
      message: specIsEmpty
        ? 'spec is missing: the API server reads podSelector as {} and policyTypes as [Ingress], so this policy denies all incoming traffic to every pod in its namespace. Write the spec you mean, or `spec: {podSelector: {}, policyTypes: [Ingress]}` if that is the intent.'
        : 'spec.podSelector is missing: the API server reads it as {} and this policy selects every pod in its namespace. Write `podSelector: {}` to say so, or a selector for the pods you mean.',
    });
  }
  return findings;
}

/** apiVersions under which NetworkPolicy once existed or might be mistaken to exist. */
function isRetiredNetworkPolicyVersion(apiVersion: string): boolean {
  return apiVersion === 'extensions/v1beta1' || apiVersion.startsWith('networking.k8s.io/') || apiVersion === 'v1' || apiVersion === 'networking/v1';
}

export function toDiagnostics(findings: readonly Finding[], file: ParsedFile, settings: ServiceSettings = defaultServiceSettings): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const finding of findings) {
    const setting = settings.rules[finding.rule.code] ?? finding.rule.severity;
    if (setting === 'off') continue;
    const data: DiagnosticData = { ...(finding.data ?? {}) };
    if (finding.field !== undefined) data.field = finding.field;
    diagnostics.push({
      range: file.lines.range(finding.span[0], finding.span[1]),
      severity: severities[setting],
      code: finding.rule.code,
      source: 'netpol',
      message: finding.message,
      data,
    });
  }
  return diagnostics;
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

