import type { ClusterModel, Direction, LabelSelector, PeerInfo, PolicyInfo, PortInfo, Requirement, RuleInfo, Span } from '../model/types';
import { namespaceNameLabel } from '../model/types';
import type { PolicyDescription } from './describe';
import type { ConnectionExplanation, IsolationCause, RuleMiss, SideVerdict } from './explain';
import { Endpoint, endpointName, PeerFailure } from './peers';
import type { PortFailure } from './ports';
import type { RequirementFailure } from './selectors';

/** Plain-language rendering of the engine's structured answers; nothing here decides anything. */

/** `file:line:column`, 1-based, for a span of a model file. */
export function formatLocation(model: ClusterModel, file: string, span: Span): string {
  const parsed = model.files.get(file);
  if (!parsed) return file;
  const position = parsed.lines.positionAt(span[0]);
  return `${file}:${position.line + 1}:${position.character + 1}`;
}

function list(items: string[], conjunction = 'and'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

function valueList(values: string[]): string {
  return `(${values.join(', ')})`;
}

export function describeRequirement(r: Requirement): string {
  switch (r.operator) {
    case 'In':
      return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in ${valueList(r.values)}`;
    case 'NotIn':
      return `${r.key} not in ${valueList(r.values)} (or no ${r.key} label)`;
    case 'Exists':
      return `a ${r.key} label`;
    case 'DoesNotExist':
      return `no ${r.key} label`;
  }
}

/** "labelled app=api and tier=db", "with tier in (a, b) and no legacy label"; empty for `{}`. */
export function describeSelectorConditions(selector: LabelSelector): string {
  if (selector.problems.length > 0) return `with a selector the API server rejects (${selector.problems.join('; ')})`;
  if (selector.requirements.length === 0) return '';
  const plain = selector.requirements.every((r) => r.operator === 'In' && r.values.length === 1);
  return `${plain ? 'labelled' : 'with'} ${list(selector.requirements.map(describeRequirement))}`;
}

function namespacesPhrase(selector: LabelSelector): string {
  if (selector.problems.length === 0 && selector.requirements.length === 0) return 'every namespace';
  const [only] = selector.requirements;
  // Every namespace carries its name label, so a selector on it alone reads better as names.
  if (selector.problems.length === 0 && selector.requirements.length === 1 && only.key === namespaceNameLabel) {
    if (only.operator === 'In') return `namespace ${list(only.values, 'or')}`;
    if (only.operator === 'NotIn') return `namespaces other than ${list(only.values, 'and')}`;
  }
  return `namespaces ${describeSelectorConditions(selector)}`;
}

function podsPhrase(selector: LabelSelector): string {
  const conditions = describeSelectorConditions(selector);
  return conditions ? `pods ${conditions}` : 'every pod';
}

export function describePeer(peer: PeerInfo, policyNamespace: string): string {
  if (peer.problem && !peer.ipBlock) return `nothing (${peer.problem})`;
  if (peer.ipBlock) {
    const block = peer.ipBlock;
    const except = block.except.length > 0 ? ` except ${list(block.except.map((e) => e.text))}` : '';
    return `addresses in ${block.cidrText}${except}${peer.problem ? ` (${peer.problem})` : ''}`;
  }
  const pods = peer.podSelector;
  const namespaces = peer.namespaceSelector;
  if (pods && !namespaces) return `${podsPhrase(pods)} in namespace ${policyNamespace}`;
  if (namespaces && !pods) return `every pod in ${namespacesPhrase(namespaces)}`;
  const podText = podsPhrase(pods!);
  const nsText = namespacesPhrase(namespaces!);
  if (podText === 'every pod') return `every pod in ${nsText}`;
  if (nsText === 'every namespace') return `${podText} in any namespace (one peer: both must hold)`;
  return `${podText} that are also in ${nsText} (one peer: both must hold)`;
}

export function describePort(port: PortInfo): string {
  if (port.problem) return `nothing (${port.problem})`;
  if (port.port === undefined) return `every ${port.protocol} port`;
  if (typeof port.port === 'string') return `${port.protocol} on the port named ${port.port}`;
  if (port.endPort !== undefined && port.endPort !== port.port) return `${port.protocol} ${port.port}-${port.endPort}`;
  return `${port.protocol} ${port.port}`;
}

export function describePorts(ports: readonly PortInfo[]): string {
  return ports.length === 0 ? 'every port and protocol' : list(ports.map(describePort));
}

/** "allows TCP 5432 from pods labelled app=api that are also in namespaces labelled team=payments (one peer: both must hold)" */
export function describeRule(policy: PolicyInfo, rule: RuleInfo): string {
  const preposition = rule.direction === 'ingress' ? 'from' : 'to';
  const peers =
    rule.peers.length === 0
      ? rule.direction === 'ingress'
        ? 'from any source'
        : 'to any destination'
      : rule.peers.map((p) => `${preposition} ${describePeer(p, policy.namespace)}`).join(', or ');
  return `allows ${describePorts(rule.ports)} ${peers}`;
}

export function describeIsolationCause(cause: IsolationCause, policy: PolicyInfo): string {
  switch (cause) {
    case 'explicit':
      return `policyTypes lists ${policy.policyTypes.ingress && policy.policyTypes.egress ? 'Ingress and Egress' : policy.policyTypes.ingress ? 'Ingress' : 'Egress'}`;
    case 'defaulted-ingress':
      return `${unwrittenTypes(policy)}, and the API server always adds Ingress`;
    case 'defaulted-egress':
      return `${unwrittenTypes(policy)}, and the API server adds Egress because spec.egress has ${policy.egress.length} rule${policy.egress.length === 1 ? '' : 's'}`;
  }
}

function unwrittenTypes(policy: PolicyInfo): string {
  return policy.policyTypes.span ? 'policyTypes is an empty list, defaulted as if absent' : 'policyTypes is not written';
}

function directionName(direction: Direction): string {
  return direction === 'ingress' ? 'Ingress' : 'Egress';
}

function indent(lines: string[], by: string): string[] {
  return lines.map((line) => (line ? by + line : line));
}

export function renderPolicyDescription(description: PolicyDescription, model: ClusterModel): string {
  const { policy } = description;
  const lines: string[] = [];
  lines.push(`NetworkPolicy ${policy.id} (${formatLocation(model, policy.location.file, policy.nameSpan ?? policy.location.span)})`);
  lines.push(`  namespace: ${policy.namespace}${policy.namespaceExplicit ? '' : ' (assumed: metadata.namespace is not written)'}`);
  const selector = policy.podSelectorWritten ? podsPhrase(policy.podSelector) : 'every pod (spec.podSelector is absent)';
  const selected = description.selectedPods.map((p) => p.id);
  lines.push(`  selects: ${selector} in namespace ${policy.namespace}; among the inputs: ${selected.length === 0 ? 'none' : selected.join(', ')}`);
  for (const summary of [description.ingress, description.egress]) {
    const name = directionName(summary.direction);
    if (summary.isolates) {
      lines.push(`  ${name}: isolates the selected pods (${describeIsolationCause(summary.cause!, policy)})`);
      if (summary.rules.length === 0) lines.push(`    no ${summary.direction} rules: nothing is allowed ${summary.direction === 'ingress' ? 'in' : 'out'}`);
      for (const rule of summary.rules) {
        lines.push(`    rule ${rule.index + 1} (${formatLocation(model, policy.location.file, rule.span)}): ${describeRule(policy, rule)}`);
      }
    } else {
      const why = policy.policyTypes.explicit ? 'policyTypes leaves it out' : `${unwrittenTypes(policy)} and spec.egress has no rules`;
      lines.push(`  ${name}: not isolated (${why})`);
      for (const rule of summary.ignoredRules) {
        lines.push(`    ignored rule ${rule.index + 1} (${formatLocation(model, policy.location.file, rule.span)}): would ${describeRule(policy, rule).replace(/^allows/, 'allow')}, but ${name} is not in policyTypes`);
      }
    }
  }
  for (const note of description.notes) lines.push(`  note: ${note}`);
  return lines.join('\n');
}

function describeRequirementFailure(failure: RequirementFailure, owner: string): string {
  const r = failure.requirement;
  const actual = failure.actual === undefined ? `${owner} has no ${r.key} label` : `${owner} has ${r.key}=${failure.actual}`;
  switch (r.operator) {
    case 'In':
      return `${actual}; the selector needs ${describeRequirement(r)}`;
    case 'NotIn':
      return `${actual}; the selector needs ${r.key} not in ${valueList(r.values)}`;
    case 'Exists':
      return `${actual}; the selector needs the label to exist`;
    case 'DoesNotExist':
      return `${actual}; the selector needs the label to be absent`;
  }
}

export function describePeerFailure(failure: PeerFailure, endpoint: Endpoint): string {
  const name = endpointName(endpoint);
  switch (failure.kind) {
    case 'invalid':
      return `the peer is rejected by the API server (${failure.problem})`;
    case 'policy-namespace':
      return `${name} is in namespace ${failure.actual}; a podSelector without a namespaceSelector only matches pods in the policy's namespace ${failure.policyNamespace}`;
    case 'namespace-selector':
      return failure.failures.map((f) => describeRequirementFailure(f, `namespace ${failure.namespace}`)).join('; ') || `namespace ${failure.namespace} does not match`;
    case 'pod-selector':
      return failure.failures.map((f) => describeRequirementFailure(f, name)).join('; ') || `${name} does not match`;
    case 'selector-external':
      return `${name} is outside the cluster; selectors only match pods, so it needs an ipBlock`;
    case 'ip-outside-cidr':
      return `${endpoint.kind === 'pod' ? `${name}'s address ` : ''}${failure.ip} is outside ${failure.cidr}`;
    case 'ip-in-except':
      return `${endpoint.kind === 'pod' ? `${name}'s address ` : ''}${failure.ip} is in ${failure.cidr} but excluded by except ${failure.except}`;
    case 'ip-unknown':
      return `${name} has no recorded address (status.podIP), so ipBlock ${failure.cidr} cannot be shown to match it`;
  }
}

export function describePortFailure(failure: PortFailure, destination: string): string {
  switch (failure.kind) {
    case 'invalid':
      return `the port entry is rejected by the API server (${failure.problem})`;
    case 'protocol':
      return `it is for ${failure.wanted}, the connection is ${failure.actual}`;
    case 'port':
      return failure.endPort !== undefined && failure.endPort !== failure.wanted
        ? `it covers ${failure.wanted}-${failure.endPort}, the connection is to ${failure.actual}`
        : `it is for port ${failure.wanted}, the connection is to ${failure.actual}`;
    case 'named-port-missing':
      return `${destination} has no ${failure.protocol} container port named ${failure.name}`;
    case 'named-port-protocol':
      return `${destination} names ${failure.name} for ${failure.declared.protocol}, not ${failure.protocol}`;
    case 'named-port-number':
      return `${failure.name} is port ${failure.resolved.containerPort} on ${destination}, the connection is to ${failure.actual}`;
    case 'named-port-external':
      return `the named port ${failure.name} cannot be resolved on an address outside the cluster`;
  }
}

function missScore(miss: RuleMiss): number {
  return (miss.peersMatch ? 0 : 1) + (miss.portsMatch ? 0 : 1);
}

function renderMiss(miss: RuleMiss, other: Endpoint, destination: string, model: ClusterModel): string[] {
  const { policy, rule } = miss;
  const file = policy.location.file;
  const lines = [`${policy.id} ${rule.direction} rule ${rule.index + 1} (${formatLocation(model, file, rule.span)}): ${describeRule(policy, rule)}`];
  if (!miss.peersMatch) {
    for (const { peer, failures } of miss.peerMisses) {
      lines.push(`  ${rule.direction === 'ingress' ? 'from' : 'to'} peer ${peer.index + 1} (${formatLocation(model, file, peer.span)}): ${failures.map((f) => describePeerFailure(f, other)).join('; ')}`);
    }
  } else {
    lines.push(`  peer: matches${miss.matchingPeer ? ` (peer ${miss.matchingPeer.index + 1})` : ' (the rule has no peers, so every peer)'}`);
  }
  if (!miss.portsMatch) {
    for (const { port, failure } of miss.portMisses) {
      lines.push(`  port ${port.index + 1} (${formatLocation(model, file, port.span)}): ${describePortFailure(failure, destination)}`);
    }
  } else {
    lines.push(`  ports: match${miss.matchingPort ? ` (port ${miss.matchingPort.index + 1})` : ' (the rule has no ports, so every port)'}`);
  }
  return lines;
}

function renderSide(side: SideVerdict, other: Endpoint, destination: string, model: ClusterModel): string[] {
  const subject = endpointName(side.subject);
  const name = directionName(side.direction);
  const lines: string[] = [];
  const head = `${name} (${side.direction === 'egress' ? 'leaving' : 'entering'} ${subject}): ${side.allowed ? 'allowed' : 'DENIED'}`;
  lines.push(head);
  if (!side.governed) {
    lines.push(`  ${subject} is not a pod of the inputs; policies never isolate it.`);
    return lines;
  }
  if (!side.isolated) {
    const others = side.selectingOnly.length > 0 ? ` (${list(side.selectingOnly.map((p) => p.id))} select${side.selectingOnly.length === 1 ? 's' : ''} it without ${name} in policyTypes)` : '';
    lines.push(`  ${subject} is not isolated for ${side.direction}: no policy that selects it has ${name} in its policyTypes${others}.`);
  } else {
    lines.push(`  ${subject} is isolated for ${side.direction} by:`);
    for (const { policy, cause } of side.isolatedBy) {
      lines.push(`    ${policy.id} (${formatLocation(model, policy.location.file, policy.nameSpan ?? policy.location.span)}): ${describeIsolationCause(cause, policy)}`);
    }
    if (side.allowed) {
      lines.push(`  allowed by:`);
      for (const allow of side.allowedBy) {
        const parts = [`${allow.policy.id} ${side.direction} rule ${allow.rule.index + 1} (${formatLocation(model, allow.policy.location.file, allow.rule.span)})`];
        if (allow.peer) parts.push(`peer ${allow.peer.index + 1}`);
        if (allow.port) parts.push(`port ${allow.port.index + 1}`);
        lines.push(`    ${parts.join(', ')}: ${describeRule(allow.policy, allow.rule)}`);
      }
    } else if (side.misses.length === 0) {
      lines.push(`  the isolating policies have no ${side.direction} rules, so nothing is allowed ${side.direction === 'ingress' ? 'in' : 'out'}.`);
    } else {
      lines.push(`  no ${side.direction} rule admits ${endpointName(other)}; each rule, closest first, and what fails:`);
      const misses = [...side.misses].sort((a, b) => missScore(a) - missScore(b));
      for (const miss of misses) lines.push(...indent(renderMiss(miss, other, destination, model), '    '));
    }
  }
  for (const ignored of side.ignored) {
    if (!ignored.wouldAllow) continue;
    lines.push(
      `  note: ${ignored.policy.id} ${side.direction} rule ${ignored.rule.index + 1} (${formatLocation(model, ignored.policy.location.file, ignored.rule.span)}) would admit this, but its policyTypes leaves ${name} out, so the API server ignores the rule.`,
    );
  }
  return lines;
}

/** The answer to "why does this connection time out (or not)". */
export function renderExplanation(explanation: ConnectionExplanation, model: ClusterModel): string {
  const from = endpointName(explanation.from);
  const to = endpointName(explanation.to);
  const lines: string[] = [];
  const deniedBy = [explanation.egress.allowed ? undefined : 'egress', explanation.ingress.allowed ? undefined : 'ingress'].filter(Boolean);
  lines.push(`${from} -> ${to} ${explanation.protocol} ${explanation.port}: ${explanation.allowed ? 'allowed' : `DENIED (by ${list(deniedBy as string[])})`}`);
  lines.push('');
  lines.push(...renderSide(explanation.egress, explanation.to, to, model));
  lines.push('');
  lines.push(...renderSide(explanation.ingress, explanation.from, to, model));
  if (explanation.notes.length > 0) {
    lines.push('');
    for (const note of explanation.notes) lines.push(`note: ${note}`);
  }
  return lines.join('\n');
}
