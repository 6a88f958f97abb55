import {
  CodeActionKind,
  Connection,
  DidChangeConfigurationNotification,
  InitializeParams,
  InitializeResult,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createLanguageService, LanguageService } from './service/languageService';
import type { ParsedFile } from './service/parse/parseFile';
import { describeError, runGuarded, runSafe } from './runSafe';
import { defaultServerSettings, readSettings, ServerSettings } from './settings';

export const SERVER_NAME = 'NetworkPolicy Inspector';
export const SERVER_VERSION = '0.1.0';

interface CacheEntry {
  version: number;
  parsed: ParsedFile;
}

/**
 * Wires the pure language service to an LSP connection. Everything here is plumbing:
 * documents, settings, a parse cache keyed by uri and version, debounced diagnostics that
 * drop stale results, and handlers that log instead of dying.
 */
export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const log = (message: string) => connection.console.log(message);

  let settings: ServerSettings = { ...defaultServerSettings };
  let service: LanguageService = makeService(settings);
  let pullConfiguration = false;
  let dynamicConfiguration = false;

  const cache = new Map<string, CacheEntry>();
  const timers = new Map<string, NodeJS.Timeout>();

  function makeService(s: ServerSettings): LanguageService {
    return createLanguageService({ rules: s.rules, parse: { maxFileSize: s.maxFileSize, limits: { maxAliasExpansions: 1000, maxDepth: 200 } } });
  }

  function parsed(document: TextDocument): ParsedFile {
    const hit = cache.get(document.uri);
    if (hit && hit.version === document.version) return hit.parsed;
    const result = service.parse(document.getText(), hit?.parsed);
    cache.set(document.uri, { version: document.version, parsed: result });
    return result;
  }

  function validateNow(uri: string): void {
    const document = documents.get(uri);
    if (!document) return;
    const version = document.version;
    const diagnostics = service.validate(parsed(document));
    // The document may have changed or closed while we worked: publish only current results.
    const current = documents.get(uri);
    if (!current || current.version !== version) return;
    void connection.sendDiagnostics({ uri, version, diagnostics });
  }

  function schedule(uri: string): void {
    const pending = timers.get(uri);
    if (pending) clearTimeout(pending);
    const run = () => {
      timers.delete(uri);
      runGuarded(log, () => validateNow(uri), `Validating ${uri}`);
    };
    if (settings.diagnosticsDelay <= 0) {
      // Still leave the current turn, so that a burst of changes in one read is coalesced.
      timers.set(uri, setTimeout(run, 0));
    } else {
      timers.set(uri, setTimeout(run, settings.diagnosticsDelay));
    }
  }

  async function refreshSettings(fromNotification?: unknown): Promise<void> {
    try {
      let section: unknown = undefined;
      if (pullConfiguration) {
        section = await connection.workspace.getConfiguration('netpol');
      } else if (fromNotification && typeof fromNotification === 'object') {
        section = (fromNotification as Record<string, unknown>).netpol;
      }
      if (section !== undefined) {
        settings = readSettings(section);
        service = makeService(settings);
        cache.clear();
      }
    } catch (error) {
      log(`Reading settings failed: ${describeError(error)}`);
    }
    for (const document of documents.all()) schedule(document.uri);
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const capabilities = params.capabilities;
    pullConfiguration = Boolean(capabilities.workspace?.configuration);
    dynamicConfiguration = Boolean(capabilities.workspace?.didChangeConfiguration?.dynamicRegistration);
    const init = params.initializationOptions as Record<string, unknown> | undefined;
    if (init && typeof init === 'object' && init.settings) {
      settings = readSettings(init.settings);
      service = makeService(settings);
    }
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix], resolveProvider: false },
      },
      serverInfo: { name: SERVER_NAME, version: SERVER_VERSION },
    };
  });

  connection.onInitialized(() => {
    if (dynamicConfiguration) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: 'netpol' }).catch((error) => log(`Registering for settings failed: ${describeError(error)}`));
    }
    void refreshSettings();
  });

  connection.onDidChangeConfiguration((change) => {
    void refreshSettings(change.settings);
  });

  documents.onDidOpen((event) => schedule(event.document.uri));
  documents.onDidChangeContent((event) => schedule(event.document.uri));
  documents.onDidClose((event) => {
    const uri = event.document.uri;
    const pending = timers.get(uri);
    if (pending) clearTimeout(pending);
    timers.delete(uri);
    cache.delete(uri);
    void connection.sendDiagnostics({ uri, diagnostics: [] });
  });

  connection.onCodeAction((params, token) =>
    runSafe(
      log,
      () => {
        const document = documents.get(params.textDocument.uri);
        if (!document) return [];
        return service.codeActions(parsed(document), document.uri, params.context.diagnostics);
      },
      [],
      token,
      'Code actions',
    ),
  );

  documents.listen(connection);
  connection.listen();
}
