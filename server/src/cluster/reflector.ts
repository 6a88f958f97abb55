import { ApiError, ApiTransport, describeRef, FailureKind, ResourceRef, WatchEvent } from './transport';
import type { Trimmed } from './trim';

/**
 * A watch-based cache of one resource in one scope (a namespace, or all namespaces): a
 * paginated list (limit/continue), then a watch from the list's resourceVersion, a new watch
 * whenever one ends, and a fresh list when the server answers 410 Gone. Failures back off
 * exponentially; 401 and 403 back off longer. Only trimmed objects are kept.
 */
export interface ReflectorSpec {
  ref: ResourceRef;
  /** The object as kept, or undefined to leave it out. */
  trim(object: Record<string, unknown>): Trimmed | undefined;
}

export interface ReflectorOptions {
  /** Per answer: a list page, a watch's response headers. */
  timeoutMs: number;
  pageSize: number;
  /** The server ends each watch after this long (with a little jitter), and it is reopened. */
  watchSeconds: number;
  /** Objects kept at most; past this the cache stops adding and says it is truncated. */
  maxObjects: number;
  backoff: BackoffOptions;
  /** Something in the cache changed (objects added, changed or removed). */
  onChange(): void;
  /** The outcome of each list or watch attempt: undefined for success. */
  onOutcome(reflector: Reflector, failure: ApiError | undefined): void;
  log(message: string): void;
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** For 401 and 403: permissions rarely change quickly. */
  deniedMs: number;
}

/** How long a 403 on a resource that was readable before is taken for a restarting API server. */
export const TRANSIENT_DENIAL_MS = 20000;

export const defaultBackoff: BackoffOptions = { initialMs: 1000, maxMs: 30000, deniedMs: 60000 };

export interface ReflectorStats {
  lists: number;
  relists: number;
  watches: number;
  pages: number;
  /** Milliseconds the first complete list took. */
  firstListMs?: number;
}

export class Reflector {
  readonly items = new Map<string, Trimmed>();
  /** JSON of each item, to tell real changes from status noise. */
  private readonly fingerprints = new Map<string, string>();
  synced = false;
  truncated = false;
  failure: ApiError | undefined;
  /** When the current run of failures began. */
  failingSince = 0;
  readonly stats: ReflectorStats = { lists: 0, relists: 0, watches: 0, pages: 0 };
  private resourceVersion: string | undefined;
  private stopped = false;
  private controller: AbortController | undefined;
  private wake: (() => void) | undefined;
  private failures = 0;
  private running: Promise<void> | undefined;

  constructor(
    readonly spec: ReflectorSpec,
    private readonly transport: ApiTransport,
    private readonly options: ReflectorOptions,
  ) {}

  get ref(): ResourceRef {
    return this.spec.ref;
  }

  /** "pods in namespace shop", "pods across all namespaces" */
  describe(verb = 'list'): string {
    return describeRef(verb, this.spec.ref).replace(/^\w+ /, '');
  }

  start(): void {
    if (this.running) return;
    this.running = this.run().catch((error) => this.options.log(`The cache of ${this.describe()} stopped: ${error instanceof Error ? error.message : String(error)}`));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.controller?.abort();
    this.wake?.();
    await this.running;
  }

  /** Ends any wait between attempts, so that the next one starts now. */
  retryNow(): void {
    this.failures = 0;
    this.wake?.();
  }

  private async run(): Promise<void> {
    const startedAt = Date.now();
    while (!this.stopped) {
      try {
        if (this.resourceVersion === undefined) {
          await this.list();
          if (this.stats.firstListMs === undefined) this.stats.firstListMs = Date.now() - startedAt;
          this.succeeded();
        }
        if (this.stopped) break;
        await this.watch();
      } catch (error) {
        if (this.stopped) break;
        const failure = error instanceof ApiError ? error : new ApiError('protocol', error instanceof Error ? error.message : String(error));
        if (failure.kind === 'gone') {
          // The resourceVersion is too old (compacted): list again, at once.
          this.resourceVersion = undefined;
          this.stats.relists++;
          continue;
        }
        if (!this.failure) this.failingSince = Date.now();
        this.failure = failure;
        this.failures++;
        this.options.onOutcome(this, failure);
        await this.sleep(this.delayFor(failure.kind));
      }
    }
  }

  private reportedOk = false;

  /** A list completed or a watch opened: the resource is readable. */
  private succeeded(): void {
    this.failures = 0;
    if (this.failure === undefined && this.reportedOk) return;
    this.failure = undefined;
    this.reportedOk = true;
    this.options.onOutcome(this, undefined);
  }

