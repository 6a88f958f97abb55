import * as ipaddr from 'ipaddr.js';
import type { ClusterModel, IpBlockInfo, Labels, PeerInfo, PodInfo } from '../model/types';
import { cidrContains, parseAddress } from '../validation/cidr';
import { RequirementFailure, selectorFailures, selectorMatches } from './selectors';

export type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** One end of a connection: a pod (or workload template) of the model, or an address outside the cluster. */
export type Endpoint = { kind: 'pod'; pod: PodInfo } | { kind: 'external'; ip: string; address: Address };

export function podEndpoint(pod: PodInfo): Endpoint {
  return { kind: 'pod', pod };
}

export function externalEndpoint(ip: string): Endpoint | undefined {
  const address = parseAddress(ip);
  return address ? { kind: 'external', ip, address } : undefined;
}

export function endpointName(endpoint: Endpoint): string {
  return endpoint.kind === 'pod' ? endpoint.pod.id : endpoint.ip;
}

export type PeerFailure =
  | { kind: 'invalid'; problem: string }
  /** A podSelector without namespaceSelector only looks in the policy's own namespace. */
  | { kind: 'policy-namespace'; policyNamespace: string; actual: string }
  | { kind: 'namespace-selector'; namespace: string; failures: RequirementFailure[] }
  | { kind: 'pod-selector'; failures: RequirementFailure[] }
  /** Selectors only ever match pods; an address outside the cluster needs an ipBlock. */
  | { kind: 'selector-external' }
  | { kind: 'ip-outside-cidr'; cidr: string; ip: string }
  | { kind: 'ip-in-except'; cidr: string; except: string; ip: string }
  /** The pod's address is not recorded (no status.podIP), so an ipBlock cannot be decided; treated as not matching. */
  | { kind: 'ip-unknown'; cidr: string };

/** Whether an address is inside the block and outside all of its exceptions. */
export function ipBlockContains(block: IpBlockInfo, address: Address): boolean {
  if (!block.cidr || !cidrContains(block.cidr, address)) return false;
  return !block.except.some((e) => e.cidr !== undefined && cidrContains(e.cidr, address));
}

function ipBlockFailure(block: IpBlockInfo, ip: string, address: Address): PeerFailure | undefined {
  if (!block.cidr || !cidrContains(block.cidr, address)) return { kind: 'ip-outside-cidr', cidr: block.cidrText, ip };
  const except = block.except.find((e) => e.cidr !== undefined && cidrContains(e.cidr, address));
  return except ? { kind: 'ip-in-except', cidr: block.cidrText, except: except.text, ip } : undefined;
}

const addressCache = new WeakMap<PodInfo, { ip: string; address: Address }[]>();

/** The pod's recorded addresses that parse, with their text (kept per pod: ipBlocks ask often). */
export function podAddresses(pod: PodInfo): { ip: string; address: Address }[] {
  let result = addressCache.get(pod);
  if (result) return result;
  result = [];
  for (const ip of pod.ips) {
    const address = parseAddress(ip);
    if (address) result.push({ ip, address });
  }
  addressCache.set(pod, result);
  return result;
}

/** Whether a pod's recorded address lies in the block; a pod with several addresses needs one. */
export function ipBlockMatchesPod(block: IpBlockInfo, pod: PodInfo): boolean {
  return podAddresses(pod).some(({ address }) => ipBlockContains(block, address));
}

function namespaceLabels(model: ClusterModel, namespace: string): Labels {
  return model.namespaces.get(namespace)?.labels ?? { 'kubernetes.io/metadata.name': namespace };
}

/**
 * Why a peer does not match an endpoint; an empty list means it matches. Every failing part
 * is reported (both the namespace and the pod side of a combined peer), so that a user sees
 * everything to change at once.
 */
export function checkPeer(peer: PeerInfo, policyNamespace: string, endpoint: Endpoint, model: ClusterModel): PeerFailure[] {
  if (peer.problem) return [{ kind: 'invalid', problem: peer.problem }];
  if (peer.ipBlock) {
    const block = peer.ipBlock;
    if (endpoint.kind === 'external') {
      const failure = ipBlockFailure(block, endpoint.ip, endpoint.address);
      return failure ? [failure] : [];
    }
    const addresses = podAddresses(endpoint.pod);
    if (addresses.length === 0) return [{ kind: 'ip-unknown', cidr: block.cidrText }];
    let first: PeerFailure | undefined;
    for (const { ip, address } of addresses) {
      const failure = ipBlockFailure(block, ip, address);
      if (!failure) return [];
      // Prefer explaining with an address of the block's family.
      if (!first || (block.cidr && address.kind() === block.cidr.address.kind())) first = failure;
    }
    return [first!];
  }
  if (endpoint.kind === 'external') return [{ kind: 'selector-external' }];
  const pod = endpoint.pod;
  const failures: PeerFailure[] = [];
  if (peer.namespaceSelector) {
    const labels = namespaceLabels(model, pod.namespace);
    if (peer.namespaceSelector.problems.length > 0) failures.push({ kind: 'invalid', problem: peer.namespaceSelector.problems.join('; ') });
    else if (!selectorMatches(peer.namespaceSelector, labels)) {
      failures.push({ kind: 'namespace-selector', namespace: pod.namespace, failures: selectorFailures(peer.namespaceSelector, labels) });
    }
  } else if (pod.namespace !== policyNamespace) {
    failures.push({ kind: 'policy-namespace', policyNamespace, actual: pod.namespace });
  }
  if (peer.podSelector) {
    if (peer.podSelector.problems.length > 0) failures.push({ kind: 'invalid', problem: peer.podSelector.problems.join('; ') });
    else if (!selectorMatches(peer.podSelector, pod.labels)) failures.push({ kind: 'pod-selector', failures: selectorFailures(peer.podSelector, pod.labels) });
  }
  return failures;
}
