import * as fs from 'fs';
import * as path from 'path';
import { Rng } from './rng';
import { flow, Value, writeDocument } from './yamlWriter';

/**
 * Seeded generators of realistic manifests: namespaces of applications (Deployments, Services,
 * a few bare Pods) and the NetworkPolicies that a platform team writes for them, with a small
 * share of the mistakes people make (a misspelt field, a retired apiVersion, a lowercase
 * protocol), so that diagnostics and quick fixes have something to do.
 */

type Obj = { [key: string]: Value };

interface AppPort {
  name: string;
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
}

interface App {
  name: string;
  namespace: string;
  tier: string;
  version: string;
  ports: AppPort[];
}

interface Namespace {
  name: string;
  team: string;
  env: string;
  apps: App[];
}

export interface GeneratedDocument {
  kind: string;
  namespace: string;
  lines: string[];
}

export interface GeneratedFile {
  text: string;
  lines: number;
  bytes: number;
  policies: number;
  manifests: number;
}

const teams = ['shop', 'platform', 'data', 'identity', 'search', 'media', 'ml', 'billing', 'ops', 'growth', 'risk', 'mobile'];
const envs = ['prod', 'staging', 'dev'];
const appNames = [
  'api', 'web', 'frontend', 'backend', 'cart', 'checkout', 'payments', 'orders', 'inventory', 'search', 'auth', 'users',
  'catalog', 'shipping', 'email', 'notifications', 'recommendations', 'reviews', 'ads', 'billing', 'gateway', 'cache',
  'queue', 'worker', 'scheduler', 'metrics', 'ledger', 'redis', 'kafka', 'postgres',
];
const tiers = ['frontend', 'backend', 'data', 'edge'];
const versions = ['v1', 'v2', 'v3', 'canary'];

function makeNamespace(rng: Rng, index: number, appCount: number, portsOf: (rng: Rng) => AppPort[]): Namespace {
  const team = teams[index % teams.length];
  const env = envs[Math.floor(index / teams.length) % envs.length];
  const name = `${team}-${env}-${index}`;
  const apps = rng.sample(appNames, appCount).map((app) => ({
    name: app,
    namespace: name,
    tier: rng.pick(tiers),
    version: rng.pick(versions),
    ports: portsOf(rng),
  }));
  return { name, team, env, apps };
}

function servicePorts(rng: Rng): AppPort[] {
  const ports: AppPort[] = [{ name: 'http', port: rng.pick([8080, 8000, 3000, 80]), protocol: 'TCP' }];
  if (rng.chance(0.4)) ports.push({ name: 'grpc', port: rng.pick([9000, 50051]), protocol: 'TCP' });
  if (rng.chance(0.6)) ports.push({ name: 'metrics', port: 9090, protocol: 'TCP' });
  if (rng.chance(0.05)) ports.push({ name: 'stats', port: 8125, protocol: 'UDP' });
  return ports;
}

function appLabels(app: App): Obj {
  return { app: app.name, tier: app.tier, version: app.version };
}

function namespaceDoc(ns: Namespace): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns.name, labels: { team: ns.team, env: ns.env, 'kubernetes.io/metadata.name': ns.name } },
  };
}

function containerOf(rng: Rng, app: App): Obj {
  const container: Obj = {
    name: app.name,
    image: `registry.example.com/${app.namespace.split('-')[0]}/${app.name}:1.${rng.int(0, 30)}.${rng.int(0, 9)}`,
    ports: app.ports.map((p) => {
      const port: Obj = { name: p.name, containerPort: p.port };
      if (p.protocol !== 'TCP' || rng.chance(0.5)) port.protocol = p.protocol;
      return port;
    }),
    resources: { requests: { cpu: `${rng.pick([50, 100, 250, 500])}m`, memory: `${rng.pick([64, 128, 256, 512])}Mi` }, limits: { memory: `${rng.pick([256, 512, 1024])}Mi` } },
  };
  if (rng.chance(0.6)) container.env = [{ name: 'LOG_LEVEL', value: rng.pick(['info', 'debug', 'warn']) }, { name: 'PORT', value: String(app.ports[0].port) }];
  if (rng.chance(0.7)) container.readinessProbe = { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10 };
  return container;
}

function deploymentDoc(rng: Rng, app: App): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app.name, namespace: app.namespace, labels: { app: app.name, tier: app.tier } },
    spec: {
      replicas: rng.int(1, 6),
      selector: { matchLabels: { app: app.name } },
      template: {
        metadata: { labels: appLabels(app) },
        spec: { serviceAccountName: app.name, containers: [containerOf(rng, app)] },
      },
    },
  };
}