  private delayFor(kind: FailureKind): number {
    const { initialMs, maxMs, deniedMs } = this.options.backoff;
    // Denied from the start: RBAC rarely changes quickly. Denied after working: most often an
    // API server that has just restarted and not yet loaded its RBAC rules; retry as for an outage.
    if ((kind === 'forbidden' || kind === 'unauthorized') && !this.synced) return Math.min(deniedMs * 2 ** Math.min(this.failures - 1, 3), deniedMs * 8);
    let base = Math.min(maxMs, initialMs * 2 ** Math.min(this.failures - 1, 16));
    if (this.isTransientDenial()) base = Math.min(base, 2 * initialMs);
    // Jitter, so that several caches do not retry in step.
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  /** A 403 on a resource that was readable until moments ago: most often an API server that has just restarted. */
  isTransientDenial(now = Date.now()): boolean {
    return this.failure?.kind === 'forbidden' && this.synced && now - this.failingSince < TRANSIENT_DENIAL_MS;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  private async list(): Promise<void> {
    this.stats.lists++;
    const fresh = new Map<string, Trimmed>();
    const prints = new Map<string, string>();
    let truncated = false;
    let continueToken: string | undefined;
    let resourceVersion: string | undefined;
    do {
      this.controller = new AbortController();
      const page = (await this.transport.send('list', this.spec.ref, { limit: this.options.pageSize, continue: continueToken }, { timeoutMs: this.options.timeoutMs, signal: this.controller.signal })) as {
        metadata?: { resourceVersion?: string; continue?: string };
        items?: Record<string, unknown>[];
      };
      this.stats.pages++;
      for (const item of Array.isArray(page?.items) ? page.items : []) {
        const trimmed = this.spec.trim(item);
        if (!trimmed) continue;
        if (fresh.size >= this.options.maxObjects) {
          truncated = true;
          break;
        }
        const key = keyOf(trimmed);
        fresh.set(key, trimmed);
        prints.set(key, JSON.stringify(trimmed));
      }
      resourceVersion = page?.metadata?.resourceVersion;
      continueToken = truncated ? undefined : page?.metadata?.continue || undefined;
    } while (continueToken && !this.stopped);
    if (this.stopped) return;
    const changed = fresh.size !== this.items.size || [...prints].some(([k, p]) => this.fingerprints.get(k) !== p);
    this.items.clear();
    this.fingerprints.clear();
    for (const [k, v] of fresh) this.items.set(k, v);
    for (const [k, p] of prints) this.fingerprints.set(k, p);
    this.truncated = truncated;
    this.resourceVersion = resourceVersion ?? '';
    const firstSync = !this.synced;
    this.synced = true;
    if (changed || firstSync) this.options.onChange();
  }

  private async watch(): Promise<void> {
    this.stats.watches++;
    this.controller = new AbortController();
    // Jitter the server-side timeout, so that the watches of several caches do not all end at once.
    const timeoutSeconds = Math.round(this.options.watchSeconds * (0.9 + Math.random() * 0.2));
    await this.transport.send(
      'watch',
      this.spec.ref,
      { resourceVersion: this.resourceVersion || undefined, allowWatchBookmarks: true, timeoutSeconds },
      { timeoutMs: this.options.timeoutMs, signal: this.controller.signal, idleMs: (timeoutSeconds + 30) * 1000, onOpen: () => this.succeeded(), onEvent: (event) => this.onEvent(event) },
    );
  }

  private onEvent(event: WatchEvent): void {
    const object = event.object ?? {};
    if (event.type === 'ERROR') {
      const status = object as { code?: number; reason?: string; message?: string };
      if (status.code === 410 || status.reason === 'Expired' || status.reason === 'Gone') throw new ApiError('gone', `gone: ${status.message ?? 'too old resource version'}`, 410);
      throw new ApiError(status.code === 403 ? 'forbidden' : status.code === 401 ? 'unauthorized' : 'server', `watch error for ${this.describe('watch')}: ${status.message ?? status.reason ?? 'unknown'}`, status.code);
    }
    const version = (object.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    if (version) this.resourceVersion = version;
    if (event.type === 'BOOKMARK') return;
    const meta = object.metadata as { name?: string; namespace?: string } | undefined;
    if (!meta?.name) return;
    const key = meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
    if (event.type === 'DELETED') {
      if (this.items.delete(key)) {
        this.fingerprints.delete(key);
        this.options.onChange();
      }
      return;
    }
    const trimmed = this.spec.trim(object);
    if (!trimmed) {
      if (this.items.delete(key)) {
        this.fingerprints.delete(key);
        this.options.onChange();
      }
      return;
    }
    const print = JSON.stringify(trimmed);
    if (this.fingerprints.get(key) === print) return;
    if (!this.items.has(key) && this.items.size >= this.options.maxObjects) {
      this.truncated = true;
      return;
    }
    this.items.set(key, trimmed);
    this.fingerprints.set(key, print);
    this.options.onChange();
  }
}

export function keyOf(trimmed: Trimmed): string {
  const meta = trimmed.metadata as { name: string; namespace?: string };
  return meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
}
