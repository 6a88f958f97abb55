/**
 * What the cache keeps of each object: only what the model reads (bounded memory). The result
 * is itself a manifest, so that it can be rendered as YAML and read by the same parser and
 * model as the workspace files.
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Trimmed = { [key: string]: Json };

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined;
}

function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function stringMap(value: unknown): Record<string, string> | undefined {
  const o = obj(value);
  if (!o) return undefined;
  const out: Record<string, string> = {};
  for (const key of Object.keys(o).sort()) if (typeof o[key] === 'string') out[key] = o[key] as string;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Drops undefined values, so that the rendering is stable. */
function compact<T extends Record<string, Json | undefined>>(o: T): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

function metadata(o: Obj, withLabels = true): { [key: string]: Json } {
  const m = obj(o.metadata) ?? {};
  return compact({ name: str(m.name), namespace: str(m.namespace), labels: withLabels ? stringMap(m.labels) : undefined });
}

function containerPorts(value: unknown): Json[] | undefined {
  const ports = arr(value)
    .map(obj)
    .filter((p): p is Obj => p !== undefined && typeof p.containerPort === 'number')
    .map((p) => compact({ name: str(p.name), containerPort: p.containerPort as number, protocol: str(p.protocol) }));
  return ports.length > 0 ? ports : undefined;
}

function containers(value: unknown, withImages: boolean): Json[] {
  return arr(value)
    .map(obj)
    .filter((c): c is Obj => c !== undefined)
    .map((c) => compact({ name: str(c.name) ?? '', image: withImages ? str(c.image) : undefined, ports: containerPorts(c.ports) }));
}

export function trimNamespace(o: Obj): Trimmed | undefined {
  const meta = metadata(o);
  if (!meta.name) return undefined;
  return { apiVersion: 'v1', kind: 'Namespace', metadata: meta };
}

/** Pods that have finished (Succeeded, Failed) take no traffic and are left out. */
export function trimPod(o: Obj): Trimmed | undefined {
  const meta = metadata(o);
  if (!meta.name) return undefined;
  const spec = obj(o.spec) ?? {};
  const status = obj(o.status) ?? {};
  const phase = str(status.phase);
  if (phase === 'Succeeded' || phase === 'Failed') return undefined;
  const podIPs = arr(status.podIPs)
    .map(obj)
    .map((p) => str(p?.ip))
    .filter((ip): ip is string => ip !== undefined)
    .map((ip) => ({ ip }));
  const ready = arr(status.conditions)
    .map(obj)
    .find((c) => c?.type === 'Ready');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta,
    spec: compact({ hostNetwork: spec.hostNetwork === true ? true : undefined, containers: containers(spec.containers, false) }),
    status: compact({
      phase,
      podIP: str(status.podIP),
      podIPs: podIPs.length > 0 ? podIPs : undefined,
      conditions: ready ? [{ type: 'Ready', status: str(ready.status) ?? 'Unknown' }] : undefined,
    }),
  };
}

export function trimService(o: Obj): Trimmed | undefined {
  const meta = metadata(o, false);
  if (!meta.name) return undefined;
  const spec = obj(o.spec) ?? {};
  const ports = arr(spec.ports)
    .map(obj)
    .filter((p): p is Obj => p !== undefined && typeof p.port === 'number')
    .map((p) => compact({ name: str(p.name), port: p.port as number, targetPort: typeof p.targetPort === 'number' || typeof p.targetPort === 'string' ? p.targetPort : undefined, protocol: str(p.protocol) }));
  return { apiVersion: 'v1', kind: 'Service', metadata: meta, spec: compact({ selector: stringMap(spec.selector), ports: ports.length > 0 ? ports : undefined }) };
}

export function trimDaemonSet(o: Obj): Trimmed | undefined {
  const meta = metadata(o);
  if (!meta.name) return undefined;
  const template = obj(obj(o.spec)?.template) ?? {};
  const templateSpec = obj(template.spec) ?? {};
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: meta,
    spec: {
      template: {
        metadata: compact({ labels: stringMap(obj(template.metadata)?.labels) }),
        spec: compact({ hostNetwork: templateSpec.hostNetwork === true ? true : undefined, containers: containers(templateSpec.containers, true) }),
      },
    },
  };
}

/** A NetworkPolicy keeps its whole spec: every field of it is semantics. */
export function trimNetworkPolicy(o: Obj): Trimmed | undefined {
  const meta = metadata(o);
  if (!meta.name) return undefined;
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta, spec: (obj(o.spec) ?? {}) as { [key: string]: Json } };
}

/** The parts of a trimmed DaemonSet the CNI detection reads. */
export function daemonSetSummary(t: Trimmed): { name: string; namespace: string; labels: Record<string, string>; images: string[] } {
  const meta = t.metadata as { name: string; namespace?: string; labels?: Record<string, string> };
  const template = (t.spec as { template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: { image?: string }[] } } }).template;
  return {
    name: meta.name,
    namespace: meta.namespace ?? '',
    labels: { ...(meta.labels ?? {}), ...(template?.metadata?.labels ?? {}) },
    images: (template?.spec?.containers ?? []).map((c) => c.image ?? '').filter((i) => i),
  };
}