function serviceDoc(app: App): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: app.name, namespace: app.namespace },
    spec: {
      selector: { app: app.name },
      ports: app.ports.map((p) => ({ name: p.name, port: p.port === 8080 ? 80 : p.port, targetPort: p.name, protocol: p.protocol })),
    },
  };
}

function podDoc(rng: Rng, app: App, index: number): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${app.name}-${index}`, namespace: app.namespace, labels: appLabels(app) },
    spec: { containers: [containerOf(rng, app)] },
  };
}

function policyHeader(ns: Namespace, name: string): Obj {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns.name } };
}

function appSelector(rng: Rng, app: App): Obj {
  if (rng.chance(0.75)) return { matchLabels: { app: app.name } };
  const expressions: Obj[] = [{ key: 'app', operator: 'In', values: flow([app.name]) }];
  if (rng.chance(0.5)) expressions.push({ key: 'version', operator: 'NotIn', values: flow(['canary']) });
  if (rng.chance(0.3)) expressions.push({ key: 'tier', operator: 'Exists' });
  if (rng.chance(0.2)) expressions.push({ key: 'quarantine', operator: 'DoesNotExist' });
  return { matchLabels: { tier: app.tier }, matchExpressions: expressions };
}

function portsFor(rng: Rng, app: App): Obj[] {
  const ports: Obj[] = [];
  for (const p of app.ports) {
    if (ports.length > 0 && rng.chance(0.5)) continue;
    if (rng.chance(0.4)) ports.push({ protocol: p.protocol, port: p.name });
    else if (rng.chance(0.15)) ports.push({ protocol: p.protocol, port: p.port, endPort: p.port + rng.pick([10, 100]) });
    else ports.push(rng.chance(0.5) ? { protocol: p.protocol, port: p.port } : { port: p.port });
  }
  return ports;
}

function peerFor(rng: Rng, from: App, sameNamespace: boolean): Obj {
  if (sameNamespace) return { podSelector: appSelector(rng, from) };
  const nsSelector = { matchLabels: { 'kubernetes.io/metadata.name': from.namespace } };
  if (rng.chance(0.3)) return { namespaceSelector: nsSelector };
  return { namespaceSelector: nsSelector, podSelector: { matchLabels: { app: from.name } } };
}

function ipBlockPeer(rng: Rng): Obj {
  const a = rng.int(0, 255);
  const cidr = rng.pick([`10.${a}.0.0/16`, `172.${16 + (a % 16)}.0.0/16`, `192.168.${a}.0/24`, '0.0.0.0/0', `2001:db8:${a.toString(16)}::/48`]);
  const block: Obj = { cidr };
  if (cidr === '0.0.0.0/0') block.except = flow(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
  else if (cidr.startsWith('10.') && rng.chance(0.5)) block.except = flow([`10.${a}.${rng.int(0, 255)}.0/24`]);
  return { ipBlock: block };
}

/** One policy for a namespace: the kinds a platform team writes, in realistic proportions. */
function policyDoc(rng: Rng, ns: Namespace, all: readonly Namespace[], serial: number): Obj {
  const app = rng.pick(ns.apps);
  const roll = rng.next();
  if (roll < 0.08) {
    const doc = policyHeader(ns, `default-deny-${serial}`);
    doc.spec = { podSelector: {}, policyTypes: rng.chance(0.5) ? flow(['Ingress']) : flow(['Ingress', 'Egress']) };
    return doc;
  }
  if (roll < 0.16) {
    const doc = policyHeader(ns, `allow-dns-${app.name}-${serial}`);
    doc.spec = {
      podSelector: appSelector(rng, app),
      policyTypes: flow(['Egress']),
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
        },
      ],
    };
    return doc;
  }
  if (roll < 0.28) {
    const doc = policyHeader(ns, `allow-external-${app.name}-${serial}`);
    const peers = [ipBlockPeer(rng)];
    if (rng.chance(0.3)) peers.push(ipBlockPeer(rng));
    doc.spec = {
      podSelector: appSelector(rng, app),
      policyTypes: flow(['Egress']),
      egress: [{ to: peers, ports: rng.chance(0.3) ? [{ protocol: 'TCP', port: 8000, endPort: 8100 }] : [{ protocol: 'TCP', port: 443 }] }],
    };
    return doc;
  }
  const doc = policyHeader(ns, `allow-${app.name}-${serial}`);
  const rules: Obj[] = [];
  const ruleCount = rng.chance(0.55) ? 1 : rng.chance(0.7) ? 2 : 3;
  for (let r = 0; r < ruleCount; r++) {
    const peers: Obj[] = [];
    const peerCount = rng.chance(0.5) ? 1 : rng.chance(0.7) ? 2 : 3;
    for (let p = 0; p < peerCount; p++) {
      const same = rng.chance(0.6);
      const sourceNs = same ? ns : rng.pick(all);
      peers.push(peerFor(rng, rng.pick(sourceNs.apps), same || sourceNs === ns));
    }
    if (rng.chance(0.1)) peers.push(ipBlockPeer(rng));
    const rule: Obj = { from: peers };
    if (rng.chance(0.85)) rule.ports = portsFor(rng, app);
    rules.push(rule);
  }
  const spec: Obj = { podSelector: appSelector(rng, app), ingress: rules };
  if (rng.chance(0.35)) {
    const target = rng.pick(ns.apps);
    spec.egress = [{ to: [{ podSelector: { matchLabels: { app: target.name } } }], ports: portsFor(rng, target) }];
    spec.policyTypes = flow(['Ingress', 'Egress']);
  } else if (rng.chance(0.5)) {
    spec.policyTypes = flow(['Ingress']);
  }
  doc.spec = spec;
  return doc;
}

/** Mistakes people make, applied in place to a generated policy. */
function addMistake(rng: Rng, doc: Obj): void {
  const spec = doc.spec as Obj;
  const selector = spec.podSelector as Obj;
  const choice = rng.int(0, 4);
  if (choice === 0 && selector.matchLabels) {
    selector.matchLabel = selector.matchLabels;
    delete selector.matchLabels;
  } else if (choice === 1) {
    doc.apiVersion = 'extensions/v1beta1';
  } else if (choice === 2) {
    spec.ingres = spec.ingress ?? [];
    delete spec.ingress;
  } else if (choice === 3) {
    spec.policyTypes = flow(['ingress']);
  } else {
    delete spec.podSelector;
  }
}

export interface ClusterOptions {
  seed: number;
  policies: number;
  /** Share of policies with a deliberate mistake. */
  mistakes: number;
}

/** Documents of a generated cluster, namespace by namespace, in file order. */
export function clusterDocuments(options: ClusterOptions): GeneratedDocument[] {
  const rng = new Rng(options.seed);
  const policiesPerNamespace = 12;
  const namespaceCount = Math.max(1, Math.ceil(options.policies / policiesPerNamespace));
  const namespaces: Namespace[] = [];
  for (let i = 0; i < namespaceCount; i++) namespaces.push(makeNamespace(rng, i, rng.int(3, 6), servicePorts));
  const docs: GeneratedDocument[] = [];
  const emit = (obj: Obj, namespace: string) => {
    const lines = writeDocument(obj, { indentSequences: rng.chance(0.5) });
    if (rng.chance(0.1)) lines.unshift(`# ${String(obj.kind)} ${String((obj.metadata as Obj).name)}, owned by team ${namespace.split('-')[0]}.`);
    docs.push({ kind: String(obj.kind), namespace, lines });
  };
  let serial = 0;
  for (const ns of namespaces) {
    emit(namespaceDoc(ns), ns.name);
    for (const app of ns.apps) {
      emit(deploymentDoc(rng, app), ns.name);
      if (rng.chance(0.7)) emit(serviceDoc(app), ns.name);
    }
    if (rng.chance(0.3)) emit(podDoc(rng, rng.pick(ns.apps), rng.int(0, 99)), ns.name);
    const count = Math.min(policiesPerNamespace, options.policies - serial);
    for (let i = 0; i < count; i++) {
      const doc = policyDoc(rng, ns, namespaces, serial++);
      if (rng.chance(options.mistakes)) addMistake(rng, doc);
      emit(doc, ns.name);
    }
  }
  return docs;
}

