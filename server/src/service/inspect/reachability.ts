import type { PodInfo } from '../model/types';
import { workspaceModel, WorkspaceFile } from '../lint/context';
import type { Analyzer, MatrixTable } from '../semantics/analyzer';
import type { Protocol, ReachabilityParams, ReachabilityResult } from '../../protocol';
import { linkOf } from './links';

/** At most this many pods form the grid (200 × 200 cells); the rest are left out with a message. */
export const MAX_REACHABILITY_PODS = 200;
/** More namespaces than this in one request are not read (no workspace has that many to pick from). */
const MAX_NAMESPACE_PARAMS = 1000;

const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export interface ReachabilityOptions {
  /** The grid's size limit (tests lower it). */
  maxPods?: number;
}

/** The port as the grid can use it: a whole number from 1 to 65535, or undefined. */
function validPort(port: unknown): number | undefined {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535 ? port : undefined;
}

function validProtocol(protocol: unknown): Protocol | undefined {
  return typeof protocol === 'string' && (PROTOCOLS as readonly string[]).includes(protocol) ? (protocol as Protocol) : undefined;
}

/** The requested namespaces that are strings, without duplicates; anything else is ignored. */
function requestedNamespaces(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const seen = new Set<string>();
  for (const item of value.slice(0, MAX_NAMESPACE_PARAMS)) if (typeof item === 'string') seen.add(item);
  return [...seen];
}

function byNamespaceThenName(a: PodInfo, b: PodInfo): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A result with no grid, saying why (the fallback when the grid cannot be computed). */
export function emptyReachability(message: string): ReachabilityResult {
  return { namespaces: [], pods: [], allowed: [], port: 0, protocol: 'TCP', truncated: message };
}

/** One matrix per port and protocol per engine: the view asks again on every edit and focus. */
const tables = new WeakMap<Analyzer, Map<string, MatrixTable>>();

function tableFor(analyzer: Analyzer, port: number, protocol: Protocol): MatrixTable {
  let byKey = tables.get(analyzer);
  if (!byKey) tables.set(analyzer, (byKey = new Map()));
  const key = `${protocol}/${port}`;
  let table = byKey.get(key);
  if (!table) {
    table = analyzer.matrix({ ports: [port], protocols: [protocol] }).tables[0];
    byKey.set(key, table);
  }
  return table;
}

/**
 * Who can reach whom: the pods (and workload templates) of the chosen namespaces, every
 * namespace when none is chosen, and for each ordered pair whether the source may open a
 * connection to the destination on the port and protocol. The grid is the engine's matrix
 * (the same verdicts as `Analyzer.allows`), cut to the first `maxPods` pods by namespace and
 * name. Parameters are checked here too, since any LSP client may send them.
 */
export function reachability(workspace: readonly WorkspaceFile[], defaultNamespace: string, params: ReachabilityParams, options: ReachabilityOptions = {}): ReachabilityResult {
  const raw = (params && typeof params === 'object' ? params : {}) as Partial<Record<keyof ReachabilityParams, unknown>>;
  const port = validPort(raw.port);
  const protocol = validProtocol(raw.protocol) ?? 'TCP';
  const { model, analyzer } = workspaceModel(workspace, defaultNamespace);

  const namespaces = [...new Set(analyzer.pods.map((pod) => pod.namespace))].sort();
  if (port === undefined) {
    return { namespaces, pods: [], allowed: [], port: 0, protocol, truncated: 'No grid: the port must be a whole number from 1 to 65535.' };
  }

  const wanted = new Set(requestedNamespaces(raw.namespaces));
  const chosen = wanted.size === 0 ? analyzer.pods : analyzer.pods.filter((pod) => wanted.has(pod.namespace));
  const sorted = [...chosen].sort(byNamespaceThenName);
  const limit = Math.max(0, Math.floor(options.maxPods ?? MAX_REACHABILITY_PODS));
  const shown = sorted.slice(0, limit);
  const truncated =
    sorted.length > shown.length
      ? `Showing the first ${shown.length} of ${sorted.length} pods and workloads (by namespace and name); choose fewer namespaces to see the rest.`
      : undefined;

  const indices = shown.map((pod) => analyzer.indexOf(pod));
  const table = shown.length > 0 ? tableFor(analyzer, port, protocol) : undefined;
  const allowed = indices.map((from) => indices.map((to) => table!.allowed(from, to)));
  const pods = shown.map((pod) => {
    const link = linkOf(model, pod.location);
    return { id: pod.id, namespace: pod.namespace, name: pod.name, kind: pod.kind, ...(link ? { link } : {}) };
  });
  return { namespaces, pods, allowed, port, protocol, ...(truncated ? { truncated } : {}) };
}
