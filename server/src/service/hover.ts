import type { Hover } from 'vscode-languageserver-types';
import type { Direction, LabelSelector, PeerInfo, PodInfo, PolicyInfo, PortInfo, RuleInfo } from './model/types';
import { fieldPathOf, nodeAt, PathStep } from './parse/nodeAt';
import type { Span } from './parse/yamlView';
import { networkPolicy, ObjectType, SchemaType } from './schema/schema';
import { describeIsolationCause, describePeer, describePort, describePorts, describeRequirement, describeRule, describeSelectorConditions } from './semantics/render';
import { isolationCause } from './semantics/explain';
import { cidrSize } from './validation/cidr';
import type { FileAnalysis } from './lint/context';
import { selectionPhrase } from './lint/policyLint';
import { isLive, knownIn } from './model/sources';

const DOCS = 'https://kubernetes.io/docs/concepts/services-networking/network-policies/';

/** Per list of policies: the first policy starting at each offset, so that a hover does not scan thousands of policies. */
const policiesByStart = new WeakMap<readonly PolicyInfo[], Map<number, PolicyInfo>>();

function policyStartingAt(policies: readonly PolicyInfo[], start: number): PolicyInfo | undefined {
  let byStart = policiesByStart.get(policies);
  if (!byStart) {
    byStart = new Map();
    for (const p of policies) if (!byStart.has(p.location.span[0])) byStart.set(p.location.span[0], p);
    policiesByStart.set(policies, byStart);
  }
  return byStart.get(start);
}

/**
 * Hovers say in plain words what the thing under the cursor does (a policy, a peer, a port,
 * an ipBlock, policyTypes, a selector), then the details, then a link to the Kubernetes docs.
 * Elsewhere in a NetworkPolicy they show the field's documentation.
 */
export function getHover(analysis: FileAnalysis, offset: number): Hover | null {
  const at = nodeAt(analysis.file, offset);
  if (!at || at.manifest.kind !== 'NetworkPolicy' || at.manifest.apiVersion !== 'networking.k8s.io/v1') return null;
  const policy = policyStartingAt(analysis.policies, at.manifest.node.span[0]);
  const keys = at.path.map((s) => (s.kind === 'key' ? s.key : `[${s.index}]`));
  const range = hoverSpan(at.path, at.onKey, at.node?.span);
  const markdown = (value: string): Hover => ({
    contents: { kind: 'markdown', value },
    range: range ? analysis.file.lines.range(range[0], range[1]) : undefined,
  });
  if (policy) {
    const text = semanticHover(analysis, policy, at.path, keys);
    if (text) return markdown(text);
  }
  const doc = fieldDoc(at.path);
  return doc ? markdown(doc) : null;
}

