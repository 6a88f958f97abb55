import type { CancellationToken, Connection } from 'vscode-languageserver';
import type { LanguageService } from './service/languageService';
import type { WorkspaceFile } from './service/lint/context';
import type { ParsedFile } from './service/parse/parseFile';
import { IndexStatus, indexStatusRequest } from './protocol';
import { runSafe } from './runSafe';
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
}
