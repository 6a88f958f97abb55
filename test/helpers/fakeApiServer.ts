import * as http from 'http';
import type { AddressInfo } from 'net';

/**
 * A small stand-in for kube-apiserver on loopback (plain HTTP), for the cluster layer's unit
 * tests: list with limit/continue, watch with resourceVersion (replaying the events since,
 * 410 Gone below the compaction point), bearer-token checks (401), per-path 403s, and a record
 * of every request and connection. The real API server is exercised by test/cluster/.
 */
export interface FakeObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string; [key: string]: unknown };
  [key: string]: unknown;
}

interface Collection {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
}

const collections: Collection[] = [
  { group: '', version: 'v1', resource: 'namespaces', namespaced: false },
  { group: '', version: 'v1', resource: 'pods', namespaced: true },
  { group: '', version: 'v1', resource: 'services', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'daemonsets', namespaced: true },
  { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', namespaced: true },
];

export interface RecordedRequest {
  method: string;
  url: string;
  authorization?: string;
}

interface Event {
  rv: number;
  resource: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: FakeObject;
}

export class FakeApiServer {
  private server: http.Server;
  private readonly objects = new Map<string, Map<string, FakeObject>>();
  private readonly events: Event[] = [];
  private rv = 100;
  /** Events at or below this resourceVersion are gone (a watch from before gets 410). */
  compactedRv = 0;
  readonly requests: RecordedRequest[] = [];
  connections = 0;
  /** When set, a request without this bearer token gets 401. */
  token: string | undefined;
  /** Paths (without query) that answer 403, or a predicate. */
  forbid: (path: string, query: URLSearchParams) => boolean = () => false;
  /** Answer watches with an ERROR event of code 410 once each, for these resources. */
  readonly expireNextWatch = new Set<string>();
  /** Delay every answer by this many milliseconds (for timeouts). */
  delayMs = 0;
  private readonly watchers = new Set<{ resource: string; namespace?: string; res: http.ServerResponse }>();
  private readonly sockets = new Set<import('net').Socket>();
  port = 0;

  constructor() {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async start(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Closes the listener and every open connection (the API server going away). */
  async stop(): Promise<void> {
    for (const w of this.watchers) w.res.destroy();
    this.watchers.clear();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Starts again on the same port, with the same objects. */
  async restart(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await this.start(this.port);
  }

  private store(resource: string): Map<string, FakeObject> {
    let map = this.objects.get(resource);
    if (!map) this.objects.set(resource, (map = new Map()));
    return map;
  }

  /** Creates or replaces an object and tells the watchers. */
  put(resource: string, object: FakeObject): FakeObject {
    const key = object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
    const store = this.store(resource);
    const type = store.has(key) ? 'MODIFIED' : 'ADDED';
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(++this.rv) } };
    store.set(key, stored);
    this.emit({ rv: this.rv, resource, type, object: stored });
    return stored;
  }

  remove(resource: string, namespace: string | undefined, name: string): void {
    const key = namespace ? `${namespace}/${name}` : name;
    const store = this.store(resource);
    const object = store.get(key);
    if (!object) return;
    store.delete(key);
    const deleted = { ...object, metadata: { ...object.metadata, resourceVersion: String(++this.rv) } };
    this.emit({ rv: this.rv, resource, type: 'DELETED', object: deleted });
  }

  private emit(event: Event): void {
    this.events.push(event);
    for (const w of this.watchers) {
      if (w.resource !== event.resource) continue;
      if (w.namespace && event.object.metadata.namespace !== w.namespace) continue;
      w.res.write(JSON.stringify({ type: event.type, object: event.object }) + '\n');
    }
  }

  /** Drops the event history: older resourceVersions now get 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    this.events.length = 0;
  }

  private status(res: http.ServerResponse, code: number, reason: string, message: string): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code }));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method !== 'GET') return this.status(res, 405, 'MethodNotAllowed', 'only GET here');
    if (this.token !== undefined && req.headers.authorization !== `Bearer ${this.token}`) return this.status(res, 401, 'Unauthorized', 'Unauthorized');
    const match = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)$/.exec(url.pathname);
    if (!match) return this.status(res, 404, 'NotFound', `no route ${url.pathname}`);
    const [, coreVersion, group, groupVersion, namespace, resource] = match;
    const collection = collections.find((c) => c.resource === resource && c.group === (group ?? '') && c.version === (coreVersion ?? groupVersion));
    if (!collection) return this.status(res, 404, 'NotFound', `no resource ${resource}`);
    if (this.forbid(url.pathname, url.searchParams)) {
      return this.status(res, 403, 'Forbidden', `${resource} is forbidden: User "test" cannot list resource "${resource}" in API group "${group ?? ''}"${namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope'}`);
    }
    const items = [...this.store(resource).values()].filter((o) => !namespace || o.metadata.namespace === namespace).sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
    if (url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true') {
      const from = Number(url.searchParams.get('resourceVersion') ?? '0');
      if (from > 0 && from < this.compactedRv) return this.status(res, 410, 'Expired', `too old resource version: ${from} (${this.compactedRv})`);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      // As the API server does: the headers go out at once, before any event.
      res.flushHeaders();
      if (this.expireNextWatch.delete(resource)) {
        res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } }) + '\n');
        return;
      }
      const watcher = { resource, namespace, res };
      this.watchers.add(watcher);
      for (const event of this.events) {
        if (event.rv <= from || event.resource !== resource) continue;
        if (namespace && event.object.metadata.namespace !== namespace) continue;
        res.write(JSON.stringify({ type: event.type, object: event.object }) + '\n');
      }
      const timeout = Number(url.searchParams.get('timeoutSeconds') ?? '0');
      const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
      req.on('close', () => {
        clearTimeout(timer);
        this.watchers.delete(watcher);
      });
      return;
    }
    const limit = Number(url.searchParams.get('limit') ?? '0');
    const start = Number(url.searchParams.get('continue') || '0');
    const page = limit > 0 ? items.slice(start, start + limit) : items.slice(start);
    const next = limit > 0 && start + limit < items.length ? String(start + limit) : undefined;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv), continue: next }, items: page }));
  }
}

export function pod(namespace: string, name: string, labels: Record<string, string>, extra: { ip?: string; ports?: { name?: string; containerPort: number; protocol?: string }[]; ready?: boolean; phase?: string } = {}): FakeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels, uid: `uid-${name}`, managedFields: [{ manager: 'kubectl', fieldsV1: { big: 'x'.repeat(100) } }], annotations: { note: 'not kept' } },
    spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'nginx', env: [{ name: 'SECRET', value: 'not kept' }], ports: extra.ports ?? [] }] },
    status: { phase: extra.phase ?? 'Running', podIP: extra.ip, podIPs: extra.ip ? [{ ip: extra.ip }] : undefined, conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }, { type: 'PodScheduled', status: 'True' }] },
  };
}

export function namespace(name: string, labels: Record<string, string> = {}): FakeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } };
}

export function daemonSet(namespace: string, name: string, image: string): FakeObject {
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace, labels: { 'k8s-app': name } }, spec: { template: { metadata: { labels: { 'k8s-app': name } }, spec: { containers: [{ name, image }] } } } };
}
