import type { ContainerPortInfo, PodInfo, PortInfo, Protocol } from '../model/types';

export type PortFailure =
  | { kind: 'invalid'; problem: string }
  | { kind: 'protocol'; wanted: Protocol; actual: Protocol }
  | { kind: 'port'; wanted: number; endPort?: number; actual: number }
  /** The destination has no container port of that name. */
  | { kind: 'named-port-missing'; name: string; protocol: Protocol }
  /** The destination has the name, but for another protocol. */
  | { kind: 'named-port-protocol'; name: string; protocol: Protocol; declared: ContainerPortInfo }
  /** The name resolves on the destination, to another number. */
  | { kind: 'named-port-number'; name: string; resolved: ContainerPortInfo; actual: number }
  /** A named port cannot be resolved on an address outside the cluster. */
  | { kind: 'named-port-external'; name: string };

/** The destination pod's container port with this name and protocol. */
export function resolveNamedPort(pod: PodInfo, name: string, protocol: Protocol): ContainerPortInfo | undefined {
  return pod.ports.find((p) => p.name === name && p.protocol === protocol);
}

/**
 * Whether one `ports` entry admits a connection to `port`/`protocol`. A named port resolves on
 * the destination (the selected pod for ingress, the peer for egress) with the protocol
 * compared; `destination` is undefined for an address outside the cluster.
 * Returns undefined when the entry admits the connection.
 */
export function checkPortEntry(entry: PortInfo, port: number, protocol: Protocol, destination: PodInfo | undefined): PortFailure | undefined {
  if (entry.problem) return { kind: 'invalid', problem: entry.problem };
  if (entry.protocol !== protocol) return { kind: 'protocol', wanted: entry.protocol, actual: protocol };
  if (entry.port === undefined) return undefined;
  if (typeof entry.port === 'number') {
    const end = entry.endPort ?? entry.port;
    if (port >= entry.port && port <= end) return undefined;
    return { kind: 'port', wanted: entry.port, endPort: entry.endPort, actual: port };
  }
  const name = entry.port;
  if (!destination) return { kind: 'named-port-external', name };
  const resolved = resolveNamedPort(destination, name, protocol);
  if (!resolved) {
    const declared = destination.ports.find((p) => p.name === name);
    return declared ? { kind: 'named-port-protocol', name, protocol, declared } : { kind: 'named-port-missing', name, protocol };
  }
  // Two containers of a pod may declare the same name (the API server checks names within a
  // container only): the name then stands for each of their numbers, as in the engine's matrix.
  if (resolved.containerPort !== port && !destination.ports.some((p) => p.name === name && p.protocol === protocol && p.containerPort === port)) {
    return { kind: 'named-port-number', name, resolved, actual: port };
  }
  return undefined;
}

/** Whether a rule's ports admit the connection: no entries means every port and protocol. */
export function portsAdmit(entries: readonly PortInfo[], port: number, protocol: Protocol, destination: PodInfo | undefined): boolean {
  if (entries.length === 0) return true;
  return entries.some((e) => checkPortEntry(e, port, protocol, destination) === undefined);
}
