import type { ClusterModel, Direction, PeerInfo, PodInfo, PolicyInfo, RuleInfo } from '../model/types';
import type { FileAnalysis } from '../lint/context';
import type { Analyzer } from '../semantics/analyzer';
import { describePolicy, DirectionSummary } from '../semantics/describe';
import { describeIsolationCause, describePeer, describePort, describePorts, describeSelectorConditions } from '../semantics/render';
import type { IndexStatus, PanelNode, PolicyPanelResult } from '../../protocol';
import { linkOf, spanLink } from './links';
import { hasCluster, isLive } from '../model/sources';

/** "in this workspace", or "in this workspace or the cluster" when a cluster is connected. */
function where(model: ClusterModel): string {
  return hasCluster(model) ? 'in this workspace or the cluster' : 'in this workspace';
}

/** How many pods a peer or namespace lists before "and N more". */
const MAX_LISTED = 50;

/** The policy written at an offset of the analysed file. */
export function policyAtOffset(analysis: FileAnalysis, offset: number): PolicyInfo | undefined {
  return analysis.policies.find((p) => offset >= p.location.span[0] && offset <= p.location.span[1]);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function directionName(direction: Direction): string {
  return direction === 'ingress' ? 'Ingress' : 'Egress';
}

/** "selects 3 pods · isolates Ingress, Egress", the code lens and the panel's headline. */
export function policySummary(analyzer: Analyzer, policy: PolicyInfo): string {
  const pods = analyzer.selectedPods(policy).length;
  const isolated = (['ingress', 'egress'] as const).filter((d) => policy.policyTypes[d]).map(directionName);
  return `selects ${plural(pods, 'pod')} · isolates ${isolated.length > 0 ? isolated.join(', ') : 'nothing'}`;
}

function podNode(model: ClusterModel, idPrefix: string, pod: PodInfo): PanelNode {
  const labels = Object.entries(pod.labels).map(([k, v]) => `${k}=${v}`);
  return {
    id: `${idPrefix}/${pod.id}`,
    label: pod.kind === 'Pod' ? pod.name : `${pod.name}`,
    description: [pod.kind === 'Pod' ? undefined : pod.kind, isLive(pod) ? 'live' : undefined].filter(Boolean).join(' · ') || undefined,
    tooltip: `${pod.id}${labels.length > 0 ? `\nlabels: ${labels.join(', ')}` : '\nno labels'}`,
    icon: pod.kind === 'Pod' ? 'vm' : 'server-process',
    link: linkOf(model, pod.location),
    kind: 'pod',
  };
}

/** Pods grouped by namespace; a single namespace is listed flat. */
function podsByNamespace(model: ClusterModel, idPrefix: string, pods: readonly PodInfo[]): PanelNode[] {
  const groups = new Map<string, PodInfo[]>();
  for (const pod of pods) {
    let group = groups.get(pod.namespace);
    if (!group) groups.set(pod.namespace, (group = []));
    group.push(pod);
  }
  const list = (prefix: string, members: PodInfo[]): PanelNode[] => {
    const nodes = members.slice(0, MAX_LISTED).map((pod) => podNode(model, prefix, pod));
    if (members.length > MAX_LISTED) nodes.push({ id: `${prefix}/more`, label: `and ${members.length - MAX_LISTED} more`, kind: 'note', icon: 'ellipsis' });
    return nodes;
  };
  if (groups.size === 1) {
    const [[, members]] = [...groups];
    return list(idPrefix, members);
  }
  return [...groups].map(([namespace, members]) => ({
    id: `${idPrefix}/ns/${namespace}`,
    label: namespace,
    description: plural(members.length, 'pod'),
    icon: 'symbol-namespace',
    link: linkOf(model, model.namespaces.get(namespace)?.declaredAt),
    kind: 'namespace',
    expanded: groups.size <= 3,
    children: list(`${idPrefix}/ns/${namespace}`, members),
  }));
}

function peerNode(model: ClusterModel, analyzer: Analyzer, policy: PolicyInfo, rule: RuleInfo, peer: PeerInfo, id: string): PanelNode {
  const pods = analyzer.peerPods(policy, peer);
  const shape = peer.podSelector && peer.namespaceSelector ? 'AND: one peer with both selectors' : peer.ipBlock ? 'ipBlock' : undefined;
  const children = pods.length > 0 ? podsByNamespace(model, id, pods) : [{ id: `${id}/none`, label: peer.ipBlock ? `matches no pod address recorded ${where(model)}` : `matches no pod ${where(model)}`, icon: 'circle-slash', kind: 'note' }];
  return {
    id,
    label: describePeer(peer, policy.namespace),
    description: `${peer.ipBlock ? '' : `${plural(pods.length, 'pod')}`}${shape && !peer.ipBlock ? ` · ${shape}` : ''}`.trim() || undefined,
    tooltip: `${rule.direction === 'ingress' ? 'from' : 'to'} item ${peer.index + 1} of rule ${rule.index + 1}${peer.podSelector && peer.namespaceSelector ? '\nnamespaceSelector and podSelector in ONE list item: a pod must satisfy both (AND).' : ''}`,
    icon: peer.ipBlock ? 'globe' : 'person',
    link: spanLink(model, policy.location.file, peer.span),
    kind: 'peer',
    // A handful of matched pods is what the reader came for; long lists stay folded.
    expanded: pods.length <= 10,
    children,
  };
}

function ruleNode(model: ClusterModel, analyzer: Analyzer, policy: PolicyInfo, rule: RuleInfo, ignored: boolean): PanelNode {
  const id = `${policy.id}/${rule.direction}/${rule.index}`;
  const preposition = rule.direction === 'ingress' ? 'from' : 'to';
  const children: PanelNode[] = [];
  if (rule.peers.length === 0) {
    children.push({ id: `${id}/any`, label: rule.direction === 'ingress' ? 'from any source (no from: every pod and address)' : 'to any destination (no to: every pod and address)', icon: 'globe', kind: 'peer' });
  } else {
    rule.peers.forEach((peer) => children.push(peerNode(model, analyzer, policy, rule, peer, `${id}/peer/${peer.index}`)));
  }
  children.push({
    id: `${id}/ports`,
    label: rule.ports.length === 0 ? 'every port and protocol' : `ports: ${describePorts(rule.ports)}`,
    icon: 'plug',
    kind: 'ports',
    link: rule.portsKeySpan ? spanLink(model, policy.location.file, rule.portsKeySpan) : undefined,
    children:
      rule.ports.length > 1
        ? rule.ports.map((port) => ({ id: `${id}/port/${port.index}`, label: describePort(port), icon: 'plug', kind: 'port', link: spanLink(model, policy.location.file, port.span) }))
        : undefined,
  });
  const peerText = rule.peers.length === 0 ? (rule.direction === 'ingress' ? 'from anywhere' : 'to anywhere') : `${preposition} ${plural(rule.peers.length, 'peer')}${rule.peers.length > 1 ? ' (OR)' : ''}`;
  return {
    id,
    label: `Rule ${rule.index + 1}: ${peerText}`,
    description: `${describePorts(rule.ports)}${ignored ? ' · ignored' : ''}`,
    tooltip: ignored ? `policyTypes does not list ${directionName(rule.direction)}, so the API server keeps this rule but it has no effect.` : undefined,
    icon: ignored ? 'debug-step-over' : 'check',
    link: spanLink(model, policy.location.file, rule.span),
    kind: 'rule',
    expanded: !ignored,
    children,
  };
}

function directionNode(model: ClusterModel, analyzer: Analyzer, policy: PolicyInfo, summary: DirectionSummary, selected: number): PanelNode {
  const name = directionName(summary.direction);
  const id = `${policy.id}/${summary.direction}`;
  const children: PanelNode[] = [];
  const why = summary.cause ? describeIsolationCause(summary.cause, policy) : policy.policyTypes.explicit ? `policyTypes does not list ${name}` : summary.direction === 'egress' ? 'policyTypes is not written and spec.egress has no rules, so the API server does not add Egress' : '';
  if (why) children.push({ id: `${id}/why`, label: `Why: ${why}`, icon: 'question', kind: 'why' });
  if (summary.isolates) {
    if (summary.rules.length === 0) {
      children.push({
        id: `${id}/deny`,
        label: summary.direction === 'ingress' ? 'No rule: every incoming connection to the selected pods is denied, unless another policy allows it' : 'No rule: every outgoing connection from the selected pods is denied (DNS too), unless another policy allows it',
        icon: 'circle-slash',
        kind: 'note',
      });
    }
    for (const rule of summary.rules) children.push(ruleNode(model, analyzer, policy, rule, false));
  } else {
    children.push({
      id: `${id}/open`,
      label:
        summary.ignoredRules.length > 0
          ? `This policy does not restrict ${summary.direction}: its ${summary.direction} rules below are kept by the API server but ignored`
          : `This policy does not restrict ${summary.direction} of the selected pods`,
      icon: 'info',
      kind: 'note',
    });
  }
  for (const rule of summary.ignoredRules) children.push(ruleNode(model, analyzer, policy, rule, true));
  return {
    id,
    label: `${name}: ${summary.isolates ? 'isolated' : 'not isolated'}`,
    description: summary.isolates ? `${plural(summary.rules.length, 'allow rule')}${selected === 0 ? ' · no pod selected' : ''}` : undefined,
    tooltip: why ? `Why: ${why}.` : undefined,
    icon: summary.isolates ? 'shield' : 'unlock',
    link: policy.policyTypes.span ? spanLink(model, policy.location.file, policy.policyTypes.span) : spanLink(model, policy.location.file, summary.direction === 'ingress' ? policy.ingressKeySpan : policy.egressKeySpan),
    kind: 'direction',
    expanded: true,
    children,
  };
}

function otherPoliciesNode(model: ClusterModel, analyzer: Analyzer, policy: PolicyInfo, selected: readonly PodInfo[]): PanelNode {
  const others = new Map<PolicyInfo, number>();
  for (const pod of selected) for (const other of analyzer.policiesSelecting(pod)) if (other !== policy) others.set(other, (others.get(other) ?? 0) + 1);
  const id = `${policy.id}/others`;
  return {
    id,
    label: others.size === 0 ? 'No other policy selects these pods' : 'Other policies selecting these pods',
    description: others.size > 0 ? String(others.size) : undefined,
    icon: 'references',
    kind: 'others',
    expanded: others.size > 0 && others.size <= 5,
    children:
      others.size > 0
        ? [...others].map(([other, count]) => ({
            id: `${id}/${other.id}`,
            label: other.id,
            description: `${plural(count, 'shared pod')} · isolates ${(['ingress', 'egress'] as const).filter((d) => other.policyTypes[d]).map(directionName).join(', ')}`,
            tooltip: 'Allows add up: a connection is allowed when any policy that isolates the pod for that direction allows it.',
            icon: 'shield',
            link: linkOf(model, other.location),
            kind: 'policy',
          }))
        : undefined,
  };
}

function indexNode(status: IndexStatus, policyId: string): PanelNode | undefined {
  if (!status.enabled) return { id: `${policyId}/index`, label: 'Workspace indexing is off: only open files are known', icon: 'info', kind: 'index' };
  const parts = [`${plural(status.files, 'YAML file')} indexed`];
  if (status.skippedTemplates > 0) parts.push(`${plural(status.skippedTemplates, 'template')} skipped`);
  if (status.excluded > 0) parts.push(`${status.excluded} excluded`);
  return { id: `${policyId}/index`, label: `Workspace: ${parts.join(', ')}${status.scanning ? ' (indexing…)' : ''}`, icon: status.scanning ? 'sync~spin' : 'folder-library', kind: 'index' };
}

/** The tree of the side panel for one policy of an analysed file. */
export function policyPanel(analysis: FileAnalysis, policy: PolicyInfo, index: IndexStatus): PolicyPanelResult {
  const { model, analyzer } = analysis;
  const description = describePolicy(analyzer, policy);
  const selected = description.selectedPods;
  const link = linkOf(model, policy.location)!;
  const selector = policy.podSelectorWritten ? describeSelectorConditions(policy.podSelector) : '';
  const nodes: PanelNode[] = [];
  nodes.push({
    id: `${policy.id}/selected`,
    label: selected.length === 0 ? `Selects no pod ${where(model)}` : `Selects ${plural(selected.length, 'pod')}`,
    description: `${selector ? `pods ${selector}` : 'every pod'} in ${policy.namespace}`,
    tooltip: policy.podSelectorWritten ? undefined : 'spec.podSelector is absent: the API server reads it as {} and the policy selects every pod of its namespace.',
    icon: 'target',
    link: spanLink(model, policy.location.file, policy.podSelector.span) ?? link,
    kind: 'selected',
    expanded: true,
    children: selected.length > 0 ? podsByNamespace(model, `${policy.id}/selected`, selected) : undefined,
  });
  nodes.push(directionNode(model, analyzer, policy, description.ingress, selected.length));
  nodes.push(directionNode(model, analyzer, policy, description.egress, selected.length));
  nodes.push(otherPoliciesNode(model, analyzer, policy, selected));
  description.notes.forEach((note, i) => nodes.push({ id: `${policy.id}/note/${i}`, label: note, tooltip: note, icon: 'warning', kind: 'note' }));
  const indexInfo = indexNode(index, policy.id);
  if (indexInfo) nodes.push(indexInfo);
  return {
    policy: { id: policy.id, name: policy.name, namespace: policy.namespace, link, uri: policy.location.file },
    summary: policySummary(analyzer, policy),
    nodes,
    index,
  };
}

/** The panel's answer when no policy is at the cursor. */
export function emptyPanel(message: string, index: IndexStatus): PolicyPanelResult {
  const nodes: PanelNode[] = [];
  const indexInfo = indexNode(index, 'none');
  if (indexInfo) nodes.push(indexInfo);
  return { nodes, message, index };
}
