import { CodeAction, CodeActionKind, Diagnostic, Range, TextEdit } from 'vscode-languageserver-types';
import type { Direction, LabelSelector, PodInfo, PolicyInfo } from '../model/types';
import { podEndpoint } from '../semantics/peers';
import type { Manifest } from '../parse/parseFile';
import { child, entry, YMap, YNode, YSeq } from '../parse/yamlView';
import { Rules } from '../rules';
import { addToMap, appendToSequence, blockMapLines, detectFileStyle, detectFileStyleSteps, flowText, IndentStyle, replaceValue, YamlValue } from '../edit/yamlEdit';
import { FileAnalysis, findPolicy, manifestOf, ruleNode, specOf } from './context';
import { dnsRule, dnsTarget } from './dns';

interface FixData {
  policy?: string;
  direction?: Direction;
  rule?: number;
  peer?: number;
  port?: number;
  with?: number;
  protocol?: string;
  dnsPort?: number;
  targetPort?: number;
}

/** Quick fixes for the semantic rules, keyed on the diagnostic's code and data. */
export function getSemanticCodeActions(analysis: FileAnalysis, diagnostics: readonly Diagnostic[], range?: Range): CodeAction[] {
  const fixer = new Fixer(analysis);
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    try {
      actions.push(...fixer.fixesFor(diagnostic));
    } catch {
      // A fix that cannot be computed for an odd document is simply not offered.
    }
  }
  if (range) {
    try {
      actions.push(...fixer.allowActions(analysis.file.lines.offsetAt(range.start)));
    } catch {
      // As above.
    }
  }
  return actions;
}

/** How many workloads "Allow ingress from..." and "Allow egress to..." offer at most. */
const MAX_ALLOW_ACTIONS = 8;

/** The labels that name a workload most narrowly without listing every label it has. */
export function identifyingLabels(pod: PodInfo): Record<string, string> {
  for (const key of ['app.kubernetes.io/name', 'app', 'k8s-app', 'name', 'component']) {
    if (pod.labels[key] !== undefined) {
      const labels: Record<string, string> = { [key]: pod.labels[key] };
      // An instance or component label narrows a name shared by several workloads.
      for (const extra of ['app.kubernetes.io/instance', 'app.kubernetes.io/component']) if (extra !== key && pod.labels[extra] !== undefined) labels[extra] = pod.labels[extra];
      return labels;
    }
  }
  return { ...pod.labels };
}

/**
 * The narrowest peer that matches a pod, for a rule of a policy in `policyNamespace`: the
 * pod's identifying labels, and its namespace (by the immutable name label) when it is another.
 */
export function podPeerValue(pod: PodInfo, policyNamespace: string): { [key: string]: YamlValue } {
  const peer: { [key: string]: YamlValue } = {};
  if (pod.namespace !== policyNamespace) peer.namespaceSelector = { matchLabels: { 'kubernetes.io/metadata.name': pod.namespace } };
  peer.podSelector = { matchLabels: identifyingLabels(pod) };
  return peer;
}

/**
 * The edit that appends a rule to a policy's ingress or egress list (creating the list when
 * there is none), in the file's own style; undefined when the policy's YAML has no spec map.
 * Quick fixes and the "Why is A -> B blocked?" fixes share it.
 */
export function insertRuleEdit(analysis: FileAnalysis, policy: PolicyInfo, direction: Direction, rule: { [key: string]: YamlValue }): TextEdit | undefined {
  const manifest = manifestOf(analysis, policy);
  const spec = manifest && specOf(manifest);
  return spec ? new Fixer(analysis).addRule(spec, direction, rule) : undefined;
}

/** The same order as `localeCompare` with no arguments, without building a collator per call. */
const byLocale = new Intl.Collator().compare;

/**
 * The pods "Allow ingress from..." can offer (not DaemonSets, with labels), sorted by id once
 * per model, and the same grouped by namespace: a cursor move in a large file must not sort
 * every pod of the workspace again.
 */
const allowCandidates = new WeakMap<readonly PodInfo[], { sorted: PodInfo[]; byNamespace: Map<string, PodInfo[]> }>();

