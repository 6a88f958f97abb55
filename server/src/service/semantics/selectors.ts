import type { LabelSelector, Labels, Requirement } from '../model/types';

/**
 * Whether one requirement holds for a set of labels, as k8s.io/apimachinery's labels package
 * decides: In needs the key with one of the values; NotIn and DoesNotExist also hold when the
 * key is absent; Exists needs the key whatever its value.
 */
export function requirementHolds(requirement: Requirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
  switch (requirement.operator) {
    case 'In':
      return has && requirement.values.includes(labels[requirement.key]);
    case 'NotIn':
      return !has || !requirement.values.includes(labels[requirement.key]);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

/** matchLabels AND matchExpressions; `{}` matches everything; a rejected selector matches nothing. */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  if (selector.problems.length > 0) return false;
  for (const requirement of selector.requirements) {
    if (!requirementHolds(requirement, labels)) return false;
  }
  return true;
}

export function selectsEverything(selector: LabelSelector): boolean {
  return selector.problems.length === 0 && selector.requirements.length === 0;
}

export interface RequirementFailure {
  requirement: Requirement;
  /** The object's value for the key; undefined when it lacks the key. */
  actual: string | undefined;
}

/** The requirements that fail for these labels (every one, not just the first). */
export function selectorFailures(selector: LabelSelector, labels: Labels): RequirementFailure[] {
  const failures: RequirementFailure[] = [];
  for (const requirement of selector.requirements) {
    if (!requirementHolds(requirement, labels)) {
      const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
      failures.push({ requirement, actual: has ? labels[requirement.key] : undefined });
    }
  }
  return failures;
}

/** A key that identifies what a selector matches, so equal selectors share one computation. */
export function selectorKey(selector: LabelSelector): string {
  if (selector.problems.length > 0) return '!invalid';
  const parts = selector.requirements.map((r) => `${r.key}\u0000${r.operator}\u0000${[...r.values].sort().join('\u0001')}`);
  return parts.sort().join('\u0002');
}