function joinDocuments(docs: readonly GeneratedDocument[]): string {
  return docs.map((d) => `---\n${d.lines.join('\n')}\n`).join('');
}

function describe(docs: readonly GeneratedDocument[], text: string): GeneratedFile {
  return {
    text,
    lines: text.split('\n').length - 1,
    bytes: Buffer.byteLength(text),
    policies: docs.filter((d) => d.kind === 'NetworkPolicy').length,
    manifests: docs.length,
  };
}

/** A multi-document file with `policies` NetworkPolicies and the objects they protect. */
export function generateManifestFile(policies: number, seed = 42, mistakes = 0.02): GeneratedFile {
  const docs = clusterDocuments({ seed, policies, mistakes });
  return describe(docs, joinDocuments(docs));
}

/** A file of whole documents, about `targetLines` long. */
export function generateFileOfLines(targetLines: number, seed = 7): GeneratedFile {
  const docs = clusterDocuments({ seed, policies: 24, mistakes: 0 });
  const kept: GeneratedDocument[] = [];
  let lines = 0;
  for (const doc of docs) {
    if (lines + doc.lines.length + 1 > targetLines) continue;
    kept.push(doc);
    lines += doc.lines.length + 1;
    if (lines >= targetLines - 3) break;
  }
  return describe(kept, joinDocuments(kept));
}

