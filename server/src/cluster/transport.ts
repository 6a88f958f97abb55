import * as http from 'http';
import * as https from 'https';
import { describeClusterError, redact } from './redact';

/**
 * The one place that talks to the API server. Every request the cluster layer makes goes
 * through `ApiTransport.send`, which refuses any verb but get, list and watch (and any path
 * that could reach a subresource such as exec or proxy) before it opens a connection. The
 * request is built from a verb and a resource reference, never from a free-form path, and its
 * HTTP method is always GET with no body.
 */
export type ReadVerb = 'get' | 'list' | 'watch';
export const readVerbs: readonly ReadVerb[] = ['get', 'list', 'watch'];

export interface ResourceRef {
  /** '' for the core group. */
  group: string;
  version: string;
  /** The plural resource name: pods, services, ... */
  resource: string;
  namespace?: string;
  /** The object's name: only for get. */
  name?: string;
}

export type QueryValue = string | number | boolean;
export type Query = Readonly<Record<string, QueryValue | undefined>>;

/** The resources the cluster layer reads; anything else (secrets, configmaps, ...) is refused. */
export const defaultAllowedResources: readonly string[] = ['namespaces', 'pods', 'services', 'daemonsets', 'networkpolicies'];

/** Query parameters a read may carry; `watch` is set by the transport itself for the watch verb. */
const allowedQuery = new Set(['limit', 'continue', 'resourceVersion', 'resourceVersionMatch', 'allowWatchBookmarks', 'timeoutSeconds', 'labelSelector', 'fieldSelector']);

const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Thrown, before any network I/O, for a request the read-only gate does not allow. */
export class RefusedRequestError extends Error {
  readonly code = 'ERR_NETPOL_REFUSED';
  constructor(message: string) {
    super(`refused: ${message} (the cluster layer only gets, lists and watches)`);
  }
}

/** What went wrong with a request, as the cache and the status need it. */
export type FailureKind =
  /** 401: the credentials were rejected (expired, revoked). */
  | 'unauthorized'
  /** 403: RBAC denies this verb on this resource. */
  | 'forbidden'
  /** 410: the resourceVersion is too old; relist. */
  | 'gone'
  | 'notfound'
  /** 429 and 5xx. */
  | 'server'
  /** Connection refused, reset, DNS, no route. */
  | 'unreachable'
  | 'timeout'
  | 'tls'
  /** The kubeconfig's credentials could not be obtained (exec plugin failed, file missing). */
  | 'credentials'
  /** A response we could not read. */
  | 'protocol';

export class ApiError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
  ) {
    super(redact(message));
  }
}

/** How to reach the API server for one request: its base URL and TLS/auth options. */
export interface Connection {
  server: string;
  options: https.RequestOptions;
}

/** Resolves credentials lazily, per request (exec plugins and token files refresh themselves). */
export type ConnectionProvider = () => Promise<Connection>;

