import type { CancellationToken, Connection } from 'vscode-languageserver';
import type { LanguageService } from './service/languageService';
import type { WorkspaceFile } from './service/lint/context';
import type { ParsedFile } from './service/parse/parseFile';
import { IndexStatus, indexStatusRequest, PolicyPanelParams, policyPanelRequest } from './protocol';
import { emptyPanel } from './service/inspect/panel';
import { reachabilityRequest, ReachabilityParams } from './protocol';
import { emptyReachability, reachability } from './service/inspect/reachability';
import { runSafe } from './runSafe';
import { ConnectivityChecksParams, connectivityChecksRequest, endpointsRequest, ExplainConnectionParams, explainConnectionRequest } from './protocol';
import { listEndpoints } from './service/inspect/endpoints';
import { explainWorkspaceConnection } from './service/inspect/connection';
import { connectivityChecksFor } from './service/inspect/checks';
import { workspaceModel } from './service/lint/context';
import type { ServerSettings } from './settings';

/** What the inspector's requests need from the server: all reads, no connection state. */
export interface InspectorHost {
  service(): LanguageService;
  settings(): ServerSettings;
  /** The workspace as the service sees it: indexed files with open documents in their place. */
  workspace(): readonly WorkspaceFile[];
  /** An open document's current parse, or the indexed copy of a file on disk. */
  file(uri: string): ParsedFile | undefined;
  indexStatus(): IndexStatus;
  log(message: string): void;
}

/**
 * The custom requests of the side panel, the reachability view and the commands. Each handler
 * is a thin call into the pure service, wrapped so that a failure is a log line and a fallback.
 */
export function registerInspector(connection: Connection, host: InspectorHost): void {
  const handle = <P, R>(method: string, work: (params: P) => R, fallback: (params: P) => R, what: string) =>
    connection.onRequest(method, (params: P, token: CancellationToken) => runSafe(host.log, () => work(params), fallback(params), token, what));

  handle(indexStatusRequest, () => host.indexStatus(), () => host.indexStatus(), 'Index status');

  // "Why is A -> B blocked?" and "Generate connectivity checks".
  handle(
    endpointsRequest,
    () => listEndpoints(workspaceModel(host.workspace(), host.settings().defaultNamespace).model, host.settings().dns),
    () => ({ endpoints: [], namespaces: [] }),
    'Endpoints',
  );
  handle(
    explainConnectionRequest,
    (params: ExplainConnectionParams) => explainWorkspaceConnection(host.workspace(), params, { defaultNamespace: host.settings().defaultNamespace, dns: host.settings().dns }),
    () => ({ allowed: false, verdict: '', markdown: '', links: [], fixes: [], error: 'The connection could not be explained; see the log.' }),
    'Explain connection',
  );
  handle(
    connectivityChecksRequest,
    (params: ConnectivityChecksParams) =>
      connectivityChecksFor(host.workspace(), params, typeof params?.uri === 'string' ? host.file(params.uri) : undefined, { defaultNamespace: host.settings().defaultNamespace, dns: host.settings().dns }),
    () => ({ message: 'The checks could not be generated; see the log.' }),
    'Connectivity checks',
  );
  handle(
    reachabilityRequest,
    (params: ReachabilityParams) => reachability(host.workspace(), host.settings().defaultNamespace, params),
    () => emptyReachability('The grid could not be computed; see the log.'),
    'Reachability',
  );

  handle(
    policyPanelRequest,
    (params: PolicyPanelParams) => {
      const uri = typeof params?.uri === 'string' ? params.uri : '';
      const file = host.file(uri);
      if (!file) return emptyPanel('Open a YAML file with a NetworkPolicy.', host.indexStatus());
      const position = params.position;
      const offset = position && Number.isInteger(position.line) && Number.isInteger(position.character) ? file.lines.offsetAt(position) : undefined;
      const policyId = typeof params.policyId === 'string' ? params.policyId : undefined;
      return host.service().policyPanel(file, { uri, workspace: host.workspace() }, { offset, policyId }, host.indexStatus());
    },
    () => emptyPanel('The panel could not be computed; see the log.', host.indexStatus()),
    'Policy panel',
  );
}
