/**
 * The custom requests between the VS Code client and the language server, beyond standard LSP:
 * the side panel, the reachability view and the commands. Types only (plus method names), so
 * that the client can import this file without pulling in the server.
 *
 * Other editors can use the same requests: every answer is plain JSON with LSP ranges.
 */
import type { Range, WorkspaceEdit } from 'vscode-languageserver-types';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** A place in a workspace file, for "reveal" links. */
export interface SourceLink {
  uri: string;
  range: Range;
}

/** What the workspace index holds, for the panel's header and the status bar. */
export interface IndexStatus {
  /** YAML files read from the workspace folders (open editors not counted twice). */
  files: number;
  /** Files skipped because they are templates (Helm `templates/`, `{{ }}` markers). */
  skippedTemplates: number;
  /** Files left out by `files.exclude` or `netpol.exclude`. */
  excluded: number;
  /** True while a scan runs. */
  scanning: boolean;
  /** False when `netpol.workspace.enabled` is off: only open documents are known. */
  enabled: boolean;
}

export const indexStatusRequest = 'netpol/indexStatus';
/** Sent by the server when the index changes (a scan ends, a file changes). */
export const indexChangedNotification = 'netpol/indexChanged';

/** One item of the policy tree; the client maps it to a TreeItem as is. */
export interface PanelNode {
  /** Stable within one answer and across edits where the thing is the same (keeps expansion state). */
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  /** A codicon name: `shield`, `arrow-right`, `server-process`, `warning`, ... */
  icon?: string;
  /** What selecting the item reveals. */
  link?: SourceLink;
  children?: PanelNode[];
  /** Expanded at first (the default is collapsed when there are children). */
  expanded?: boolean;
  /** For `when` clauses and menus: policy, direction, rule, peer, pod, port, note. */
  kind: string;
}

export interface PolicyPanelParams {
  uri: string;
  /** The cursor; the policy around it is shown. */
  position?: { line: number; character: number };
  /** A pinned policy (`NAMESPACE/NAME`); wins over the position. */
  policyId?: string;
}

export interface PolicyPanelResult {
  /** Absent when no policy is at the position (nor pinned): `message` says why. */
  policy?: { id: string; name: string; namespace: string; link: SourceLink; uri: string };
  /** "selects 3 pods · isolates Ingress, Egress" */
  summary?: string;
  nodes: PanelNode[];
  message?: string;
  index: IndexStatus;
}

export const policyPanelRequest = 'netpol/policyPanel';

/** A pod, workload or address to reason about, as the quick picks offer them. */
export interface EndpointChoice {
  /** `NAMESPACE/NAME`, `NAMESPACE/KIND/NAME`, or an IP address. */
  id: string;
  label: string;
  description?: string;
  detail?: string;
  link?: SourceLink;
  /** The named container ports of the pod, for the port pick. */
  ports?: { name?: string; port: number; protocol: Protocol }[];
}

export const endpointsRequest = 'netpol/endpoints';
export interface EndpointsResult {
  endpoints: EndpointChoice[];
  namespaces: string[];
}

export interface ExplainConnectionParams {
  from: string;
  to: string;
  /** A number, or a container port name resolved on the destination. */
  port: number | string;
  protocol?: Protocol;
}

export interface ExplainConnectionResult {
  allowed: boolean;
  /** One line: "shop/web -> shop/db on TCP 5432: denied by the ingress side". */
  verdict: string;
  /** The full explanation as Markdown (isolating policies, allowing rules, near misses). */
  markdown: string;
  /** The rules and policies that decided, to reveal. */
  links: { label: string; link: SourceLink }[];
  /** The narrowest allow on the side that lacks one, when the connection is denied and it can be written. */
  fixes: { title: string; edit: WorkspaceEdit }[];
  /** Set instead of the rest when the inputs cannot be resolved ("no such pod"). */
  error?: string;
}

export const explainConnectionRequest = 'netpol/explainConnection';

export interface ReachabilityParams {
  /** Namespaces whose pods form the grid; empty or absent: every namespace. */
  namespaces?: string[];
  port: number;
  protocol: Protocol;
}

export interface ReachabilityResult {
  namespaces: string[];
  pods: { id: string; namespace: string; name: string; kind: string; link?: SourceLink }[];
  /** allowed[i][j]: pods[i] may connect to pods[j]. */
  allowed: boolean[][];
  port: number;
  protocol: Protocol;
  /** Set when the grid was cut to keep the view usable. */
  truncated?: string;
}

export const reachabilityRequest = 'netpol/reachability';

export interface ConnectivityChecksParams {
  uri: string;
  policyId?: string;
  position?: { line: number; character: number };
}

export interface ConnectivityChecksResult {
  /** A shell script of kubectl commands, to open in a new editor. */
  text?: string;
  message?: string;
}

export const connectivityChecksRequest = 'netpol/connectivityChecks';

/** The command a code lens runs: reveal the panel for a policy. */
export const showPolicyCommand = 'netpol.showPolicy';