export interface SendOptions {
  /** Milliseconds until the answer (a get or list body, a watch's response headers) must be there. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** For watch: called per event line. */
  onEvent?: (event: WatchEvent) => void;
  /** For watch: called once the server has accepted the watch (2xx response headers). */
  onOpen?: () => void;
  /** For watch: milliseconds of silence after which the watch is closed (and reopened by the caller). */
  idleMs?: number;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

export interface RequestRecord {
  verb: ReadVerb;
  method: 'GET';
  path: string;
}

/** The largest body we read for one get or list page. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export function describeRef(verb: string, ref: ResourceRef): string {
  const what = ref.name ? `${ref.resource}/${ref.name}` : ref.resource;
  return `${verb} ${what}${ref.namespace ? ` in namespace ${ref.namespace}` : ref.name || ref.resource === 'namespaces' ? '' : ' across all namespaces'}`;
}

/**
 * Checks a request against the read-only rules and returns its path and query string.
 * Throws RefusedRequestError for anything else. Pure: no I/O.
 */
export function buildReadRequest(verb: string, ref: ResourceRef, query: Query = {}, allowedResources: readonly string[] = defaultAllowedResources): { path: string; verb: ReadVerb } {
  if (typeof verb !== 'string' || !(readVerbs as readonly string[]).includes(verb)) throw new RefusedRequestError(`verb ${JSON.stringify(verb)}`);
  if (!ref || typeof ref !== 'object') throw new RefusedRequestError('no resource');
  const { group, version, resource, namespace, name } = ref;
  if (typeof group !== 'string' || !/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$/.test(group)) throw new RefusedRequestError(`API group ${JSON.stringify(group)}`);
  if (typeof version !== 'string' || !/^v[0-9]+((alpha|beta)[0-9]+)?$/.test(version)) throw new RefusedRequestError(`API version ${JSON.stringify(version)}`);
  if (typeof resource !== 'string' || !allowedResources.includes(resource)) throw new RefusedRequestError(`resource ${JSON.stringify(resource)}`);
  if (namespace !== undefined && (typeof namespace !== 'string' || !dnsSubdomain.test(namespace))) throw new RefusedRequestError(`namespace ${JSON.stringify(namespace)}`);
  if (verb === 'get') {
    if (typeof name !== 'string' || !dnsSubdomain.test(name)) throw new RefusedRequestError(`object name ${JSON.stringify(name)}`);
  } else if (name !== undefined) {
    throw new RefusedRequestError(`${verb} with an object name`);
  }
  if (namespace !== undefined && resource === 'namespaces') throw new RefusedRequestError('namespaces inside a namespace');
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    if (!allowedQuery.has(key)) throw new RefusedRequestError(`query parameter ${JSON.stringify(key)}`);
    if (!['string', 'number', 'boolean'].includes(typeof value)) throw new RefusedRequestError(`query value for ${key}`);
    params.set(key, String(value));
  }
  if (verb === 'watch') params.set('watch', '1');
  const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const path = `${base}${namespace !== undefined ? `/namespaces/${namespace}` : ''}/${resource}${name !== undefined ? `/${name}` : ''}`;
  const search = params.toString();
  return { path: search ? `${path}?${search}` : path, verb: verb as ReadVerb };
}

const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED', 'EADDRNOTAVAIL', 'ERR_SOCKET_CLOSED']);

function classifyNetworkError(error: NodeJS.ErrnoException): ApiError {
  const code = error.code ?? '';
  const message = describeClusterError(error);
  if (code === 'ETIMEDOUT') return new ApiError('timeout', message);
  if (networkCodes.has(code)) return new ApiError('unreachable', message);
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|HOSTNAME|ALTNAME/.test(code) || /certificate|ssl|tls/i.test(message)) return new ApiError('tls', message);
  return new ApiError('unreachable', message);
}

function statusError(status: number, body: string, verb: ReadVerb, ref: ResourceRef): ApiError {
  let message = '';
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    message = body.slice(0, 200);
  }
  const what = describeRef(verb, ref);
  if (status === 401) return new ApiError('unauthorized', `unauthorized: the API server rejected the credentials (expired or revoked?) for ${what}`, status);
  if (status === 403) return new ApiError('forbidden', `forbidden: cannot ${what}`, status);
  if (status === 410) return new ApiError('gone', `gone: ${message || 'the resource version is too old'}`, status);
  if (status === 404) return new ApiError('notfound', `not found: ${what}${message ? ` (${message})` : ''}`, status);
  return new ApiError(status >= 500 || status === 429 ? 'server' : 'protocol', `HTTP ${status} for ${what}${message ? `: ${message}` : ''}`, status);
}

/**
 * Issues read requests. `send` is the only method that performs network I/O in the cluster
 * layer; it validates synchronously and throws RefusedRequestError before connecting.
 */
export class ApiTransport {
  /** Every request sent, most recent last (bounded), for tests and the log. */
  readonly history: RequestRecord[] = [];

  constructor(
    private readonly connection: ConnectionProvider,
    private readonly allowedResources: readonly string[] = defaultAllowedResources,
  ) {}

  /** get or list: the parsed JSON body. watch: resolves when the stream ends normally. */
  send(verb: string, ref: ResourceRef, query: Query, options: SendOptions): Promise<unknown> {
    const request = buildReadRequest(verb, ref, query, this.allowedResources);
    if (request.verb === 'watch' && !options.onEvent) throw new RefusedRequestError('watch without an event handler');
    return this.perform(request.verb, request.path, ref, options);
  }

