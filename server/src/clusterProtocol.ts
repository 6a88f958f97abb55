/**
 * The live-cluster part of the protocol between the client and the server: types and method
 * names only, so that the client can import it without pulling in the server.
 */

/** What the cluster layer is doing, for the status bar. */
export type ClusterState =
  /** `netpol.cluster.enabled` is off. */
  | 'disabled'
  /** The workspace is not trusted: no kubeconfig credentials are loaded. */
  | 'untrusted'
  /** No kubeconfig, no such context, or a kubeconfig that cannot be read. */
  | 'config-error'
  | 'connecting'
  | 'connected'
  /** Connection refused, timed out, TLS failure: retried in the background with backoff. */
  | 'unreachable'
  /** The credentials were rejected (expired?) or could not be obtained. */
  | 'unauthorized';

export interface ClusterStatus {
  state: ClusterState;
  /** One line for the status bar tooltip and the log ("cluster unreachable: connect ECONNREFUSED ..."). */
  message: string;
  context?: string;
  server?: string;
  /** Per resource: "forbidden: cannot list pods in namespace restricted". The rest works. */
  forbidden: string[];
  /** Other notes: fallbacks, truncation. */
  notes: string[];
  /** The network plugin found from the DaemonSets (cause 6). */
  cni?: {
    /** Absent when no known plugin was found. */
    name?: string;
    /** undefined: depends on the plugin's configuration. */
    enforces?: boolean;
    daemonSet?: string;
    message: string;
  };
  /** The cluster DNS pods, for the DNS quick fix. */
  dns?: {
    namespace: string;
    labels: Record<string, string>;
    pods: number;
    ready: number;
  };
  counts: { namespaces: number; pods: number; services: number; networkPolicies: number; daemonSets: number };
  /** Milliseconds from start until every readable resource was listed. */
  initialSyncMs?: number;
}

export interface ClusterContextsResult {
  contexts: { name: string; cluster: string; server?: string; user: string; namespace?: string; auth: string; execCommand?: string }[];
  currentContext?: string;
  /** The context the setting names, if any. */
  selected?: string;
  files: string[];
  error?: string;
}

/** Server -> client: the cluster status changed. */
export const clusterStatusNotification = 'netpol/clusterStatus';
/** Client -> server: the current status. */
export const clusterStatusRequest = 'netpol/clusterStatus';
/** Client -> server: the kubeconfig's contexts (names only: no credential is read or used). */
export const clusterContextsRequest = 'netpol/clusterContexts';
/** Client -> server: the workspace was trusted (or not) after the server started. */
export const clusterTrustNotification = 'netpol/workspaceTrust';
/** Client -> server: retry the connection now. */
export const clusterRetryNotification = 'netpol/clusterRetry';
/** Client -> server: the text of a virtual cluster file (`netpol-cluster:` URI), to show it read-only. */
export const clusterFileRequest = 'netpol/clusterFile';

/** The URI scheme of the virtual files that hold the cluster's objects. */
export const clusterScheme = 'netpol-cluster';
