import type { Direction, PodInfo, PolicyInfo, RuleInfo } from '../model/types';
import type { Analyzer } from './analyzer';
import { isolationCause, IsolationCause } from './explain';

export interface DirectionSummary {
  direction: Direction;
  isolates: boolean;
  cause?: IsolationCause;
  /** The rules that take effect (empty when the direction is not isolated, or isolated with no allows). */
  rules: RuleInfo[];
  /** Rules written for a direction that an explicit policyTypes leaves out: kept by the API server, ignored. */
  ignoredRules: RuleInfo[];
}

export interface PolicyDescription {
  policy: PolicyInfo;
  selectedPods: PodInfo[];
  ingress: DirectionSummary;
  egress: DirectionSummary;
  /** Facts worth saying about how the API server reads this policy. */
  notes: string[];
}

function summary(policy: PolicyInfo, direction: Direction): DirectionSummary {
  const cause = isolationCause(policy, direction);
  const rules = policy[direction];
  return cause
    ? { direction, isolates: true, cause, rules, ignoredRules: [] }
    : { direction, isolates: false, rules: [], ignoredRules: rules };
}

export function describePolicy(analyzer: Analyzer, policy: PolicyInfo): PolicyDescription {
  const notes: string[] = [];
  if (!policy.namespaceExplicit) {
    notes.push(`metadata.namespace is not written: assumed ${policy.namespace}, but kubectl applies it wherever -n or the context points.`);
  }
  if (!policy.podSelectorWritten) notes.push('spec.podSelector is absent; the API server reads it as {} and the policy selects every pod of its namespace.');
  if (!policy.policyTypes.explicit && policy.egressKeySpan && policy.egress.length === 0) {
    notes.push('spec.egress is an empty list, which does not add Egress to the defaulted policyTypes.');
  }
  for (const problem of policy.podSelector.problems) notes.push(`spec.podSelector is rejected by the API server (${problem}); it selects nothing here.`);
  for (const direction of ['ingress', 'egress'] as const) {
    for (const rule of policy[direction]) {
      for (const peer of rule.peers) {
        if (peer.problem) notes.push(`${direction} rule ${rule.index + 1}, peer ${peer.index + 1}: ${peer.problem}; it matches nothing here.`);
        for (const selector of [peer.podSelector, peer.namespaceSelector]) {
          for (const problem of selector?.problems ?? []) notes.push(`${direction} rule ${rule.index + 1}, peer ${peer.index + 1}: ${problem}; the selector matches nothing here.`);
        }
      }
      for (const port of rule.ports) {
        if (port.problem) notes.push(`${direction} rule ${rule.index + 1}, port ${port.index + 1}: ${port.problem}; it matches nothing here.`);
      }
    }
  }
  return { policy, selectedPods: analyzer.selectedPods(policy), ingress: summary(policy, 'ingress'), egress: summary(policy, 'egress'), notes };
}