export interface GeneratedWorkspace {
  dir: string;
  files: string[];
  manifests: number;
  policies: number;
  bytes: number;
}

/** A workspace of `fileCount` YAML files holding `manifestCount` manifests, one to nineteen a file. */
export function generateWorkspace(dir: string, fileCount = 1000, manifestCount = 10000, seed = 99): GeneratedWorkspace {
  const rng = new Rng(seed ^ 0x5bd1e995);
  let docs = clusterDocuments({ seed, policies: Math.ceil(manifestCount * 0.5), mistakes: 0.01 });
  while (docs.length < manifestCount) docs = docs.concat(clusterDocuments({ seed: seed + docs.length, policies: manifestCount, mistakes: 0.01 }));
  docs = docs.slice(0, manifestCount);
  // Split the stream into fileCount runs of consecutive documents, averaging manifestCount / fileCount.
  const sizes: number[] = [];
  let left = manifestCount;
  for (let i = 0; i < fileCount; i++) {
    const remainingFiles = fileCount - i;
    const mean = left / remainingFiles;
    const size = i === fileCount - 1 ? left : Math.max(1, Math.min(left - (remainingFiles - 1), Math.round(mean + (rng.next() * 2 - 1) * Math.min(mean - 1, 9))));
    sizes.push(size);
    left -= size;
  }
  const files: string[] = [];
  let at = 0;
  let bytes = 0;
  fs.mkdirSync(dir, { recursive: true });
  sizes.forEach((size, i) => {
    const slice = docs.slice(at, at + size);
    at += size;
    const folder = path.join(dir, slice[0].namespace);
    fs.mkdirSync(folder, { recursive: true });
    const file = path.join(folder, `${String(i).padStart(4, '0')}-${slice[0].kind.toLowerCase()}.yaml`);
    const text = joinDocuments(slice);
    fs.writeFileSync(file, text);
    bytes += Buffer.byteLength(text);
    files.push(file);
  });
  return { dir, files, manifests: docs.length, policies: docs.filter((d) => d.kind === 'NetworkPolicy').length, bytes };
}

/**
 * The input of `netpol matrix`: `podCount` Pods over ten namespaces, each with ports 80 (http)
 * and 443 (https), and `policyCount` policies over them.
 */
export function generateMatrixInput(podCount: number, policyCount: number, seed = 1234): GeneratedFile {
  const rng = new Rng(seed);
  const webPorts = (): AppPort[] => [
    { name: 'http', port: 80, protocol: 'TCP' },
    { name: 'https', port: 443, protocol: 'TCP' },
  ];
  const namespaces: Namespace[] = [];
  for (let i = 0; i < 10; i++) namespaces.push(makeNamespace(rng, i, 6, webPorts));
  const docs: GeneratedDocument[] = [];
  const emit = (obj: Obj, namespace: string) => docs.push({ kind: String(obj.kind), namespace, lines: writeDocument(obj, { indentSequences: false }) });
  for (const ns of namespaces) emit(namespaceDoc(ns), ns.name);
  for (let i = 0; i < podCount; i++) {
    const ns = namespaces[i % namespaces.length];
    const app = ns.apps[Math.floor(i / namespaces.length) % ns.apps.length];
    emit(podDoc(rng, app, i), ns.name);
  }
  for (let i = 0; i < policyCount; i++) {
    const ns = namespaces[i % namespaces.length];
    emit(policyDoc(rng, ns, namespaces, i), ns.name);
  }
  return describe(docs, joinDocuments(docs));
}

/** A policy that breaks the NetworkPolicy schema in ways any schema validator must report. */
export const invalidPolicyText = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: broken
  namespace: shop
spec:
  podSelector:
    matchLabel:
      app: web
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app: api
    ports:
    - port: 80
      endPort: eighty
  policyTypes: Ingress
`;
