import type { ClusterState, ClusterStatus } from '../clusterProtocol';
import { clusterScheme } from '../clusterProtocol';
import { detectCnis } from '../service/lint/cni';
import { KubeconfigEnvironment, loadKubeconfig, resolveContext } from './kubeconfig';
import { describeClusterError, redact } from './redact';
import { BackoffOptions, defaultBackoff, Reflector, ReflectorSpec } from './reflector';
import { ApiError, ApiTransport, ConnectionProvider, FailureKind, RequestRecord, ResourceRef } from './transport';
import { daemonSetSummary, Trimmed, trimDaemonSet, trimNamespace, trimNetworkPolicy, trimPod, trimService } from './trim';

/**
 * The cluster as a second source of manifests: watch-based caches of Namespaces, Pods,
 * Services, NetworkPolicies (all namespaces, or the configured ones) and the DaemonSets of
 * kube-system, rendered as virtual YAML files that the server adds to the workspace snapshot.
 * It also tells the state (one message per change of state, never one per retry), the
 * network plugin, and the cluster DNS pods.
 */
export interface ClusterSourceOptions {
  /** The kubeconfig context; the kubeconfig's current context when empty. */
  context?: string;
  /** Namespaces to read pods, services and policies from; empty: all. */
  namespaces: readonly string[];
  timeoutMs: number;
  env?: KubeconfigEnvironment;
  log(message: string): void;
  /** The objects changed (called at most every `debounceMs`). */
  onChange(): void;
  /** The status changed. */
  onStatus(status: ClusterStatus): void;
  /** Instead of a kubeconfig (tests): where to connect and how. */
  connection?: { server: string; context: string; provider: ConnectionProvider };
  pageSize?: number;
  watchSeconds?: number;
  maxObjects?: number;
  debounceMs?: number;
  backoff?: BackoffOptions;
  /** At most this many namespaces are read one by one when a resource cannot be listed across all of them. */
  maxFallbackNamespaces?: number;
}

/** A virtual file: its URI and its objects in order (the same object, unchanged, is the same value). */
export interface ClusterFile {
  uri: string;
  objects: readonly Trimmed[];
}

type Kind = 'namespaces' | 'pods' | 'services' | 'networkpolicies' | 'daemonsets';

interface KindSpec {
  kind: Kind;
  group: string;
  version: string;
  fileName: string;
  trim(o: Record<string, unknown>): Trimmed | undefined;
}

const kinds: Record<Kind, KindSpec> = {
  namespaces: { kind: 'namespaces', group: '', version: 'v1', fileName: 'namespaces', trim: trimNamespace },
  pods: { kind: 'pods', group: '', version: 'v1', fileName: 'pods', trim: trimPod },
  services: { kind: 'services', group: '', version: 'v1', fileName: 'services', trim: trimService },
  networkpolicies: { kind: 'networkpolicies', group: 'networking.k8s.io', version: 'v1', fileName: 'networkpolicies', trim: trimNetworkPolicy },
  daemonsets: { kind: 'daemonsets', group: 'apps', version: 'v1', fileName: 'daemonsets', trim: trimDaemonSet },
};

/** Where the network plugins' agents run: kube-system, and the namespaces of flannel's and Calico's own manifests. */
const daemonSetNamespaces = ['kube-system'];
const quietDaemonSetNamespaces = ['kube-flannel', 'calico-system'];

const connectionKinds: ReadonlySet<FailureKind> = new Set(['unreachable', 'timeout', 'tls', 'credentials', 'unauthorized', 'server', 'protocol']);

