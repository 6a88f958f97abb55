import { stringify } from 'yaml';
import { Random } from './random';

/*
 * Random but valid policy sets: every object is one the API server accepts. Names and label
 * values avoid words that YAML 1.1 reads as booleans (y, n, on, off...), since the peer decodes
 * with YAML 1.1 rules.
 */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const protocols: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export type WorkloadKind = 'Pod' | 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'ReplicationController' | 'Job' | 'CronJob';

export interface NamespaceSpec {
  name: string;
  labels: Record<string, string>;
  /** Whether a Namespace object is written; otherwise the namespace exists only by reference. */
  declared: boolean;
}

export interface ContainerPortSpec {
  name?: string;
  containerPort: number;
  /** Absent: TCP by default. */
  protocol?: Protocol;
}

export interface WorkloadSpec {
  kind: WorkloadKind;
  hostNetwork: boolean;
  name: string;
  namespace: string;
  /** False for an object in `default` written without metadata.namespace. */
  namespaceWritten: boolean;
  labels: Record<string, string>;
  containers: { name: string; ports: ContainerPortSpec[] }[];
  /** status.podIP of a Pod object. */
  ip?: string;
  /** A second address in status.podIPs (dual stack). */
  ipv6?: string;
  replicas: number;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Scenario {
  seed: number;
  namespaces: NamespaceSpec[];
  workloads: WorkloadSpec[];
  /** NetworkPolicy objects as written (plain data). */
  policies: { [key: string]: Json }[];
  /** How many files the objects are spread over (multi-document streams). */
  fileCount: number;
  /** The files written as one `kind: List` rather than as several documents. */
  listFiles: number[];
}

const namespaceNames = ['alpha', 'beta', 'gamma', 'delta', 'default'];
const namespaceLabelKeys = ['team', 'env'];
const namespaceLabelValues = ['red', 'blue', 'green'];
const podLabelKeys = ['app', 'role', 'tier'];
const podLabelValues = ['web', 'api', 'db', 'cache'];
const portNames = ['http', 'dns', 'metrics', 'grpc', 'admin'];
const containerPorts = [53, 80, 81, 443, 5432, 8080, 9090];
const workloadKinds: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob'];
const namespaceNameLabel = 'kubernetes.io/metadata.name';

/** Blocks that cover the pod addresses (10.0.0.0/23) in different ways, and some that do not. */
const cidrCatalogue = ['0.0.0.0/0', '10.0.0.0/8', '10.0.0.0/16', '10.0.0.0/24', '10.0.1.0/24', '10.0.0.0/28', '10.0.0.16/28', '192.168.0.0/16', '172.16.0.0/12', '203.0.113.0/24'];

function labels(random: Random, keys: readonly string[], values: readonly string[], max: number): Record<string, string> {
  const result: Record<string, string> = {};
  for (const key of random.sample(keys, random.int(0, max))) result[key] = random.pick(values);
  return result;
}

function generateNamespaces(random: Random): NamespaceSpec[] {
  const names = random.sample(namespaceNames, random.int(1, 4));
  return names.map((name) => {
    const result = labels(random, namespaceLabelKeys, namespaceLabelValues, 2);
    // The API server replaces whatever value is written for this label with the namespace's name.
    if (random.chance(0.08)) result[namespaceNameLabel] = random.pick([name, random.pick(namespaceNames)]);
    return { name, labels: result, declared: random.chance(0.75) };
  });
}

function generateContainers(random: Random): WorkloadSpec['containers'] {
  const used = new Set<string>();
  const names = random.sample(portNames, portNames.length);
  const containers: WorkloadSpec['containers'] = [];
  const count = random.weighted([
    [1, 6],
    [2, 2],
  ] as const);
  for (let c = 0; c < count; c++) {
    const ports: ContainerPortSpec[] = [];
    for (let p = random.int(0, 3); p > 0; p--) {
      const containerPort = random.pick(containerPorts);
      const protocol = random.chance(0.3) ? undefined : random.pick(protocols);
      const key = `${containerPort}/${protocol ?? 'TCP'}`;
      if (used.has(key)) continue;
      used.add(key);
      // Names are drawn without repeats here; a repeat in another container is added below on purpose.
      const name = random.chance(0.75) ? names.pop() : undefined;
      ports.push({ ...(name ? { name } : {}), containerPort, ...(protocol ? { protocol } : {}) });
    }
    containers.push({ name: `c${c}`, ports });
  }
  // Port names are unique per container only, so a second container may reuse a name with another
  // protocol; a named port then resolves by name and protocol.
  const named = containers.flatMap((c) => c.ports.filter((p) => p.name));
  if (named.length > 0 && random.chance(0.12)) {
    const reused = random.pick(named);
    const protocol = random.pick(protocols.filter((p) => p !== (reused.protocol ?? 'TCP')));
    const containerPort = random.pick(containerPorts.filter((p) => !used.has(`${p}/${protocol}`)));
    containers.push({ name: `c${containers.length}`, ports: [{ name: reused.name, containerPort, protocol }] });
  }
  return containers;
}

function generateWorkloads(random: Random, namespaces: NamespaceSpec[]): WorkloadSpec[] {
  const workloads: WorkloadSpec[] = [];
  const count = random.int(2, 7);
  for (let i = 0; i < count; i++) {
    const namespace = random.pick(namespaces).name;
    const kind: WorkloadKind = random.chance(0.8) ? 'Pod' : random.pick(workloadKinds);
    let podLabels = labels(random, podLabelKeys, podLabelValues, 3);
    // A workload's selector must match its template, so the template needs a label.
    if (kind !== 'Pod' && Object.keys(podLabels).length === 0) podLabels = { app: random.pick(podLabelValues) };
    workloads.push({
      kind,
      hostNetwork: random.chance(0.05),
      name: `${kind === 'Pod' ? 'pod' : kind.toLowerCase()}-${i}`,
      namespace,
      namespaceWritten: namespace !== 'default' || random.chance(0.5),
      labels: podLabels,
      containers: generateContainers(random),
      ip: kind === 'Pod' ? `10.0.${i % 2}.${10 + i}` : undefined,
      ipv6: kind === 'Pod' && random.chance(0.1) ? `fd00::${10 + i}` : undefined,
      replicas: random.pick([1, 2]),
    });
  }
  return workloads;
}

interface Context {
  random: Random;
  namespaces: NamespaceSpec[];
  workloads: WorkloadSpec[];
}

function selector(context: Context, domain: 'pod' | 'namespace'): Json {
  const { random } = context;
  if (random.chance(0.2)) return {};
  const keys = domain === 'pod' ? podLabelKeys : [...namespaceLabelKeys, namespaceNameLabel];
  const valuesOf = (key: string) => (domain === 'pod' ? podLabelValues : key === namespaceNameLabel ? [...namespaceNames, 'omega'] : namespaceLabelValues);
  const result: { [key: string]: Json } = {};
  const useLabels = random.chance(0.6);
  if (useLabels) {
    const matchLabels: Record<string, string> = {};
    for (const key of random.sample(keys, random.int(1, 2))) matchLabels[key] = random.pick(valuesOf(key));
    result.matchLabels = matchLabels;
  }
  if (!useLabels || random.chance(0.4)) {
    const expressions: Json[] = [];
    for (let e = random.int(1, 2); e > 0; e--) {
      const key = random.pick(keys);
      const operator = random.pick(['In', 'NotIn', 'Exists', 'DoesNotExist']);
      if (operator === 'In' || operator === 'NotIn') expressions.push({ key, operator, values: random.sample(valuesOf(key), random.int(1, 2)) });
      else expressions.push({ key, operator });
    }
    result.matchExpressions = expressions;
  }
  return result;
}

function ipv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

function parseIpv4(text: string): number {
  return text.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
}

function ipBlock(context: Context): Json {
  const { random, workloads } = context;
  const podIps = workloads.flatMap((w) => (w.ip ? [w.ip] : []));
  let cidr: string;
  if (podIps.length > 0 && random.chance(0.2)) cidr = `${random.pick(podIps)}/${random.pick([32, 30, 29])}`;
  else cidr = random.pick(cidrCatalogue);
  const [base, prefixText] = cidr.split('/');
  const prefix = Number(prefixText);
  const size = 2 ** (32 - prefix);
  const start = Math.floor(parseIpv4(base) / size) * size;
  cidr = `${ipv4(start)}/${prefix}`;
  const except: string[] = [];
  if (prefix < 32 && random.chance(0.45)) {
    for (let e = random.int(1, 2); e > 0; e--) {
      // An except must lie inside the cidr; aim at pod addresses when they are inside.
      const inside = podIps.map(parseIpv4).filter((ip) => ip >= start && ip < start + size);
      const anchor = inside.length > 0 && random.chance(0.6) ? random.pick(inside) : start + Math.floor(random.next() * size);
      const exceptPrefix = random.int(Math.max(prefix + 1, 20), 32);
      const exceptSize = 2 ** (32 - exceptPrefix);
      const text = `${ipv4(Math.floor(anchor / exceptSize) * exceptSize)}/${exceptPrefix}`;
      if (!except.includes(text)) except.push(text);
    }
  }
  return except.length > 0 ? { cidr, except } : { cidr };
}

function peer(context: Context): Json {
  const { random } = context;
  const shape = random.weighted([
    ['pod', 3],
    ['namespace', 3],
    ['both', 3],
    ['ipBlock', 2],
  ] as const);
  if (shape === 'ipBlock') return { ipBlock: ipBlock(context) };
  const result: { [key: string]: Json } = {};
  if (shape !== 'pod') result.namespaceSelector = selector(context, 'namespace');
  if (shape !== 'namespace') result.podSelector = selector(context, 'pod');
  return result;
}

function portEntry(context: Context): Json {
  const { random } = context;
  const result: { [key: string]: Json } = {};
  if (random.chance(0.6)) result.protocol = random.pick(protocols);
  const shape = random.weighted([
    ['none', 1],
    ['named', 3],
    ['number', 4],
    ['range', 3],
  ] as const);
  if (shape === 'named') result.port = random.pick(portNames);
  else if (shape === 'number') result.port = random.chance(0.8) ? random.pick(containerPorts) : random.int(1, 65535);
  else if (shape === 'range') {
    const port = random.chance(0.7) ? random.pick(containerPorts) - random.int(0, 3) : random.int(1, 65000);
    result.port = port;
    result.endPort = random.chance(0.2) ? port : Math.min(65535, port + random.pick([1, 2, 10, 100, 1000, 60000]));
  }
  return result;
}

function rule(context: Context, direction: 'ingress' | 'egress'): Json {
  const { random } = context;
  if (random.chance(0.1)) return {};
  const result: { [key: string]: Json } = {};
  const peersKey = direction === 'ingress' ? 'from' : 'to';
  const peers = random.weighted([
    ['absent', 2],
    ['empty', 1],
    ['some', 10],
  ] as const);
  if (peers === 'empty') result[peersKey] = [];
  if (peers === 'some') result[peersKey] = Array.from({ length: random.int(1, 3) }, () => peer(context));
  const ports = random.weighted([
    ['absent', 4],
    ['empty', 1],
    ['some', 7],
  ] as const);
  if (ports === 'empty') result.ports = [];
  if (ports === 'some') result.ports = Array.from({ length: random.int(1, 3) }, () => portEntry(context));
  return result;
}

function rules(context: Context, direction: 'ingress' | 'egress'): Json[] | undefined {
  const { random } = context;
  const shape = random.weighted([
    ['absent', 3],
    ['empty', 1],
    ['some', 6],
  ] as const);
  if (shape === 'absent') return undefined;
  if (shape === 'empty') return [];
  return Array.from({ length: random.int(1, 3) }, () => rule(context, direction));
}

function policy(context: Context, index: number): { [key: string]: Json } {
  const { random, namespaces } = context;
  const namespace = random.pick(namespaces).name;
  const metadata: { [key: string]: Json } = { name: `policy-${index}` };
  if (namespace !== 'default' || random.chance(0.5)) metadata.namespace = namespace;
  const spec: { [key: string]: Json } = {};
  const shape = random.weighted([
    ['deny-ingress', 1],
    ['deny-all', 1],
    ['allow-all', 1],
    ['egress-only', 2],
    ['mixed', 8],
  ] as const);
  spec.podSelector = shape === 'mixed' || shape === 'egress-only' ? selector(context, 'pod') : random.chance(0.7) ? {} : selector(context, 'pod');
  if (shape === 'deny-ingress') {
    if (random.chance(0.5)) spec.policyTypes = ['Ingress'];
  } else if (shape === 'deny-all') {
    spec.policyTypes = random.chance(0.5) ? ['Ingress', 'Egress'] : ['Egress', 'Ingress'];
  } else if (shape === 'allow-all') {
    const direction = random.pick(['ingress', 'egress'] as const);
    spec[direction] = [{}];
    if (direction === 'egress' || random.chance(0.5)) spec.policyTypes = direction === 'egress' ? ['Egress'] : ['Ingress'];
  } else if (shape === 'egress-only') {
    spec.egress = Array.from({ length: random.int(1, 3) }, () => rule(context, 'egress'));
    // Without policyTypes, an egress-only policy also isolates ingress (API-server defaulting).
    if (random.chance(0.6)) spec.policyTypes = ['Egress'];
  } else {
    const ingress = rules(context, 'ingress');
    const egress = rules(context, 'egress');
    if (ingress) spec.ingress = ingress;
    if (egress) spec.egress = egress;
    const types = random.weighted([
      ['omitted', 4],
      ['ingress', 2],
      ['egress', 2],
      ['both', 3],
    ] as const);
    if (types === 'ingress') spec.policyTypes = ['Ingress'];
    if (types === 'egress') spec.policyTypes = ['Egress'];
    if (types === 'both') spec.policyTypes = ['Ingress', 'Egress'];
  }
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata, spec };
}

