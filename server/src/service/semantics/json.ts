import type { Range } from 'vscode-languageserver-types';
import type { ClusterModel, Direction, LabelSelector, PeerInfo, PolicyInfo, PortInfo, RuleInfo, Span } from '../model/types';
import type { PolicyDescription } from './describe';
import type { ConnectionExplanation, SideVerdict } from './explain';
import { Endpoint } from './peers';
import { describeRule } from './render';

/**
 * The engine's answers as plain JSON: policies by id, places as file + LSP range (0-based
 * lines and UTF-16 columns), rules, peers and ports by their API field path.
 */

export interface JsonPlace {
  file: string;
  range: Range;
}

function place(model: ClusterModel, file: string, span: Span): JsonPlace {
  const parsed = model.files.get(file);
  if (!parsed) return { file, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
  // A block node's span runs to the start of the next line; the range should end at its text.
  let end = span[1];
  while (end > span[0] && /\s/.test(parsed.text[end - 1])) end--;
  return { file, range: parsed.lines.range(span[0], end) };
}

function peersKey(direction: Direction): string {
  return direction === 'ingress' ? 'from' : 'to';
}

export function rulePath(rule: RuleInfo): string {
  return `spec.${rule.direction}[${rule.index}]`;
}

export function peerPath(rule: RuleInfo, peer: PeerInfo): string {
  return `${rulePath(rule)}.${peersKey(rule.direction)}[${peer.index}]`;
}

export function portPath(rule: RuleInfo, port: PortInfo): string {
  return `${rulePath(rule)}.ports[${port.index}]`;
}

function policyJson(model: ClusterModel, policy: PolicyInfo) {
  return { id: policy.id, namespace: policy.namespace, name: policy.name, ...place(model, policy.location.file, policy.nameSpan ?? policy.location.span) };
}

function ruleJson(model: ClusterModel, policy: PolicyInfo, rule: RuleInfo) {
  return { policy: policy.id, path: rulePath(rule), direction: rule.direction, index: rule.index, ...place(model, policy.location.file, rule.span), text: describeRule(policy, rule) };
}

function endpointJson(endpoint: Endpoint) {
  return endpoint.kind === 'pod'
    ? { kind: 'pod', id: endpoint.pod.id, namespace: endpoint.pod.namespace, podKind: endpoint.pod.kind, name: endpoint.pod.name }
    : { kind: 'external', ip: endpoint.ip };
}

function selectorJson(selector: LabelSelector | undefined) {
  if (!selector) return undefined;
  return {
    requirements: selector.requirements.map((r) => ({ key: r.key, operator: r.operator, values: r.values, from: r.from })),
    problems: selector.problems.length > 0 ? selector.problems : undefined,
  };
}

function sideJson(model: ClusterModel, side: SideVerdict) {
  return {
    direction: side.direction,
    subject: endpointJson(side.subject),
    governed: side.governed,
    isolated: side.isolated,
    allowed: side.allowed,
    isolatedBy: side.isolatedBy.map(({ policy, cause }) => ({ policy: policyJson(model, policy), cause })),
    selectingOnly: side.selectingOnly.map((p) => p.id),
    allowedBy: side.allowedBy.map((a) => ({
      rule: ruleJson(model, a.policy, a.rule),
      peer: a.peer ? { path: peerPath(a.rule, a.peer), index: a.peer.index, ...place(model, a.policy.location.file, a.peer.span) } : null,
      port: a.port ? { path: portPath(a.rule, a.port), index: a.port.index, ...place(model, a.policy.location.file, a.port.span) } : null,
    })),
    misses: side.misses.map((m) => ({
      rule: ruleJson(model, m.policy, m.rule),
      peersMatch: m.peersMatch,
      portsMatch: m.portsMatch,
      peerFailures: m.peerMisses.map(({ peer, failures }) => ({
        path: peerPath(m.rule, peer),
        index: peer.index,
        ...place(model, m.policy.location.file, peer.span),
        failures: failures.map((f) =>
          f.kind === 'namespace-selector' || f.kind === 'pod-selector'
            ? { ...f, failures: f.failures.map((r) => ({ key: r.requirement.key, operator: r.requirement.operator, values: r.requirement.values, actual: r.actual ?? null })) }
            : f,
        ),
      })),
      portFailures: m.portMisses.map(({ port, failure }) => ({
        path: portPath(m.rule, port),
        index: port.index,
        ...place(model, m.policy.location.file, port.span),
        failure:
          failure.kind === 'named-port-protocol'
            ? { kind: failure.kind, name: failure.name, protocol: failure.protocol, declaredProtocol: failure.declared.protocol }
            : failure.kind === 'named-port-number'
              ? { kind: failure.kind, name: failure.name, resolved: failure.resolved.containerPort, actual: failure.actual }
              : failure,
      })),
    })),
    ignoredRules: side.ignored.map((i) => ({ rule: ruleJson(model, i.policy, i.rule), wouldAllow: i.wouldAllow })),
  };
}

export function explanationToJson(explanation: ConnectionExplanation, model: ClusterModel) {
  return {
    from: endpointJson(explanation.from),
    to: endpointJson(explanation.to),
    port: explanation.port,
    protocol: explanation.protocol,
    allowed: explanation.allowed,
    egress: sideJson(model, explanation.egress),
    ingress: sideJson(model, explanation.ingress),
    notes: explanation.notes,
  };
}

function peerJson(model: ClusterModel, policy: PolicyInfo, rule: RuleInfo, peer: PeerInfo) {
  return {
    path: peerPath(rule, peer),
    ...place(model, policy.location.file, peer.span),
    podSelector: selectorJson(peer.podSelector),
    namespaceSelector: selectorJson(peer.namespaceSelector),
    ipBlock: peer.ipBlock ? { cidr: peer.ipBlock.cidrText, except: peer.ipBlock.except.map((e) => e.text) } : undefined,
    problem: peer.problem,
  };
}

function portJson(model: ClusterModel, policy: PolicyInfo, rule: RuleInfo, port: PortInfo) {
  return { path: portPath(rule, port), ...place(model, policy.location.file, port.span), protocol: port.protocol, port: port.port ?? null, endPort: port.endPort ?? null, problem: port.problem };
}

export function descriptionToJson(description: PolicyDescription, model: ClusterModel) {
  const { policy } = description;
  const direction = (summary: PolicyDescription['ingress']) => ({
    isolates: summary.isolates,
    cause: summary.cause ?? null,
    rules: summary.rules.map((rule) => ({
      ...ruleJson(model, policy, rule),
      peers: rule.peers.map((peer) => peerJson(model, policy, rule, peer)),
      ports: rule.ports.map((port) => portJson(model, policy, rule, port)),
    })),
    ignoredRules: summary.ignoredRules.map((rule) => ruleJson(model, policy, rule)),
  });
  return {
    policy: policyJson(model, policy),
    namespaceExplicit: policy.namespaceExplicit,
    podSelector: policy.podSelectorWritten ? selectorJson(policy.podSelector) : null,
    policyTypes: { ingress: policy.policyTypes.ingress, egress: policy.policyTypes.egress, explicit: policy.policyTypes.explicit },
    selectedPods: description.selectedPods.map((p) => p.id),
    ingress: direction(description.ingress),
    egress: direction(description.egress),
    notes: description.notes,
  };
}