/** A connection failure in stable words, ranked: the most telling first. */
function connectionReason(failure: ApiError): { kind: FailureKind; rank: number; text: string } {
  const m = failure.message;
  if (failure.kind === 'credentials') return { kind: failure.kind, rank: 0, text: m };
  if (failure.kind === 'unauthorized') return { kind: failure.kind, rank: 1, text: 'the API server rejected the credentials (expired or revoked?)' };
  if (failure.kind === 'tls') return { kind: failure.kind, rank: 2, text: m };
  if (/ECONNREFUSED/.test(m)) return { kind: failure.kind, rank: 3, text: 'connection refused' };
  if (/ENOTFOUND|EAI_AGAIN/.test(m)) return { kind: failure.kind, rank: 4, text: 'the server name does not resolve' };
  if (/EHOSTUNREACH|ENETUNREACH/.test(m)) return { kind: failure.kind, rank: 5, text: 'no route to the server' };
  if (failure.kind === 'timeout') return { kind: failure.kind, rank: 6, text: m.replace(/ to .*$/, '') };
  if (failure.kind === 'server' && failure.status === 403) return { kind: failure.kind, rank: 7, text: m };
  if (failure.kind === 'server') return { kind: failure.kind, rank: 7, text: `the API server answers HTTP ${failure.status ?? 'errors'}` };
  if (failure.kind === 'protocol') return { kind: failure.kind, rank: 8, text: 'answers that cannot be read' };
  return { kind: failure.kind, rank: 9, text: 'the connection was lost' };
}

/** Documents per virtual file, so that a change rebuilds a bounded piece. */
const DOCUMENTS_PER_FILE = 1000;

/** One resource kind in its scope: one cluster-wide cache, or one per namespace. */
class ScopedResource {
  readonly reflectors = new Map<string, Reflector>();
  /** True when the cluster-wide list was forbidden and namespaces are read one by one. */
  fallback = false;
  fallbackCapped = false;

  constructor(
    readonly spec: KindSpec,
    /** undefined: all namespaces (cluster-wide, or per namespace after a 403). */
    private readonly namespaces: readonly string[] | undefined,
    private readonly make: (spec: ReflectorSpec) => Reflector,
    readonly quietNamespaces: readonly string[] = [],
  ) {}

  start(): void {
    if (this.spec.kind === 'namespaces') this.add(undefined);
    else if (this.namespaces) for (const ns of [...this.namespaces, ...this.quietNamespaces]) this.add(ns);
    else this.add(undefined);
  }

  private add(namespace: string | undefined): void {
    const key = namespace ?? '*';
    if (this.reflectors.has(key)) return;
    const ref: ResourceRef = { group: this.spec.group, version: this.spec.version, resource: this.spec.kind, namespace };
    const reflector = this.make({ ref, trim: this.spec.trim });
    this.reflectors.set(key, reflector);
    reflector.start();
  }

  /** The cluster-wide list is forbidden: read the known namespaces one by one instead. */
  fallBack(namespaces: readonly string[], max: number): void {
    if (this.namespaces || this.spec.kind === 'namespaces') return;
    this.fallback = true;
    const whole = this.reflectors.get('*');
    if (whole) {
      this.reflectors.delete('*');
      void whole.stop();
    }
    this.syncNamespaces(namespaces, max);
  }

  syncNamespaces(namespaces: readonly string[], max: number): void {
    if (!this.fallback) return;
    const wanted = new Set([...namespaces].sort().slice(0, max));
    this.fallbackCapped = namespaces.length > max;
    for (const [key, reflector] of this.reflectors) {
      if (!wanted.has(key)) {
        this.reflectors.delete(key);
        void reflector.stop();
      }
    }
    for (const ns of wanted) this.add(ns);
  }

  isQuiet(reflector: Reflector): boolean {
    return reflector.ref.namespace !== undefined && this.quietNamespaces.includes(reflector.ref.namespace);
  }

  *items(): Iterable<Trimmed> {
    for (const reflector of this.reflectors.values()) yield* reflector.items.values();
  }

  count(): number {
    let n = 0;
    for (const reflector of this.reflectors.values()) n += reflector.items.size;
    return n;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.reflectors.values()].map((r) => r.stop()));
  }
}

export class ClusterSource {
  private transport: ApiTransport | undefined;
  private readonly resources = new Map<Kind, ScopedResource>();
  private contextName: string | undefined;
  private server: string | undefined;
  private invalidateCredentials: (() => void) | undefined;
  private configError: string | undefined;
  private started = 0;
  private initialSyncMs: number | undefined;
  private stopped = false;
  private changeTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private lastStatusJson = '';
  private lastLoggedState = '';
  private readonly loggedForbidden = new Set<string>();
  private filesCache: { version: number; files: ClusterFile[] } | undefined;
  /** Increases whenever the cached objects change. */
  version = 0;
  private readonly log: (message: string) => void;

