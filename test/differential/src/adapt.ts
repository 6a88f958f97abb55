import type { Json, Scenario } from './generate';

type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A peer that matches no pod: no generated pod carries this label key. */
const matchesNoPod: Json = { podSelector: { matchExpressions: [{ key: 'differential.invalid/never', operator: 'Exists' }] } };

/**
 * np-guard v1.4.4 stops with "named port error: cannot convert named port for an IP destination"
 * when an egress rule has a named port and can select an address (no `to`, or an ipBlock peer):
 * getPortsRange in pkg/netpol/eval/internal/k8s/netpol.go returns an error for any non-pod
 * destination. Kubernetes accepts such rules; a named port simply never matches an address.
 *
 * So before the peer sees a set, each such rule is split in two, which allows exactly the same
 * connections: one rule with the numbered (and port-less) entries and the original peers, and one
 * with the named entries and only the peers that are selectors (all pods, `namespaceSelector: {}`,
 * when the rule had no `to`; a peer that matches no pod when it had only ipBlocks). The split drops
 * nothing that a named port could reach, given that ipBlocks match no pod (also a peer rule, see
 * compare.ts).
 *
 * Returns the rewritten policies, or undefined when no rule needed it.
 */
function splitNamedPortEgress(policies: readonly JsonObject[]): JsonObject[] | undefined {
  let changed = false;
  const result = policies.map((policy) => {
    const spec = policy.spec;
    if (!isObject(spec) || !Array.isArray(spec.egress)) return policy;
    const egress: Json[] = [];
    for (const rule of spec.egress) {
      if (!isObject(rule) || !Array.isArray(rule.ports)) {
        egress.push(rule);
        continue;
      }
      const named = rule.ports.filter((p) => isObject(p) && typeof p.port === 'string');
      const to = Array.isArray(rule.to) ? rule.to : [];
      const reachesAddresses = to.length === 0 || to.some((peer) => isObject(peer) && peer.ipBlock !== undefined);
      if (named.length === 0 || !reachesAddresses) {
        egress.push(rule);
        continue;
      }
      changed = true;
      const numbered = rule.ports.filter((p) => !(isObject(p) && typeof p.port === 'string'));
      if (numbered.length > 0) egress.push({ ...rule, ports: numbered });
      const selectors = to.filter((peer) => isObject(peer) && peer.ipBlock === undefined);
      const namedTo = to.length === 0 ? [{ namespaceSelector: {} }] : selectors.length > 0 ? selectors : [matchesNoPod];
      egress.push({ to: namedTo, ports: named });
    }
    return { ...policy, spec: { ...spec, egress } };
  });
  return changed ? result : undefined;
}

/**
 * np-guard keeps a `kubernetes.io/metadata.name` label written on a Namespace object
 * (NamespaceFromCoreObject in pkg/netpol/eval/internal/k8s/namespace.go adds it only when missing),
 * while the API server always sets it to the namespace's name (Kubernetes docs, "Namespaces":
 * "The Kubernetes control plane sets an immutable label kubernetes.io/metadata.name on all
 * namespaces"). The peer gets the namespace as the API server stores it.
 */
function normaliseNamespaceNameLabel(scenario: Scenario): Scenario['namespaces'] | undefined {
  const key = 'kubernetes.io/metadata.name';
  if (!scenario.namespaces.some((ns) => ns.declared && key in ns.labels && ns.labels[key] !== ns.name)) return undefined;
  return scenario.namespaces.map((ns) => (key in ns.labels ? { ...ns, labels: { ...ns.labels, [key]: ns.name } } : ns));
}

/**
 * The set as the peer is given it: the same cluster, written in a form that the peer reads the way
 * the API server does. Our engine is run on both forms, and must give the same verdicts for both.
 */
export function adaptForPeer(scenario: Scenario): { scenario: Scenario; applied: string[] } {
  const applied: string[] = [];
  let result = scenario;
  const policies = splitNamedPortEgress(scenario.policies);
  if (policies) {
    applied.push('named-port-egress-ip');
    result = { ...result, policies };
  }
  const namespaces = normaliseNamespaceNameLabel(scenario);
  if (namespaces) {
    applied.push('namespace-name-label');
    result = { ...result, namespaces };
  }
  return { scenario: result, applied };
}