export function generateScenario(seed: number): Scenario {
  const random = new Random(seed);
  const namespaces = generateNamespaces(random);
  const workloads = generateWorkloads(random, namespaces);
  const context: Context = { random, namespaces, workloads };
  const policies = Array.from({ length: random.int(1, 6) }, (_, i) => policy(context, i));
  const fileCount = random.int(1, 3);
  const listFiles = Array.from({ length: fileCount }, (_, i) => i).filter(() => random.chance(0.15));
  return { seed, namespaces, workloads, policies, fileCount, listFiles };
}

function podSpec(workload: WorkloadSpec, firstPortNameOnly: boolean): { [key: string]: Json } {
  const seen = new Set<string>();
  const spec: { [key: string]: Json } = {
    containers: workload.containers.map((c) => {
      const container: { [key: string]: Json } = { name: c.name, image: 'registry.example/app:1' };
      if (c.ports.length > 0) {
        container.ports = c.ports.map((p) => {
          if (!p.name) return { ...p };
          const repeated = seen.has(p.name);
          seen.add(p.name);
          return repeated && firstPortNameOnly ? { ...p, name: `${p.name}-again` } : { ...p };
        });
      }
      return container;
    }),
  };
  if (workload.hostNetwork) spec.hostNetwork = true;
  return spec;
}