function hoverSpan(path: PathStep[], onKey: boolean, nodeSpan: Span | undefined): Span | undefined {
  const last = path[path.length - 1];
  if (last?.kind === 'key' && onKey) return last.entry.keySpan;
  return nodeSpan;
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function podNames(pods: readonly PodInfo[], limit = 8, where = 'in the workspace files'): string {
  if (pods.length === 0) return `none of the pods ${where}`;
  // Pods read from a connected cluster are marked live.
  const names = pods.slice(0, limit).map((p) => `${code(p.id)}${isLive(p) ? ' (live)' : ''}`);
  return `${pods.length} pod${pods.length === 1 ? '' : 's'}: ${names.join(', ')}${pods.length > limit ? `, and ${pods.length - limit} more` : ''}`;
}

function semanticHover(analysis: FileAnalysis, policy: PolicyInfo, path: PathStep[], keys: string[]): string | undefined {
  const [first, second, third, fourth, fifth] = keys;
  if ((first === 'metadata' && (second === 'name' || second === undefined)) || (first === 'spec' && (second === 'podSelector' || second === undefined)) || first === 'kind') {
    if (first === 'spec' && second === 'podSelector' && third) return selectorHover(policy.podSelector, 'pods', third) + `\n\n${policyHover(analysis, policy)}`;
    return policyHover(analysis, policy);
  }
  if (first === 'spec' && second === 'policyTypes') return policyTypesHover(policy);
  if (first === 'spec' && (second === 'ingress' || second === 'egress')) {
    const direction = second as Direction;
    const ruleIndex = third ? Number(third.slice(1, -1)) : NaN;
    const rule = policy[direction].find((r) => r.index === ruleIndex);
    if (!rule) return directionHover(policy, direction);
    if ((fourth === 'from' || fourth === 'to') && fifth) {
      const peer = rule.peers.find((p) => `[${p.index}]` === fifth);
      if (peer) return peerHover(analysis, policy, rule, peer, keys.slice(5));
    }
    if (fourth === 'ports' && fifth) {
      const port = rule.ports.find((p) => `[${p.index}]` === fifth);
      if (port) return portHover(analysis, policy, rule, port);
    }
    return ruleHover(analysis, policy, rule);
  }
  void path;
  return undefined;
}

function policyHover(analysis: FileAnalysis, policy: PolicyInfo): string {
  const analyzer = analysis.analyzer;
  const selected = analyzer.selectedPods(policy);
  const lines: string[] = [];
  lines.push(`**NetworkPolicy ${code(policy.id)}** selects ${selectionPhrase(policy)}${policy.podSelectorWritten ? '' : ' (spec.podSelector is absent, which means {})'}: ${podNames(selected, 8, knownIn(analysis.model))}.`);
  for (const direction of ['ingress', 'egress'] as const) {
    const name = direction === 'ingress' ? 'Ingress' : 'Egress';
    const cause = isolationCause(policy, direction);
    if (!cause) {
      const ignored = policy[direction].length;
      lines.push(`- **${name}**: not isolated by this policy${ignored > 0 ? ` (${ignored} ${direction} rule${ignored === 1 ? ' is' : 's are'} ignored: policyTypes leaves ${name} out)` : ''}.`);
      continue;
    }
    const rules = policy[direction];
    const allows = rules.length === 0 ? `allows nothing ${direction === 'ingress' ? 'in' : 'out'}` : rules.map((r) => `rule ${r.index + 1} ${describeRule(policy, r)}`).join('; ');
    lines.push(`- **${name}**: isolated (${describeIsolationCause(cause, policy)}); ${allows}.`);
  }
  const others = new Map<string, PolicyInfo>();
  for (const pod of selected) for (const other of analyzer.policiesSelecting(pod)) if (other !== policy) others.set(other.id, other);
  if (others.size > 0) {
    lines.push('', `Also selecting these pods: ${[...others.values()].map((o) => `${code(o.id)} (${typesOf(o)})`).join(', ')}.`);
  }
  lines.push('', effectiveSummary(analysis, policy, selected));
  if (!policy.namespaceExplicit) lines.push('', `No metadata.namespace: analysed as ${code(policy.namespace)}; kubectl applies it where -n or the context points.`);
  lines.push('', `[Network Policies](${DOCS}) · [Default policies](${DOCS}#default-policies)`);
  return lines.join('\n');
}

function typesOf(policy: PolicyInfo): string {
  const t = [policy.policyTypes.ingress ? 'Ingress' : undefined, policy.policyTypes.egress ? 'Egress' : undefined].filter(Boolean);
  return t.length > 0 ? `isolates ${t.join(', ')}` : 'isolates nothing';
}

function effectiveSummary(analysis: FileAnalysis, policy: PolicyInfo, selected: readonly PodInfo[]): string {
  if (selected.length === 0) return `Effective result: no pod ${knownIn(analysis.model)} is selected, so nothing changes for them here.`;
  const parts: string[] = [];
  for (const direction of ['ingress', 'egress'] as const) {
    if (!policy.policyTypes[direction]) continue;
    const isolating = new Set<string>();
    let rules = 0;
    for (const pod of selected) {
      for (const p of analysis.analyzer.isolatingPolicies(pod, direction)) {
        if (!isolating.has(p.id)) rules += p[direction].length;
        isolating.add(p.id);
      }
    }
    const way = direction === 'ingress' ? 'incoming' : 'outgoing';
    parts.push(
      rules === 0
        ? `all ${way} traffic is denied`
        : `${way} traffic is allowed only by the ${rules} ${direction} rule${rules === 1 ? '' : 's'} of ${isolating.size} polic${isolating.size === 1 ? 'y' : 'ies'} (${[...isolating].map(code).join(', ')})`,
    );
  }
  if (parts.length === 0) return 'Effective result: this policy isolates no direction, so it changes nothing by itself.';
  return `Effective result for the selected pods: ${parts.join('; ')}.`;
}

function policyTypesHover(policy: PolicyInfo): string {
  const lines: string[] = [];
  if (policy.policyTypes.explicit) {
    lines.push(`**policyTypes** is written: this policy isolates ${typesOf(policy).replace('isolates ', '')} for the pods it selects.`);
  } else {
    lines.push(`**policyTypes** is ${policy.policyTypes.span ? 'an empty list, which the API server treats as absent' : 'not written'}: the API server sets Ingress always, and Egress only when spec.egress has at least one rule. Here: ${typesOf(policy).replace('isolates ', '')}.`);
  }
  lines.push('', 'A pod is isolated for a direction as soon as any policy selecting it lists that direction; then only the rules of those policies allow traffic that way.');
  for (const direction of ['ingress', 'egress'] as const) {
    if (!policy.policyTypes[direction] && policy[direction].length > 0) lines.push('', `The ${direction} rules of this policy are ignored: ${direction === 'ingress' ? 'Ingress' : 'Egress'} is not listed.`);
  }
  lines.push('', `[Network Policies](${DOCS}#networkpolicy-resource)`);
  return lines.join('\n');
}

function directionHover(policy: PolicyInfo, direction: Direction): string {
  const name = direction === 'ingress' ? 'Ingress' : 'Egress';
  const cause = isolationCause(policy, direction);
  const rules = policy[direction];
  const head = cause
    ? `**${direction}**: ${name} is isolated (${describeIsolationCause(cause, policy)}). ${rules.length === 0 ? 'No rules: nothing is allowed.' : `${rules.length} rule${rules.length === 1 ? '' : 's'}; traffic matching any one is allowed.`}`
    : `**${direction}**: ${name} is not in policyTypes, so these rules are ignored.`;
  return `${head}\n\n${rules.map((r) => `- rule ${r.index + 1} ${describeRule(policy, r)}`).join('\n')}\n\n[Network Policies](${DOCS})`;
}

function ruleHover(analysis: FileAnalysis, policy: PolicyInfo, rule: RuleInfo): string {
  const active = policy.policyTypes[rule.direction];
  const lines = [`**${rule.direction} rule ${rule.index + 1}** ${describeRule(policy, rule)}.${active ? '' : ` Ignored: ${rule.direction === 'ingress' ? 'Ingress' : 'Egress'} is not in policyTypes.`}`];
  if (rule.peers.length > 1) lines.push('', `The ${rule.peers.length} list items are alternatives (OR): a ${rule.direction === 'ingress' ? 'source' : 'destination'} matching any one of them is allowed.`);
  if (rule.peers.length === 0) lines.push('', `No ${rule.direction === 'ingress' ? 'from' : 'to'} list: every ${rule.direction === 'ingress' ? 'source' : 'destination'} matches, inside or outside the cluster.`);
  if (rule.ports.length === 0) lines.push('', 'No ports: every port and protocol.');
  void analysis;
  lines.push('', `[Behavior of to and from selectors](${DOCS}#behavior-of-to-and-from-selectors)`);
  return lines.join('\n');
}

function peerHover(analysis: FileAnalysis, policy: PolicyInfo, rule: RuleInfo, peer: PeerInfo, inner: string[]): string {
  const lines: string[] = [];
  const what = describePeer(peer, policy.namespace).replace(' (one peer: both must hold)', '');
  const preposition = rule.direction === 'ingress' ? 'from' : 'to';
  if (peer.podSelector && peer.namespaceSelector) {
    lines.push(`**AND** (one list item): ${preposition} ${what}. Both selectors must hold for the same pod.`);
    lines.push('', `For either/or, write them as two list items: ${code('- namespaceSelector: ...')} and ${code('- podSelector: ...')}.`);
  } else {
    lines.push(`**Peer ${peer.index + 1}**: ${preposition} ${what}.`);
    if (rule.peers.length > 1) lines.push('', `One of ${rule.peers.length} list items (OR): matching any one of them is enough.`);
  }
  if (peer.ipBlock) {
    lines.push('', ipBlockText(peer));
  } else {
    lines.push('', `Matches ${podNames(analysis.analyzer.peerPods(policy, peer), 8, knownIn(analysis.model))}.`);
  }
  const [field, sub] = inner;
  if ((field === 'podSelector' || field === 'namespaceSelector') && sub) {
    const selector = field === 'podSelector' ? peer.podSelector : peer.namespaceSelector;
    if (selector) lines.push('', selectorHover(selector, field === 'podSelector' ? 'pods' : 'namespaces', sub));
  } else if (field === 'namespaceSelector' && peer.namespaceSelector?.requirements.length === 0) {
    lines.push('', `${code('namespaceSelector: {}')} matches every namespace.`);
  } else if (field === 'podSelector' && peer.podSelector?.requirements.length === 0) {
    lines.push('', `${code('podSelector: {}')} matches every pod${peer.namespaceSelector ? ' of the selected namespaces' : ` of namespace ${policy.namespace}`}.`);
  }
  if (!policy.policyTypes[rule.direction]) lines.push('', `This rule is ignored: ${rule.direction === 'ingress' ? 'Ingress' : 'Egress'} is not in policyTypes.`);
  lines.push('', `[Behavior of to and from selectors](${DOCS}#behavior-of-to-and-from-selectors)`);
  return lines.join('\n');
}

function ipBlockText(peer: PeerInfo): string {
  const block = peer.ipBlock!;
  if (!block.cidr) return `${code(block.cidrText)} is not a valid CIDR, so this peer matches nothing.`;
  const size = cidrSize(block.cidr);
  const family = block.cidr.family === 4 ? 'IPv4' : 'IPv6';
  const parts = [`${code(block.cidrText)}: ${size.toLocaleString('en-US')} ${family} address${size === 1n ? '' : 'es'}`];
  for (const except of block.except) {
    if (except.cidr) parts.push(`minus ${code(except.text)} (${cidrSize(except.cidr).toLocaleString('en-US')})`);
  }
  return `${parts.join(', ')}. ipBlock is meant for addresses outside the cluster; whether it matches pod addresses depends on the network plugin, and source NAT can hide the real address.`;
}

function selectorHover(selector: LabelSelector, subject: 'pods' | 'namespaces', field: string): string {
  if (selector.requirements.length === 0 && selector.problems.length === 0) return `${code('{}')} matches every one of the ${subject} in scope.`;
  const lines = [`This selector matches ${subject} ${describeSelectorConditions(selector)}: matchLabels and matchExpressions must all hold (AND).`];
  for (const r of selector.requirements) {
    if (r.operator === 'NotIn' || r.operator === 'DoesNotExist') {
      lines.push(`- ${code(describeRequirement(r))}: also true for ${subject} that have no ${code(r.key)} label at all.`);
    }
  }
  void field;
  return lines.join('\n');
}

function portHover(analysis: FileAnalysis, policy: PolicyInfo, rule: RuleInfo, port: PortInfo): string {
  const lines = [`**Port**: ${describePort(port)}.`];
  if (!port.protocolExplicit) lines.push('', 'No protocol written: TCP is the default.');
  if (typeof port.port === 'string') {
    const destinations = rule.direction === 'ingress' ? analysis.analyzer.selectedPods(policy) : rule.peers.flatMap((p) => analysis.analyzer.peerPods(policy, p));
    const resolved = [...new Set(destinations)].map((pod) => {
      const match = pod.ports.find((p) => p.name === port.port && p.protocol === port.protocol);
      return match ? `${code(pod.id)}: ${match.containerPort}` : `${code(pod.id)}: not declared for ${port.protocol}`;
    });
    lines.push('', `A named port resolves on each destination pod's containers with the same protocol${resolved.length > 0 ? `: ${resolved.slice(0, 8).join(', ')}` : ` (no destination pod ${knownIn(analysis.model)})`}.`);
  }
  if (port.endPort !== undefined) lines.push('', `A range: ${port.port}-${port.endPort} inclusive. Network plugins without endPort support open only ${port.port}.`);
  if (port.port === undefined) lines.push('', `No port: every ${port.protocol} port.`);
  lines.push('', `The rule allows ${describePorts(rule.ports)}.`, '', `[Targeting a range of ports](${DOCS}#targeting-a-range-of-ports)`);
  return lines.join('\n');
}

/** The schema's description of the field under the cursor. */
function fieldDoc(path: PathStep[]): string | undefined {
  let schema: SchemaType = networkPolicy;
  let name = '';
  let description: string | undefined;
  for (const step of path) {
    if (step.kind === 'index') {
      if (schema.type !== 'array') return undefined;
      schema = schema.items;
      continue;
    }
    if (schema.type === 'map') {
      description = `A key of ${code(name)}: ${description ?? ''}`;
      name = step.key;
      schema = schema.values;
      continue;
    }
    if (schema.type !== 'object') return undefined;
    const field: ObjectType['fields'][string] | undefined = schema.fields[step.key];
    if (!field) return undefined;
    name = step.key;
    description = field.description;
    schema = field.schema;
  }
  if (!description) return undefined;
  return `**${name}** (${fieldPathOf(path)})\n\n${description}\n\n[Network Policies](${DOCS})`;
}