  constructor(private readonly options: ClusterSourceOptions) {
    this.log = (message) => options.log(redact(message));
  }

  start(): void {
    this.started = Date.now();
    let provider: ConnectionProvider;
    try {
      if (this.options.connection) {
        provider = this.options.connection.provider;
        this.contextName = this.options.connection.context;
        this.server = this.options.connection.server;
      } else {
        const { kc } = loadKubeconfig(this.options.env);
        const resolved = resolveContext(kc, this.options.context);
        provider = resolved.provider;
        this.contextName = resolved.context;
        this.server = resolved.server;
        this.invalidateCredentials = resolved.invalidate;
      }
    } catch (error) {
      this.configError = describeClusterError(error);
      this.log(`Cluster: ${this.configError}`);
      this.publishStatus(true);
      return;
    }
    this.transport = new ApiTransport(provider);
    const make = (spec: ReflectorSpec) =>
      new Reflector(spec, this.transport!, {
        timeoutMs: this.options.timeoutMs,
        pageSize: this.options.pageSize ?? 500,
        watchSeconds: this.options.watchSeconds ?? 300,
        maxObjects: this.options.maxObjects ?? 50000,
        backoff: this.options.backoff ?? defaultBackoff,
        onChange: () => this.changed(),
        onOutcome: (reflector, failure) => this.outcome(reflector, failure),
        log: this.log,
      });
    const scoped = this.options.namespaces.length > 0 ? [...new Set(this.options.namespaces)] : undefined;
    this.resources.set('namespaces', new ScopedResource(kinds.namespaces, undefined, make));
    this.resources.set('pods', new ScopedResource(kinds.pods, scoped, make));
    this.resources.set('services', new ScopedResource(kinds.services, scoped, make));
    this.resources.set('networkpolicies', new ScopedResource(kinds.networkpolicies, scoped, make));
    this.resources.set('daemonsets', new ScopedResource(kinds.daemonsets, daemonSetNamespaces, make, quietDaemonSetNamespaces));
    this.log(`Cluster: connecting to context ${this.contextName} (${this.server}); reading ${scoped ? `namespaces ${scoped.join(', ')}` : 'all namespaces'}, read-only.`);
    for (const resource of this.resources.values()) resource.start();
    this.publishStatus(true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.changeTimer);
    clearTimeout(this.statusTimer);
    await Promise.all([...this.resources.values()].map((r) => r.stop()));
  }

  /** Every request sent so far (bounded): for tests. */
  requests(): readonly RequestRecord[] {
    return this.transport?.history ?? [];
  }

  /** Ends the backoff waits: the next attempts start now. */
  retryNow(): void {
    for (const resource of this.resources.values()) for (const reflector of resource.reflectors.values()) if (reflector.failure) reflector.retryNow();
  }

  private allReflectors(): { resource: ScopedResource; reflector: Reflector }[] {
    const out: { resource: ScopedResource; reflector: Reflector }[] = [];
    for (const resource of this.resources.values()) for (const reflector of resource.reflectors.values()) out.push({ resource, reflector });
    return out;
  }