/** The candidates of `pods` in the namespace first, then the others, each by id (a stable sort's order). */
function* candidatesNearest(pods: readonly PodInfo[], namespace: string): Generator<PodInfo> {
  let candidates = allowCandidates.get(pods);
  if (!candidates) {
    const sorted = pods.filter((pod) => pod.kind !== 'DaemonSet' && Object.keys(pod.labels).length > 0).sort((a, b) => byLocale(a.id, b.id));
    const byNamespace = new Map<string, PodInfo[]>();
    for (const pod of sorted) {
      const list = byNamespace.get(pod.namespace);
      if (list) list.push(pod);
      else byNamespace.set(pod.namespace, [pod]);
    }
    allowCandidates.set(pods, (candidates = { sorted, byNamespace }));
  }
  yield* candidates.byNamespace.get(namespace) ?? [];
  for (const pod of candidates.sorted) if (pod.namespace !== namespace) yield pod;
}

/** Per list of policies sorted by start: the largest end among the first i + 1, to bisect instead of scanning thousands of policies per cursor move. */
const policyEnds = new WeakMap<readonly PolicyInfo[], number[]>();

/** The first policy of `policies` (sorted by where they start, as `FileAnalysis.policies` is) whose span holds the offset. */
function policyAt(policies: readonly PolicyInfo[], offset: number): PolicyInfo | undefined {
  let ends = policyEnds.get(policies);
  if (!ends) {
    ends = [];
    let max = -Infinity;
    for (const p of policies) ends.push((max = Math.max(max, p.location.span[1])));
    policyEnds.set(policies, ends);
  }
  // The first policy ending at or after the offset, among those starting at or before it.
  let low = 0;
  let high = policies.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ends[middle] >= offset) high = middle;
    else low = middle + 1;
  }
  const policy = policies[low];
  return policy && policy.location.span[0] <= offset && policy.location.span[1] >= offset ? policy : undefined;
}

/**
 * What the first quick fix in a file would otherwise read at once, read ahead in steps: the
 * file's indentation style (a regular expression per line of a 5 MB file is a quarter of a
 * second) and the pods "Allow ingress from..." offers.
 */
export function* prepareFixSteps(analysis: FileAnalysis): Generator<void, void> {
  if (!styles.has(analysis.file)) {
    const style = yield* detectFileStyleSteps(analysis.file);
    styles.set(analysis.file, style);
  }
  yield;
  // Consumed for its memo: the candidates are sorted once per model.
  candidatesNearest(analysis.model.pods, 'default').next();
}

/** "Allow ingress from..." and "Allow egress to..." per analysis and policy. */
const allowActionsMemo = new WeakMap<FileAnalysis, Map<PolicyInfo, CodeAction[]>>();

/** A file's indentation style, read once per parse. */
const styles = new WeakMap<import('../parse/parseFile').ParsedFile, IndentStyle>();

class Fixer {
  private readonly style: IndentStyle;

  constructor(private readonly analysis: FileAnalysis) {
    let style = styles.get(analysis.file);
    if (!style) styles.set(analysis.file, (style = detectFileStyle(analysis.file)));
    this.style = style;
  }

  private action(title: string, diagnostic: Diagnostic, edits: TextEdit[], preferred = false): CodeAction {
    return { title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: preferred, edit: { changes: { [this.analysis.uri]: edits } } };
  }

  private get lines() {
    return this.analysis.file.lines;
  }

  fixesFor(diagnostic: Diagnostic): CodeAction[] {
    const data = (diagnostic.data ?? {}) as FixData;
    const policy = data.policy ? findPolicy(this.analysis, data.policy) : undefined;
    if (!policy) return [];
    const manifest = manifestOf(this.analysis, policy);
    const spec = manifest && specOf(manifest);
    if (!manifest || !spec) return [];
    switch (diagnostic.code) {
      case Rules.impliedIngress.code:
        return [
          this.action('Set policyTypes: [Egress] (isolate egress only)', diagnostic, [this.setPolicyTypes(spec, ['Egress'])], true),
          this.action('Set policyTypes: [Ingress, Egress] (keep ingress isolated)', diagnostic, [this.setPolicyTypes(spec, ['Ingress', 'Egress'])]),
        ];
      case Rules.impliedEgress.code:
        return [this.action('Make policyTypes explicit: [Ingress, Egress]', diagnostic, [this.setPolicyTypes(spec, ['Ingress', 'Egress'])], true)];
      case Rules.ignoredRules.code: {
        if (!data.direction) return [];
        const types = [policy.policyTypes.ingress || data.direction === 'ingress' ? 'Ingress' : undefined, policy.policyTypes.egress || data.direction === 'egress' ? 'Egress' : undefined].filter((t): t is string => !!t);
        const name = data.direction === 'ingress' ? 'Ingress' : 'Egress';
        return [this.action(`Add ${name} to policyTypes`, diagnostic, [this.setPolicyTypes(spec, types)], true)];
      }
      case Rules.dnsEgressBlocked.code:
        return [
          this.action('Allow DNS egress: add a rule to this policy', diagnostic, [this.addDnsRule(spec)], true),
          this.action('Allow DNS egress: add an allow-dns-egress policy', diagnostic, [this.addDnsPolicy(policy, manifest)]),
        ];
      case Rules.halfDns.code:
        return this.halfDns(diagnostic, manifest, data);
      case Rules.andPeer.code:
      case Rules.andPeerMistake.code:
        return this.split(diagnostic, manifest, policy, data);
      case Rules.orPeers.code:
        return this.merge(diagnostic, manifest, policy, data);
      case Rules.servicePort.code:
        return this.servicePort(diagnostic, manifest, policy, data);
      default:
        return [];
    }
  }

