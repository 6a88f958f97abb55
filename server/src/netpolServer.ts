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
import { completionTriggerCharacters, workspaceLabels } from './service/completion';
import type { ParsedFile } from './service/parse/parseFile';
import { describeError, runGuarded, runSafe } from './runSafe';
import { defaultServerSettings, readSettings, ServerSettings } from './settings';
import { WorkspaceIndex } from './workspaceIndex';
import { fileURLToPath } from 'url';
import { FileChangeType } from 'vscode-languageserver';
import { FileContext, policyCount } from './service/languageService';
import { registerInspector } from './inspector';
import { indexChangedNotification } from './protocol';

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
  let snippetSupport = true;

  const cache = new Map<string, CacheEntry>();
  const timers = new Map<string, NodeJS.Timeout>();
  let workspaceFolders: string[] = [];
  const index = new WorkspaceIndex(
    (text) => service.parse(text),
    log,
    () => {
      scheduleAll();
      void connection.sendNotification(indexChangedNotification, inspectorHost.indexStatus());
    },
  );

  function makeService(s: ServerSettings): LanguageService {
    return createLanguageService({ rules: s.rules, dns: s.dns, defaultNamespace: s.defaultNamespace, parse: { maxFileSize: s.maxFileSize, limits: { maxAliasExpansions: 1000, maxDepth: 200 } } });
  }

  /** The file's place in the workspace: the other open documents and the indexed files. */
  function contextOf(uri: string): FileContext {
    return { uri, workspace: inspectorHost.workspace() };
  }

  /** Other open documents can depend on the one that changed; they are checked a little later. */
  function scheduleAll(except?: string): void {
    for (const document of documents.all()) if (document.uri !== except) schedule(document.uri, settings.diagnosticsDelay + 300);
  }

  function parsed(document: TextDocument): ParsedFile {
    const hit = cache.get(document.uri);
    if (hit && hit.version === document.version) return hit.parsed;
    const result = service.parse(document.getText(), hit?.parsed);
    cache.set(document.uri, { version: document.version, parsed: result });
    return result;
  }

  /** Files with more policies than this get the API-server checks at once and the semantic rules once typing pauses. */
  const EAGER_POLICY_LIMIT = 200;
  const SEMANTIC_PAUSE_MS = 400;
  const semanticTimers = new Map<string, NodeJS.Timeout>();

  function publish(uri: string, version: number, semantic: boolean): void {
    const document = documents.get(uri);
    if (!document || document.version !== version) return;
    const diagnostics = service.validate(parsed(document), contextOf(uri), { semantic });
    // The document may have changed or closed while we worked: publish only current results.
    const current = documents.get(uri);
    if (!current || current.version !== version) return;
    void connection.sendDiagnostics({ uri, version, diagnostics });
  }

  function validateNow(uri: string): void {
    const document = documents.get(uri);
    if (!document) return;
    const version = document.version;
    const pending = semanticTimers.get(uri);
    if (pending) clearTimeout(pending);
    semanticTimers.delete(uri);
    if (policyCount(parsed(document)) <= EAGER_POLICY_LIMIT) {
      publish(uri, version, true);
      return;
    }
    // A large file: what the API server would reject now, what the policies do after a pause,
    // so that typing is never held up by the whole-workspace analysis.
    publish(uri, version, false);
    semanticTimers.set(
      uri,
      setTimeout(() => {
        semanticTimers.delete(uri);
        runGuarded(log, () => publish(uri, version, true), `Analysing ${uri}`);
      }, SEMANTIC_PAUSE_MS),
    );
  }

  function schedule(uri: string, delay = settings.diagnosticsDelay): void {
    const pending = timers.get(uri);
    if (pending) clearTimeout(pending);
    const run = () => {
      timers.delete(uri);
      runGuarded(log, () => validateNow(uri), `Validating ${uri}`);
    };
    // Even with no delay, leave the current turn, so that a burst of changes in one read is coalesced.
    timers.set(uri, setTimeout(run, Math.max(0, delay)));
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
        const before = settings;
        settings = readSettings(section);
        service = makeService(settings);
        cache.clear();
        if (settings.workspace && (!before.workspace || before.maxFileSize !== settings.maxFileSize)) void scanWorkspace();
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
    snippetSupport = capabilities.textDocument?.completion?.completionItem?.snippetSupport === true;
    workspaceFolders = (params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : []))
      .map((folder) => {
        try {
          return fileURLToPath(folder.uri);
        } catch {
          return undefined;
        }
      })
      .filter((folder): folder is string => folder !== undefined);
    const init = params.initializationOptions as Record<string, unknown> | undefined;
    if (init && typeof init === 'object' && init.settings) {
      settings = readSettings(init.settings);
      service = makeService(settings);
    }
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix], resolveProvider: false },
        completionProvider: { triggerCharacters: completionTriggerCharacters, resolveProvider: false },
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
      },
      serverInfo: { name: SERVER_NAME, version: SERVER_VERSION },
    };
  });

  connection.onInitialized(() => {
    if (dynamicConfiguration) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: 'netpol' }).catch((error) => log(`Registering for settings failed: ${describeError(error)}`));
    }
    void refreshSettings().then(() => (settings.workspace ? scanWorkspace() : undefined));
  });

  connection.onDidChangeConfiguration((change) => {
    void refreshSettings(change.settings);
  });

  async function scanWorkspace(): Promise<void> {
    if (workspaceFolders.length === 0 || index.scanning) return;
    try {
      await index.scan(workspaceFolders, { maxFiles: settings.workspaceMaxFiles, maxFileSize: settings.maxFileSize });
    } catch (error) {
      log(`Indexing the workspace failed: ${describeError(error)}`);
    }
  }

  connection.onDidChangeWatchedFiles((params) => {
    if (!settings.workspace) return;
    for (const change of params.changes) {
      if (!/\.ya?ml$/i.test(change.uri)) continue;
      void index.fileChanged(change.uri, change.type === FileChangeType.Deleted, { maxFiles: settings.workspaceMaxFiles, maxFileSize: settings.maxFileSize }).catch((error) => log(`Updating the index failed: ${describeError(error)}`));
    }
  });

  documents.onDidOpen((event) => {
    schedule(event.document.uri);
    scheduleAll(event.document.uri);
  });
  documents.onDidChangeContent((event) => {
    schedule(event.document.uri);
    scheduleAll(event.document.uri);
  });
  documents.onDidClose((event) => {
    const uri = event.document.uri;
    const pending = timers.get(uri);
    if (pending) clearTimeout(pending);
    timers.delete(uri);
    const semantic = semanticTimers.get(uri);
    if (semantic) clearTimeout(semantic);
    semanticTimers.delete(uri);
    cache.delete(uri);
    void connection.sendDiagnostics({ uri, diagnostics: [] });
    // Its disk copy (if any) takes its place in the workspace.
    if (settings.workspace && uri.startsWith('file:')) void index.fileChanged(uri, false, { maxFiles: settings.workspaceMaxFiles, maxFileSize: settings.maxFileSize });
    scheduleAll(uri);
  });

  connection.onHover((params, token) =>
    runSafe(
      log,
      () => {
        const document = documents.get(params.textDocument.uri);
        if (!document) return null;
        const file = parsed(document);
        return service.hover(file, file.lines.offsetAt(params.position), contextOf(document.uri));
      },
      null,
      token,
      'Hover',
    ),
  );

  connection.onCodeAction((params, token) =>
    runSafe(
      log,
      () => {
        const document = documents.get(params.textDocument.uri);
        if (!document) return [];
        return service.codeActions(parsed(document), document.uri, params.context.diagnostics, contextOf(document.uri), params.range);
      },
      [],
      token,
      'Code actions',
    ),
  );

  connection.onCodeLens((params, token) =>
    runSafe(
      log,
      () => {
        const document = documents.get(params.textDocument.uri);
        if (!document) return [];
        return service.codeLenses(parsed(document), contextOf(document.uri));
      },
      [],
      token,
      'Code lens',
    ),
  );

  connection.onCompletion((params, token) =>
    runSafe(
      log,
      () => {
        const document = documents.get(params.textDocument.uri);
        if (!document) return null;
        const labels = workspaceLabels(contextOf(document.uri).workspace ?? []);
        return service.completion(parsed(document), params.position, { ...params.context, snippetSupport, labels });
      },
      null,
      token,
      'Completion',
    ),
  );

  const inspectorHost = {
    service: () => service,
    settings: () => settings,
    workspace: () => {
      for (const document of documents.all()) parsed(document);
      return settings.workspace ? index.files(cache) : [...cache].map(([uri, e]) => ({ uri, parsed: e.parsed }));
    },
    file: (uri: string) => {
      const document = documents.get(uri);
      if (document) return parsed(document);
      return index.fileFor(uri);
    },
    indexStatus: () => ({ files: index.size, skippedTemplates: index.skippedTemplates, excluded: index.excluded, scanning: index.scanning, enabled: settings.workspace }),
    log,
  };
  registerInspector(connection, inspectorHost);

  documents.listen(connection);
  connection.listen();
}