  private changed(): void {
    if (this.stopped) return;
    if (this.initialSyncMs === undefined) this.checkInitialSync();
    // Namespaces read one by one follow the namespaces that exist.
    const names = this.namespaceNames();
    const max = this.options.maxFallbackNamespaces ?? 100;
    for (const resource of this.resources.values()) {
      if (resource.fallback) resource.syncNamespaces(names, max);
      else if (names.length > 0 && resource.reflectors.get('*')?.failure?.kind === 'forbidden' && !resource.reflectors.get('*')?.synced) resource.fallBack(names, max);
    }
    if (this.changeTimer) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      if (this.stopped) return;
      this.version++;
      this.options.onChange();
      this.publishStatus();
    }, this.options.debounceMs ?? 150);
  }

  private namespaceNames(): string[] {
    const namespaces = this.resources.get('namespaces');
    return namespaces ? [...namespaces.items()].map((t) => (t.metadata as { name: string }).name) : [];
  }

  private checkInitialSync(): void {
    const all = this.allReflectors();
    if (all.length === 0) return;
    if (all.every(({ reflector }) => reflector.synced || reflector.failure)) {
      this.initialSyncMs = Date.now() - this.started;
      const c = this.counts();
      this.log(`Cluster: read ${c.namespaces} namespaces, ${c.pods} pods, ${c.services} services, ${c.networkPolicies} network policies and ${c.daemonSets} DaemonSets in ${this.initialSyncMs} ms.`);
    }
  }

  private outcome(reflector: Reflector, failure: ApiError | undefined): void {
    if (this.stopped) return;
    const owner = this.allReflectors().find((r) => r.reflector === reflector)?.resource;
    if (failure?.kind === 'unauthorized') this.invalidateCredentials?.();
    // (Only when it never worked: a 403 after a success is most often an API server that has
    // just restarted, and goes away by itself.)
    if (failure?.kind === 'forbidden' && owner && !reflector.synced && reflector.ref.namespace === undefined && owner.spec.kind !== 'namespaces') {
      // Listing across all namespaces is denied: try namespace by namespace.
      const names = this.namespaceNames();
      if (names.length > 0) {
        this.log(`Cluster: ${failure.message}; reading ${owner.spec.kind} namespace by namespace instead.`);
        owner.fallBack(names, this.options.maxFallbackNamespaces ?? 100);
        this.publishStatus();
        return;
      }
    }
    if (!failure) {
      // One cache got through: the others that were failing to connect try again now.
      // So do those denied after having worked (an API server that had not yet loaded its RBAC rules).
      for (const other of this.allReflectors()) {
        const f = other.reflector.failure;
        if (other.reflector !== reflector && f && (connectionKinds.has(f.kind) || (f.kind === 'forbidden' && other.reflector.synced))) other.reflector.retryNow();
      }
    }
    if (failure?.kind === 'forbidden' && owner && !owner.isQuiet(reflector) && !this.loggedForbidden.has(failure.message)) {
      this.loggedForbidden.add(failure.message);
      this.log(`Cluster: ${failure.message}; the other resources are still read.`);
    }
    if (this.initialSyncMs === undefined) this.checkInitialSync();
    this.publishStatus();
  }

  counts(): ClusterStatus['counts'] {
    const n = (k: Kind) => this.resources.get(k)?.count() ?? 0;
    return { namespaces: n('namespaces'), pods: n('pods'), services: n('services'), networkPolicies: n('networkpolicies'), daemonSets: n('daemonsets') };
  }

  status(): ClusterStatus {
    const base = { context: this.contextName, server: this.server, forbidden: [] as string[], notes: [] as string[], counts: this.counts(), initialSyncMs: this.initialSyncMs };
    if (this.configError) return { ...base, state: 'config-error', message: this.configError };
    const all = this.allReflectors();
    const now = Date.now();
    const failing = all.filter(({ reflector, resource }) => reflector.failure && !(resource.isQuiet(reflector) && reflector.failure.kind !== 'unreachable'));
    // A 403 after having worked is most often an API server that has just restarted: until it
    // lasts, it counts as not being connected yet rather than as a missing permission.
    const connectionFailures = failing
      .filter(({ reflector }) => connectionKinds.has(reflector.failure!.kind) || reflector.isTransientDenial(now))
      .map(({ reflector }) => (reflector.isTransientDenial(now) ? new ApiError('server', 'the API server denies what it allowed before (still starting?)', 403) : reflector.failure!));
    for (const { reflector } of failing) {
      const failure = reflector.failure!;
      if (reflector.isTransientDenial(now)) continue;
      if (failure.kind === 'forbidden') base.forbidden.push(failure.message);
      else if (!connectionKinds.has(failure.kind)) base.notes.push(failure.message);
    }
    for (const resource of this.resources.values()) {
      if (resource.fallback) base.notes.push(`${resource.spec.kind} cannot be listed across all namespaces: read namespace by namespace${resource.fallbackCapped ? ` (the first ${this.options.maxFallbackNamespaces ?? 100} only; set netpol.cluster.namespaces)` : ''}`);
      for (const reflector of resource.reflectors.values()) if (reflector.truncated) base.notes.push(`${reflector.describe()}: more than ${this.options.maxObjects ?? 50000} objects, the rest left out`);
    }
    base.forbidden = [...new Set(base.forbidden)].sort();
    let state: ClusterState;
    let message: string;
    const anySynced = all.some(({ reflector }) => reflector.synced || (!reflector.failure && reflector.stats.watches > 0));
    if (connectionFailures.length > 0) {
      // One message for the whole outage, whichever cache failed last and how: the most
      // telling reason, in words that do not change from one retry to the next.
      const reasons = connectionFailures.map(connectionReason).sort((a, b) => a.rank - b.rank);
      const worst = reasons[0];
      state = worst.kind === 'unauthorized' || worst.kind === 'credentials' ? 'unauthorized' : 'unreachable';
      const what = state === 'unauthorized' ? (worst.kind === 'credentials' ? 'credentials unavailable' : 'credentials rejected') : worst.kind === 'tls' ? 'TLS failure' : 'cluster unreachable';
      message = `${what}: ${worst.text} (${this.server}). Retrying in the background; the workspace files are used alone meanwhile.`;
    } else if (!anySynced && all.some(({ reflector }) => !reflector.failure)) {
      state = 'connecting';
      message = `connecting to ${this.contextName}`;
    } else {
      state = 'connected';
      const c = base.counts;
      message = `connected to ${this.contextName}: ${c.pods} pods in ${c.namespaces} namespaces, ${c.networkPolicies} network policies`;
    }
    return { ...base, state, message: redact(message), forbidden: base.forbidden.map(redact), notes: base.notes.map(redact), cni: this.cni(), dns: this.dns() };
  }

  private cni(): ClusterStatus['cni'] {
    const resource = this.resources.get('daemonsets');
    if (!resource) return undefined;
    const primary = [...resource.reflectors.values()].filter((r) => !resource.isQuiet(r));
    if (primary.some((r) => r.failure?.kind === 'forbidden')) return { message: 'network plugin unknown: cannot list daemonsets in namespace kube-system' };
    if (!primary.every((r) => r.synced)) return undefined;
    const summaries = [...resource.items()].map(daemonSetSummary);
    const found = detectCnis(summaries);
    const enforcing = found.find((f) => f.cni.enforces === true);
    const chosen = enforcing ?? found.find((f) => f.cni.enforces === undefined) ?? found[0];
    if (!chosen) return { enforces: false, message: 'no enforcing network plugin found: policies are accepted but ignored' };
    const where = `DaemonSet ${chosen.daemonSet.namespace}/${chosen.daemonSet.name}`;
    if (chosen.cni.enforces === true) return { name: chosen.cni.name, enforces: true, daemonSet: where, message: `${chosen.cni.name} (${where}) enforces NetworkPolicy` };
    if (chosen.cni.enforces === false) return { name: chosen.cni.name, enforces: false, daemonSet: where, message: `${chosen.cni.name} (${where}) does not enforce NetworkPolicy: no enforcing network plugin found, so policies are accepted but ignored` };
    return { name: chosen.cni.name, daemonSet: where, message: `${chosen.cni.name} (${where}) enforces NetworkPolicy only when configured to (check its network policy support)` };
  }

  private dns(): ClusterStatus['dns'] {
    const pods = this.resources.get('pods');
    if (!pods) return undefined;
    const candidates: { name: string; labels: Record<string, string>; ready: boolean }[] = [];
    for (const t of pods.items()) {
      const meta = t.metadata as { name: string; namespace?: string; labels?: Record<string, string> };
      if (meta.namespace !== 'kube-system') continue;
      const labels = meta.labels ?? {};
      const app = labels['k8s-app'] ?? labels['app.kubernetes.io/name'] ?? '';
      if (!/^(kube-dns|coredns|rke2-coredns)$/.test(app) && !/^(coredns|kube-dns|rke2-coredns)-/.test(meta.name)) continue;
      const conditions = ((t.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []) as { type: string; status: string }[];
      candidates.push({ name: meta.name, labels, ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True') });
    }
    if (candidates.length === 0) return undefined;
    const first = candidates[0].labels;
    let labels: Record<string, string>;
    if (first['k8s-app']) labels = { 'k8s-app': first['k8s-app'] };
    else if (first['app.kubernetes.io/name']) labels = { 'app.kubernetes.io/name': first['app.kubernetes.io/name'] };
    else labels = Object.fromEntries(Object.entries(first).filter(([k]) => k !== 'pod-template-hash' && k !== 'controller-revision-hash'));
    const matching = candidates.filter((c) => Object.entries(labels).every(([k, v]) => c.labels[k] === v));
    return { namespace: 'kube-system', labels, pods: matching.length, ready: matching.filter((c) => c.ready).length };
  }

  /** Publishes the status when it changed (at most every 100 ms unless forced), logging state changes once. */
  private publishStatus(force = false): void {
    const send = () => {
      this.statusTimer = undefined;
      if (this.stopped && !force) return;
      const status = this.status();
      const stateKey = `${status.state}`;
      if (stateKey !== this.lastLoggedState) {
        if (status.state === 'unreachable' || status.state === 'unauthorized') this.log(`Cluster: ${status.message}`);
        else if (status.state === 'connected' && (this.lastLoggedState === 'unreachable' || this.lastLoggedState === 'unauthorized')) this.log(`Cluster: connected again to ${this.contextName}.`);
        this.lastLoggedState = stateKey;
      }
      const json = JSON.stringify(status);
      if (json === this.lastStatusJson) return;
      this.lastStatusJson = json;
      this.options.onStatus(status);
    };
    if (force) {
      clearTimeout(this.statusTimer);
      send();
      return;
    }
    if (!this.statusTimer) this.statusTimer = setTimeout(send, 100);
  }

  /** The cached objects grouped into virtual files (namespace and kind), in a stable order. */
  files(): ClusterFile[] {
    if (this.filesCache && this.filesCache.version === this.version) return this.filesCache.files;
    const context = encodeURIComponent(this.contextName ?? 'cluster');
    const files: ClusterFile[] = [];
    const push = (path: string, objects: Trimmed[]) => {
      for (let part = 0; part * DOCUMENTS_PER_FILE < objects.length; part++) {
        const slice = objects.slice(part * DOCUMENTS_PER_FILE, (part + 1) * DOCUMENTS_PER_FILE);
        files.push({ uri: `${clusterScheme}:/${context}/${path}${part > 0 ? `-${part + 1}` : ''}.yaml`, objects: slice });
      }
    };
    const byKey = (a: Trimmed, b: Trimmed) => {
      const ma = a.metadata as { name: string; namespace?: string };
      const mb = b.metadata as { name: string; namespace?: string };
      return (ma.namespace ?? '').localeCompare(mb.namespace ?? '') || ma.name.localeCompare(mb.name);
    };
    const namespaces = this.resources.get('namespaces');
    if (namespaces) push('namespaces', [...namespaces.items()].sort(byKey));
    const grouped = new Map<string, Map<Kind, Trimmed[]>>();
    for (const kind of ['pods', 'services', 'networkpolicies', 'daemonsets'] as Kind[]) {
      const resource = this.resources.get(kind);
      if (!resource) continue;
      for (const t of resource.items()) {
        const ns = (t.metadata as { namespace?: string }).namespace ?? '';
        let byKind = grouped.get(ns);
        if (!byKind) grouped.set(ns, (byKind = new Map()));
        let list = byKind.get(kind);
        if (!list) byKind.set(kind, (list = []));
        list.push(t);
      }
    }
    for (const ns of [...grouped.keys()].sort()) {
      const byKind = grouped.get(ns)!;
      for (const kind of ['pods', 'services', 'networkpolicies', 'daemonsets'] as Kind[]) {
        const list = byKind.get(kind);
        if (list && list.length > 0) push(`${encodeURIComponent(ns)}/${kinds[kind].fileName}`, list.sort(byKey));
      }
    }
    this.filesCache = { version: this.version, files };
    return files;
  }
}