  /**
   * At a cursor inside a policy: "Allow ingress from <workload>" and "Allow egress to
   * <workload>" for the workloads of the workspace that the policy does not yet allow, each
   * inserting the narrowest peer (the workload's identifying labels, and its namespace when
   * it is another one) and the destination's first container port.
   */
  allowActions(offset: number): CodeAction[] {
    const policy = policyAt(this.analysis.policies, offset);
    if (!policy) return [];
    // The same for every cursor position in the policy, until the next parse.
    let byPolicy = allowActionsMemo.get(this.analysis);
    if (!byPolicy) allowActionsMemo.set(this.analysis, (byPolicy = new Map()));
    let actions = byPolicy.get(policy);
    if (!actions) byPolicy.set(policy, (actions = this.computeAllowActions(policy)));
    return [...actions];
  }

  private computeAllowActions(policy: PolicyInfo): CodeAction[] {
    const manifest = manifestOf(this.analysis, policy);
    const spec = manifest && specOf(manifest);
    if (!manifest || !spec) return [];
    const analyzer = this.analysis.analyzer;
    const selected = analyzer.selectedPods(policy);
    const selectedSet = new Set(selected);
    const actions: CodeAction[] = [];
    for (const direction of ['ingress', 'egress'] as const) {
      if (!policy.policyTypes[direction]) continue;
      // Nearest first: the same namespace, then by name.
      for (const pod of candidatesNearest(this.analysis.model.pods, policy.namespace)) {
        if (selectedSet.has(pod)) continue;
        if (actions.filter((a) => a.title.startsWith(direction === 'ingress' ? 'Allow ingress' : 'Allow egress')).length >= MAX_ALLOW_ACTIONS) break;
        const destination = direction === 'ingress' ? selected[0] : pod;
        const port = destination?.ports[0];
        const alreadyAllowed = selected.length > 0 && selected.every((own) => {
          const [from, to] = direction === 'ingress' ? [pod, own] : [own, pod];
          return analyzer.allows(podEndpoint(from), podEndpoint(to), port?.containerPort ?? 1, port?.protocol ?? 'TCP');
        });
        if (alreadyAllowed) continue;
        const peer = podPeerValue(pod, policy.namespace);
        const rule: { [key: string]: YamlValue } = { [direction === 'ingress' ? 'from' : 'to']: [peer] };
        if (port) rule.ports = [{ protocol: port.protocol, port: port.containerPort }];
        const portText = port ? ` on ${port.protocol} ${port.containerPort}` : '';
        const title = direction === 'ingress' ? `Allow ingress from ${pod.id}${portText}` : `Allow egress to ${pod.id}${portText}`;
        actions.push({ title, kind: CodeActionKind.RefactorRewrite, edit: { changes: { [this.analysis.uri]: [this.addRule(spec, direction, rule)] } } });
      }
    }
    return actions;
  }

  addRule(spec: YMap, direction: Direction, rule: { [key: string]: YamlValue }): TextEdit {
    const list = entry(spec, direction);
    if (list?.value && list.value.kind === 'seq') {
      if (list.value.flow && list.value.items.length === 0) return replaceValue(list.value, [rule], this.lines, this.style, this.keyColumn(spec, direction));
      return appendToSequence(list.value, [rule], this.lines, this.style);
    }
    if (list) {
      const start = list.value ? list.value.span[0] : list.keySpan[1] + 1;
      const end = list.value ? list.value.span[1] : start;
      const body = blockMapLines({ [direction]: [rule] }, this.keyColumn(spec, direction), this.style).slice(1);
      return { range: this.lines.range(start, end), newText: `${this.style.eol}${body.join(this.style.eol)}` };
    }
    return addToMap(spec, direction, [rule], this.lines, this.style);
  }