/** Whether some pod declares a port name in two containers. */
export function hasRepeatedPortName(scenario: Scenario): boolean {
  return scenario.workloads.some((w) => {
    const names = w.containers.flatMap((c) => c.ports.flatMap((p) => (p.name ? [p.name] : [])));
    return new Set(names).size !== names.length;
  });
}

function workloadObject(workload: WorkloadSpec, withStatus: boolean, firstPortNameOnly: boolean): { [key: string]: Json } {
  const metadata: { [key: string]: Json } = { name: workload.name };
  if (workload.namespaceWritten) metadata.namespace = workload.namespace;
  if (workload.kind === 'Pod') {
    if (Object.keys(workload.labels).length > 0) metadata.labels = workload.labels;
    const pod: { [key: string]: Json } = { apiVersion: 'v1', kind: 'Pod', metadata, spec: podSpec(workload, firstPortNameOnly) };
    // The peer ignores a Pod without hostIP and podIPs (a pod not yet scheduled).
    if (withStatus && workload.ip) {
      const podIPs = [{ ip: workload.ip }, ...(workload.ipv6 ? [{ ip: workload.ipv6 }] : [])];
      pod.status = { hostIP: '172.31.0.1', podIP: workload.ip, podIPs };
    }
    return pod;
  }
  const template = { metadata: { labels: workload.labels }, spec: podSpec(workload, firstPortNameOnly) };
  const selectorSpec = { matchLabels: workload.labels };
  switch (workload.kind) {
    case 'Deployment':
    case 'ReplicaSet':
      return { apiVersion: 'apps/v1', kind: workload.kind, metadata, spec: { replicas: workload.replicas, selector: selectorSpec, template } };
    case 'StatefulSet':
      return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata, spec: { replicas: workload.replicas, serviceName: workload.name, selector: selectorSpec, template } };
    case 'DaemonSet':
      return { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata, spec: { selector: selectorSpec, template } };
    case 'ReplicationController':
      return { apiVersion: 'v1', kind: 'ReplicationController', metadata, spec: { replicas: workload.replicas, selector: workload.labels, template } };
    case 'Job':
      return { apiVersion: 'batch/v1', kind: 'Job', metadata, spec: { parallelism: workload.replicas, template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } } } };
    case 'CronJob':
      return {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata,
        spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { ...template, spec: { ...template.spec, restartPolicy: 'OnFailure' } } } } },
      };
  }
}