  private async perform(verb: ReadVerb, path: string, ref: ResourceRef, options: SendOptions): Promise<unknown> {
    if (options.signal?.aborted) throw new ApiError('timeout', 'aborted');
    let connection: Connection;
    try {
      connection = await this.connection();
    } catch (error) {
      throw error instanceof ApiError ? error : new ApiError('credentials', `cannot get the credentials of the context: ${describeClusterError(error)}`);
    }
    if (options.signal?.aborted) throw new ApiError('timeout', 'aborted');
    const base = new URL(connection.server);
    const isHttps = base.protocol === 'https:';
    const prefix = base.pathname.replace(/\/+$/, '');
    this.history.push({ verb, method: 'GET', path: `${prefix}${path}` });
    if (this.history.length > 1000) this.history.splice(0, this.history.length - 1000);
    const requestOptions: https.RequestOptions = {
      ...connection.options,
      protocol: base.protocol,
      hostname: base.hostname.replace(/^\[|\]$/g, ''),
      port: base.port || (isHttps ? 443 : 80),
      method: 'GET',
      path: `${prefix}${path}`,
      headers: { ...(connection.options.headers ?? {}), Accept: 'application/json', 'User-Agent': 'netpol-inspector' },
    };
    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      const finish = (error: ApiError | undefined, value?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(answerTimer);
        clearTimeout(idleTimer);
        options.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(value);
      };
      let idleTimer: NodeJS.Timeout | undefined;
      const request = (isHttps ? https : http).request(requestOptions as http.RequestOptions);
      const answerTimer = setTimeout(() => {
        finish(new ApiError('timeout', `no answer within ${options.timeoutMs} ms to ${describeRef(verb, ref)}`));
        request.destroy();
      }, options.timeoutMs);
      const onAbort = () => {
        finish(new ApiError('timeout', 'aborted'));
        request.destroy();
      };
      options.signal?.addEventListener('abort', onAbort);
      request.on('socket', (socket) => socket.setKeepAlive?.(true, 15000));
      request.on('error', (error) => finish(classifyNetworkError(error)));
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          readBody(response, 64 * 1024)
            .then((body) => finish(statusError(status, body, verb, ref)))
            .catch(() => finish(statusError(status, '', verb, ref)));
          return;
        }
        if (verb !== 'watch') {
          readBody(response, MAX_BODY_BYTES)
            .then((body) => {
              try {
                finish(undefined, JSON.parse(body));
              } catch {
                finish(new ApiError('protocol', `the answer to ${describeRef(verb, ref)} is not JSON`));
              }
            })
            .catch((error: unknown) => finish(error instanceof ApiError ? error : classifyNetworkError(error as NodeJS.ErrnoException)));
          return;
        }
        // A watch: the answer has come; from now on only silence longer than idleMs ends it.
        clearTimeout(answerTimer);
        try {
          options.onOpen?.();
        } catch {
          // The caller's bookkeeping must not break the stream.
        }
        const idleMs = options.idleMs ?? 330000;
        const armIdle = () => {
          clearTimeout(idleTimer);
          idleTimer = setTimeout(() => {
            finish(undefined);
            request.destroy();
          }, idleMs);
        };
        armIdle();
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          armIdle();
          buffer += chunk;
          let newline: number;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (!line || settled) continue;
            let event: WatchEvent;
            try {
              event = JSON.parse(line) as WatchEvent;
            } catch {
              finish(new ApiError('protocol', `a watch event of ${describeRef(verb, ref)} is not JSON`));
              request.destroy();
              return;
            }
            try {
              options.onEvent!(event);
            } catch (error) {
              finish(error instanceof ApiError ? error : new ApiError('protocol', describeClusterError(error)));
              request.destroy();
              return;
            }
          }
          if (buffer.length > MAX_BODY_BYTES) {
            finish(new ApiError('protocol', 'a watch event is too large'));
            request.destroy();
          }
        });
        response.on('end', () => finish(undefined));
        response.on('aborted', () => finish(new ApiError('unreachable', `the watch of ${describeRef(verb, ref)} was cut off`)));
        response.on('error', (error) => finish(classifyNetworkError(error)));
        response.on('close', () => finish(settled ? undefined : new ApiError('unreachable', `the watch of ${describeRef(verb, ref)} was cut off`)));
      });
      request.end();
    });
  }
}

function readBody(response: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        response.destroy();
        reject(new ApiError('protocol', `an answer larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
    response.on('aborted', () => reject(new ApiError('unreachable', 'the answer was cut off')));
  });
}