  private keyColumn(map: YMap, key: string): number {
    const e = entry(map, key);
    return this.lines.positionAt((e?.keySpan ?? map.span)[0]).character;
  }

  private setPolicyTypes(spec: YMap, types: string[]): TextEdit {
    const existing = entry(spec, 'policyTypes');
    if (existing && existing.value) return replaceValue(existing.value, types, this.lines, this.style, this.keyColumn(spec, 'policyTypes'));
    if (existing) {
      // `policyTypes:` with nothing after it.
      const at = existing.keySpan[1] + 1;
      return { range: this.lines.range(at, at), newText: ` ${flowText(types)}` };
    }
    return addToMap(spec, 'policyTypes', types, this.lines, this.style);
  }

  private addDnsRule(spec: YMap): TextEdit {
    return this.addRule(spec, 'egress', dnsRule(dnsTarget(this.analysis.dns)));
  }

  private addDnsPolicy(policy: PolicyInfo, manifest: Manifest): TextEdit {
    const taken = new Set(this.analysis.model.policies.filter((p) => p.namespace === policy.namespace).map((p) => p.name));
    let name = 'allow-dns-egress';
    for (let i = 2; taken.has(name); i++) name = `allow-dns-egress-${i}`;
    const metadata: { [key: string]: YamlValue } = { name };
    if (policy.namespaceExplicit) metadata.namespace = policy.namespace;
    const value: { [key: string]: YamlValue } = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata,
      spec: {
        // The same pods as the policy that isolates them, so no other pod becomes isolated.
        podSelector: selectorValue(policy.podSelector),
        policyTypes: ['Egress'],
        egress: [dnsRule(dnsTarget(this.analysis.dns))],
      },
    };
    const text = this.analysis.file.text;
    const eol = this.style.eol;
    const document = this.analysis.file.documents[manifest.documentIndex];
    // After the policy's own document, so that the two read together.
    let at = document ? document.span[1] : text.length;
    if (at > text.length) at = text.length;
    const before = text.slice(0, at);
    const lead = before.length === 0 || before.endsWith('\n') || before.endsWith('\r') ? '' : eol;
    const body = blockMapLines(value, 0, this.style).join(eol);
    return { range: this.lines.range(at, at), newText: `${lead}---${eol}${body}${eol}` };
  }

  private halfDns(diagnostic: Diagnostic, manifest: Manifest, data: FixData): CodeAction[] {
    const policy = findPolicy(this.analysis, data.policy!);
    const rule = policy?.egress[data.rule ?? -1];
    if (!rule || !data.protocol || !data.dnsPort) return [];
    const ports = child(ruleNode(manifest, 'egress', rule), 'ports');
    if (!ports || ports.kind !== 'seq') return [];
    const edit = appendToSequence(ports, [{ protocol: data.protocol, port: data.dnsPort }], this.lines, this.style);
    return [this.action(`Also allow ${data.protocol} ${data.dnsPort}`, diagnostic, [edit], true)];
  }

  private peersOf(manifest: Manifest, policy: PolicyInfo, data: FixData): YSeq | undefined {
    const rule = data.direction ? policy[data.direction][data.rule ?? -1] : undefined;
    if (!rule) return undefined;
    const list = child(ruleNode(manifest, rule.direction, rule), rule.direction === 'ingress' ? 'from' : 'to');
    return list && list.kind === 'seq' ? list : undefined;
  }

  /** Makes the second selector of an AND peer its own list item (OR). */
  private split(diagnostic: Diagnostic, manifest: Manifest, policy: PolicyInfo, data: FixData): CodeAction[] {
    const list = this.peersOf(manifest, policy, data);
    const item = list?.items[data.peer ?? -1];
    if (!list || !item || item.kind !== 'map') return [];
    const keys = item.entries.filter((e) => e.key === 'namespaceSelector' || e.key === 'podSelector');
    if (keys.length !== 2) return [];
    const [first, second] = keys;
    const text = this.analysis.file.text;
    if (list.flow || item.flow) {
      const pieces = keys.map((e) => text.slice(e.keySpan[0], e.value ? (e.value.aliasSpan ?? e.value.span)[1] : e.keySpan[1]));
      const others = item.entries.filter((e) => !keys.includes(e));
      if (others.length > 0) return [];
      const replacement = list.flow
        ? `{${pieces[0]}}, {${pieces[1]}}`
        : `{${pieces[0]}}${this.style.eol}${' '.repeat(this.lines.positionAt(item.span[0]).character - 2)}- {${pieces[1]}}`;
      return [this.action('Split into two peers (OR)', diagnostic, [{ range: this.lines.range(item.span[0], item.span[1]), newText: replacement }])];
    }
    // Block style: turning the space before the second key's column into the dash makes that
    // key (and everything under it) a new list item, with no other line touched.
    const dashOffset = this.dashOffsetOf(item);
    if (dashOffset === undefined) return [];
    const dashColumn = this.lines.positionAt(dashOffset).character;
    const secondStart = second.keySpan[0];
    const position = this.lines.positionAt(secondStart);
    const lineStart = secondStart - position.character;
    if (this.lines.positionAt(first.keySpan[0]).line === position.line) return [];
    if (!/^ *$/.test(text.slice(lineStart, secondStart)) || position.character <= dashColumn) return [];
    const at = lineStart + dashColumn;
    return [this.action('Split into two peers (OR)', diagnostic, [{ range: this.lines.range(at, at + 1), newText: '-' }])];
  }

  /** Joins a namespaceSelector-only peer and the podSelector-only peer after it into one (AND). */
  private merge(diagnostic: Diagnostic, manifest: Manifest, policy: PolicyInfo, data: FixData): CodeAction[] {
    const list = this.peersOf(manifest, policy, data);
    const a = list?.items[data.peer ?? -1];
    const b = list?.items[data.with ?? -1];
    if (!list || !a || !b || a.kind !== 'map' || b.kind !== 'map') return [];
    const text = this.analysis.file.text;
    if (list.flow || a.flow || b.flow) {
      const inner = (m: YMap) => m.entries.map((e) => text.slice(e.keySpan[0], e.value ? (e.value.aliasSpan ?? e.value.span)[1] : e.keySpan[1])).join(', ');
      return [this.action('Merge into one peer (AND)', diagnostic, [{ range: this.lines.range(a.span[0], b.span[1]), newText: `{${inner(a)}, ${inner(b)}}` }])];
    }
    const dash = this.dashOffsetOf(b);
    if (dash === undefined) return [];
    const aColumn = this.lines.positionAt(a.entries[0].keySpan[0]).character;
    const bColumn = this.lines.positionAt(b.entries[0].keySpan[0]).character;
    if (aColumn !== bColumn) return [];
    return [this.action('Merge into one peer (AND)', diagnostic, [{ range: this.lines.range(dash, dash + 1), newText: ' ' }])];
  }

  /** The offset of the `-` that introduces a block sequence item, found on the item's first line. */
  private dashOffsetOf(item: YNode): number | undefined {
    const text = this.analysis.file.text;
    let i = item.span[0] - 1;
    while (i >= 0 && text[i] === ' ') i--;
    return i >= 0 && text[i] === '-' ? i : undefined;
  }

  private servicePort(diagnostic: Diagnostic, manifest: Manifest, policy: PolicyInfo, data: FixData): CodeAction[] {
    const rule = data.direction ? policy[data.direction][data.rule ?? -1] : undefined;
    if (!rule || data.targetPort === undefined) return [];
    const list = child(ruleNode(manifest, rule.direction, rule), 'ports');
    const item = list && list.kind === 'seq' ? list.items[data.port ?? -1] : undefined;
    const value = item && item.kind === 'map' ? child(item, 'port') : undefined;
    if (!value) return [];
    return [this.action(`Allow targetPort ${data.targetPort} instead`, diagnostic, [{ range: this.lines.range(value.span[0], value.span[1]), newText: String(data.targetPort) }], true)];
  }
}

/** A selector as YAML: matchLabels for label equalities, matchExpressions for the rest. */
function selectorValue(selector: LabelSelector): YamlValue {
  const matchLabels: { [key: string]: YamlValue } = {};
  const matchExpressions: YamlValue[] = [];
  for (const r of selector.requirements) {
    if (r.from === 'matchLabels') matchLabels[r.key] = r.values[0];
    else matchExpressions.push(r.values.length > 0 ? { key: r.key, operator: r.operator, values: r.values } : { key: r.key, operator: r.operator });
  }
  const value: { [key: string]: YamlValue } = {};
  if (Object.keys(matchLabels).length > 0) value.matchLabels = matchLabels;
  if (matchExpressions.length > 0) value.matchExpressions = matchExpressions;
  return value;
}