export interface RenderOptions {
  /** False leaves out the pods' status, and so their addresses. */
  withStatus: boolean;
  /** Renames a port name's later declarations in a pod, so that a name resolves to its first declaration only. */
  firstPortNameOnly?: boolean;
}

/** The scenario as YAML files (name and text): multi-document streams, some wrapped in a `kind: List`. */
export function renderScenario(scenario: Scenario, options: RenderOptions): { path: string; text: string }[] {
  const objects: { [key: string]: Json }[] = [];
  for (const ns of scenario.namespaces) {
    if (!ns.declared) continue;
    const metadata: { [key: string]: Json } = { name: ns.name };
    if (Object.keys(ns.labels).length > 0) metadata.labels = ns.labels;
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata });
  }
  for (const workload of scenario.workloads) objects.push(workloadObject(workload, options.withStatus, options.firstPortNameOnly ?? false));
  objects.push(...scenario.policies);
  const files: { [key: string]: Json }[][] = Array.from({ length: scenario.fileCount }, () => []);
  objects.forEach((object, i) => files[i % scenario.fileCount].push(object));
  return files.map((items, i) => {
    const text = scenario.listFiles.includes(i) ? stringify({ apiVersion: 'v1', kind: 'List', items }, { lineWidth: 0, aliasDuplicateObjects: false }) : items.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
    return { path: `set-${i}.yaml`, text };
  });
}
