import type { Direction, PeerInfo, PodInfo, PolicyInfo, PortInfo, Protocol, RuleInfo } from '../model/types';
import type { Analyzer } from './analyzer';
import { checkPeer, Endpoint, PeerFailure } from './peers';
import { checkPortEntry, PortFailure } from './ports';

/** How a policy comes to isolate a direction. */
export type IsolationCause =
  /** policyTypes lists the direction. */
  | 'explicit'
  /** policyTypes is absent or empty, and the API server always adds Ingress. */
  | 'defaulted-ingress'
  /** policyTypes is absent or empty, and spec.egress has at least one rule, so Egress is added. */
  | 'defaulted-egress';

export interface Isolation {
  policy: PolicyInfo;
  cause: IsolationCause;
}

/** A rule that admits the connection; peer/port are undefined when the rule has no from/to or no ports. */
export interface RuleAllow {
  policy: PolicyInfo;
  rule: RuleInfo;
  peer?: PeerInfo;
  port?: PortInfo;
}

export interface PeerMiss {
  peer: PeerInfo;
  failures: PeerFailure[];
}

export interface PortMiss {
  port: PortInfo;
  failure: PortFailure;
}

/**
 * A rule of an isolating policy that does not admit the connection, and which part failed.
 * `peersMatch`: the rule has no from/to, or one peer matches; otherwise `peerMisses` says why
 * each peer fails. `portsMatch`: likewise for the ports.
 */
export interface RuleMiss {
  policy: PolicyInfo;
  rule: RuleInfo;
  peersMatch: boolean;
  matchingPeer?: PeerInfo;
  peerMisses: PeerMiss[];
  portsMatch: boolean;
  matchingPort?: PortInfo;
  portMisses: PortMiss[];
}

/** A rule the API server keeps but ignores, because its direction is missing from an explicit policyTypes. */
export interface IgnoredRule {
  policy: PolicyInfo;
  rule: RuleInfo;
  /** Whether the rule would admit this connection if its direction were in policyTypes. */
  wouldAllow: boolean;
}

export interface SideVerdict {
  direction: Direction;
  /** The end whose policies decide this side: the source for egress, the destination for ingress. */
  subject: Endpoint;
  /** False for an address outside the cluster: policies never isolate it. */
  governed: boolean;
  isolated: boolean;
  isolatedBy: Isolation[];
  /** Policies that select the pod but do not have this direction, so do not isolate it. */
  selectingOnly: PolicyInfo[];
  allowed: boolean;
  allowedBy: RuleAllow[];
  /** When denied: every rule of every isolating policy, with the part that failed. */
  misses: RuleMiss[];
  ignored: IgnoredRule[];
}

export interface ConnectionExplanation {
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol: Protocol;
  allowed: boolean;
  egress: SideVerdict;
  ingress: SideVerdict;
  notes: string[];
}

export function isolationCause(policy: PolicyInfo, direction: Direction): IsolationCause | undefined {
  if (!policy.policyTypes[direction]) return undefined;
  if (policy.policyTypes.explicit) return 'explicit';
  return direction === 'ingress' ? 'defaulted-ingress' : 'defaulted-egress';
}

interface RuleCheck {
  matchingPeer?: PeerInfo;
  peersMatch: boolean;
  peerMisses: PeerMiss[];
  matchingPort?: PortInfo;
  portsMatch: boolean;
  portMisses: PortMiss[];
}

function checkRule(analyzer: Analyzer, policy: PolicyInfo, rule: RuleInfo, other: Endpoint, destination: PodInfo | undefined, port: number, protocol: Protocol): RuleCheck {
  const result: RuleCheck = { peersMatch: rule.peers.length === 0, peerMisses: [], portsMatch: rule.ports.length === 0, portMisses: [] };
  for (const peer of rule.peers) {
    const failures = checkPeer(peer, policy.namespace, other, analyzer.model);
    if (failures.length === 0) {
      result.peersMatch = true;
      result.matchingPeer = peer;
      break;
    }
    result.peerMisses.push({ peer, failures });
  }
  if (result.peersMatch) result.peerMisses = [];
  for (const entry of rule.ports) {
    const failure = checkPortEntry(entry, port, protocol, destination);
    if (!failure) {
      result.portsMatch = true;
      result.matchingPort = entry;
      break;
    }
    result.portMisses.push({ port: entry, failure });
  }
  if (result.portsMatch) result.portMisses = [];
  return result;
}

function explainSide(analyzer: Analyzer, direction: Direction, subject: Endpoint, other: Endpoint, port: number, protocol: Protocol): SideVerdict {
  const verdict: SideVerdict = {
    direction,
    subject,
    governed: subject.kind === 'pod',
    isolated: false,
    isolatedBy: [],
    selectingOnly: [],
    allowed: true,
    allowedBy: [],
    misses: [],
    ignored: [],
  };
  if (subject.kind !== 'pod') return verdict;
  const destination = direction === 'ingress' ? subject.pod : other.kind === 'pod' ? other.pod : undefined;
  for (const policy of analyzer.policiesSelecting(subject.pod)) {
    const cause = isolationCause(policy, direction);
    if (!cause) {
      verdict.selectingOnly.push(policy);
      for (const rule of policy[direction]) {
        const check = checkRule(analyzer, policy, rule, other, destination, port, protocol);
        verdict.ignored.push({ policy, rule, wouldAllow: check.peersMatch && check.portsMatch });
      }
      continue;
    }
    verdict.isolatedBy.push({ policy, cause });
    for (const rule of policy[direction]) {
      const check = checkRule(analyzer, policy, rule, other, destination, port, protocol);
      if (check.peersMatch && check.portsMatch) verdict.allowedBy.push({ policy, rule, peer: check.matchingPeer, port: check.matchingPort });
      else verdict.misses.push({ policy, rule, ...check });
    }
  }
  verdict.isolated = verdict.isolatedBy.length > 0;
  verdict.allowed = !verdict.isolated || verdict.allowedBy.length > 0;
  if (verdict.allowed) verdict.misses = [];
  return verdict;
}

/**
 * Explains one connection: the egress side (the source's policies) and the ingress side
 * (the destination's policies), each with its isolation, the rules that allow it, or the
 * near misses. The connection is allowed when both sides allow it.
 */
export function explainConnection(analyzer: Analyzer, from: Endpoint, to: Endpoint, port: number, protocol: Protocol): ConnectionExplanation {
  const egress = explainSide(analyzer, 'egress', from, to, port, protocol);
  const ingress = explainSide(analyzer, 'ingress', to, from, port, protocol);
  const notes: string[] = [];
  if (from.kind === 'pod' && to.kind === 'pod' && from.pod === to.pod) {
    notes.push('A pod connecting to itself is evaluated like any other pair here; CNIs differ on loopback traffic (kubernetes #95879).');
  }
  for (const end of [from, to]) {
    if (end.kind === 'pod' && end.pod.hostNetwork) notes.push(`${end.pod.id} uses the host network; most CNIs do not apply NetworkPolicy to it.`);
  }
  if (from.kind === 'external' && to.kind === 'external') notes.push('Neither end is a pod of the inputs, so no NetworkPolicy applies.');
  return { from, to, port, protocol, allowed: egress.allowed && ingress.allowed, egress, ingress, notes };
}
