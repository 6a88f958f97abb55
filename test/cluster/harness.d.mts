// Types for harness.mjs (see the comment at its top), for TypeScript cluster tests:
//   const { startCluster } = await import('../../test/cluster/harness.mjs');

export interface StartClusterOptions {
  restrictedNamespace?: string;
  fresh?: boolean;
  quiet?: boolean;
  keepTemp?: boolean;
  startTimeoutMs?: number;
  apiServerArgs?: string[];
}

export interface Users<T> {
  admin: T;
  reader: T;
  limited: T;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  contentType?: string;
  query?: Record<string, string>;
  timeoutMs?: number;
}

export interface AuditEvent {
  auditID: string;
  stage: string;
  verb: string;
  requestURI: string;
  user?: { username?: string; groups?: string[] };
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string; apiVersion?: string; subresource?: string };
  responseStatus?: { code?: number };
  stageTimestamp?: string;
  requestReceivedTimestamp?: string;
  [key: string]: unknown;
}

export type AuditFilter =
  | ((event: AuditEvent) => boolean)
  | { user?: string; verb?: string; resource?: string; namespace?: string; name?: string; code?: number; stage?: string; uri?: string | RegExp };

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

export interface Cluster {
  url: string;
  caPem: string;
  caFile: string;
  tokens: Users<string>;
  users: Users<string>;
  restrictedNamespace: string;
  kubeconfigs: Users<string>;
  auditLogPath: string;
  tmpDir: string;
  logs: { etcd: string; apiserver: string };
  versions: { 'kube-apiserver': string; etcd: string };
  stop(): Promise<void>;
  restartApiServer(opts?: { downMs?: number }): Promise<void>;
  stopApiServer(): Promise<void>;
  startApiServer(): Promise<void>;
  readAudit(filter?: AuditFilter): Promise<AuditEvent[]>;
  waitForAudit(filter: AuditFilter, timeoutMs?: number): Promise<AuditEvent[]>;
  request(method: string, path: string, options?: RequestOptions): Promise<ApiResponse>;
  get(path: string, token?: string): Promise<any>;
  apply(obj: KubeObject): Promise<any>;
  del(target: string | KubeObject, namespace?: string): Promise<any>;
  createNamespace(name: string, labels?: Record<string, string>): Promise<any>;
  createPod(namespace: string, name: string, options?: { labels?: Record<string, string>; ports?: { name?: string; containerPort: number; protocol?: string }[] }): Promise<any>;
  createService(namespace: string, name: string, options?: { selector?: Record<string, string>; ports?: { name?: string; port: number; targetPort?: number | string; protocol?: string }[] }): Promise<any>;
  createDaemonSet(namespace: string, name: string, options?: { labels?: Record<string, string>; image?: string; ports?: { name?: string; containerPort: number; protocol?: string }[] }): Promise<any>;
  createNetworkPolicy(namespace: string, name: string, spec: Record<string, unknown>): Promise<any>;
  resourceFor(apiVersion: string, kind: string, namespace?: string): Promise<{ path: string; namespaced: boolean; resource: string }>;
}

export function startCluster(opts?: StartClusterOptions): Promise<Cluster>;
export function setSharedCluster(cluster: Cluster | undefined): void;
export function freePort(): Promise<number>;
