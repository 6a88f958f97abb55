import {
  CodeActionKind,
  Connection,
  Diagnostic,
  DidChangeConfigurationNotification,
  InitializeParams,
  InitializeResult,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver';
import { EditorDocument } from './editorDocument';
import { createLanguageService, LanguageService } from './service/languageService';
import { completionTriggerCharacters, workspaceLabels } from './service/completion';
import type { ParsedFile } from './service/parse/parseFile';
import { describeError, runGuarded, runSafe } from './runSafe';
import { defaultServerSettings, readSettings, ServerSettings } from './settings';
import { FileEvent, IndexOptions, lspScanProgress, normaliseFileUri, WorkspaceIndex } from './workspaceIndex';
import { enabledPatterns } from './glob';
import { fileURLToPath, pathToFileURL } from 'url';
import { FileChangeType } from 'vscode-languageserver';
import { FileContext, policyCount } from './service/languageService';
import { registerInspector } from './inspector';
import { indexChangedNotification } from './protocol';
import { ClusterFeature, registerCluster, trustedFromInit } from './clusterFeature';
import { clusterStatusNotification } from './clusterProtocol';

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
  /**
   * Per open document: how much of its start and end is unchanged since the version in the
   * parse cache, read off the editor's change events, so that a re-parse knows where to look.
   */
  const unchanged = new Map<string, { since: number; prefix: number; suffix: number }>();
  const documents = new TextDocuments<EditorDocument>({
    create: (uri, languageId, version, content) => EditorDocument.create(uri, languageId, version, content),
    update: (document, changes, version) => {
      const track = unchanged.get(document.uri);
      let current = document;
      for (const change of changes) {
        if (track) {
          if ('range' in change) {
            const from = current.offsetAt(change.range.start);
            const to = current.offsetAt(change.range.end);
            const start = Math.min(from, to);
            const end = Math.max(from, to);
            track.prefix = Math.min(track.prefix, start);
            track.suffix = Math.min(track.suffix, current.getText().length - end);
          } else {
            track.prefix = 0;
            track.suffix = 0;
          }
        }
        current = current.update([change], version);
      }
      return current;
    },
  });
  const log = (message: string) => connection.console.log(message);

  // The live cluster: a second source for the same model, loaded only when enabled in a trusted workspace.
  let clusterDns = '';
  const cluster = new ClusterFeature({
    log,
    onChange: () => {
      scheduleAll();
      void connection.sendNotification(indexChangedNotification, inspectorHost.indexStatus());
    },
    onStatus: (status) => {
      void connection.sendNotification(clusterStatusNotification, status);
      // The DNS quick fix follows the labels the cluster's DNS pods carry.
      const dns = JSON.stringify(cluster.dns(settings.dns));
      if (dns !== clusterDns) {
        clusterDns = dns;
        service = makeService(settings);
        scheduleAll();
      }
    },
  });

  let settings: ServerSettings = { ...defaultServerSettings };
  let service: LanguageService = makeService(settings);
  let pullConfiguration = false;
  let dynamicConfiguration = false;
  let snippetSupport = true;

  const cache = new Map<string, CacheEntry>();
  const timers = new Map<string, NodeJS.Timeout>();
  let workspaceFolders: string[] = [];
  /** `files.exclude`'s enabled patterns per workspace folder ('' for every folder), as the client last told us. */
  let filesExclude: Record<string, string[]> = {};
  let workDoneProgress = false;
  const index = new WorkspaceIndex({
    parse: (text, previous) => service.parse(text, previous),
    log,
    onChange: (uris) => {
      // A file open in the editor hides its disk copy, so a change on disk to it alone changes
      // nothing the analyses see.
      if (uris === 'all' || uris.some((uri) => !openUris().has(uri))) scheduleAll(undefined, settings.diagnosticsDelay);
      void connection.sendNotification(indexChangedNotification, inspectorHost.indexStatus());
    },
    createProgress: () => (workDoneProgress ? lspScanProgress(connection)() : Promise.resolve(undefined)),
    progressDelayMs: Number(process.env.NETPOL_PROGRESS_DELAY_MS ?? 500),
  });

  function openUris(): Set<string> {
    return new Set(documents.keys().map(normaliseFileUri));
  }

  function indexOptions(): IndexOptions {
    return { maxFiles: settings.workspaceMaxFiles, maxFileSize: settings.maxFileSize, exclude: settings.exclude, filesExclude };
  }

  function makeService(s: ServerSettings): LanguageService {
    return createLanguageService({ rules: s.rules, dns: cluster.dns(s.dns), defaultNamespace: s.defaultNamespace, parse: { maxFileSize: s.maxFileSize, limits: { maxAliasExpansions: 1000, maxDepth: 200 } } });
  }

  /** The file's place in the workspace: the other open documents and the indexed files. */
  function contextOf(uri: string): FileContext {
    return { uri, workspace: inspectorHost.workspace() };
  }

  /** Other open documents can depend on the one that changed; they are checked a little later. */
  function scheduleAll(except?: string, delay = settings.diagnosticsDelay + 300): void {
    for (const document of documents.all()) if (document.uri !== except) schedule(document.uri, delay);
  }

  function parsed(document: EditorDocument): ParsedFile {
    const hit = cache.get(document.uri);
    if (hit && hit.version === document.version) return hit.parsed;
    const track = unchanged.get(document.uri);
    const hint = hit && track && track.since === hit.version ? { prefix: track.prefix, suffix: track.suffix } : undefined;
    const result = service.parse(document.getText(), hit?.parsed, hint);
    document.useLines(result.text, result.lines);
    cache.set(document.uri, { version: document.version, parsed: result });
    unchanged.set(document.uri, { since: document.version, prefix: Infinity, suffix: Infinity });
    return result;
  }

  /** Files with more policies than this get the API-server checks at once and the semantic rules once typing pauses. */
  const EAGER_POLICY_LIMIT = 200;
  const SEMANTIC_PAUSE_MS = 400;
  const semanticTimers = new Map<string, NodeJS.Timeout>();
  /** The version each document was opened at: only typing waits for the pause. */
  const openedAt = new Map<string, number>();
  /**
   * The semantic rules run in slices of about this many milliseconds, giving the event loop a
   * turn between them, so that a keystroke arriving meanwhile waits for one slice, not for the
   * whole workspace's analysis.
   */
  const SLICE_MS = 8;
  /** The analysis under way per document; dropped once the document changes or closes. */
  const passes = new Map<string, { version: number; dropped: boolean }>();

  function dropPass(uri: string): void {
    const pass = passes.get(uri);
    if (pass) pass.dropped = true;
    passes.delete(uri);
  }

  function publish(uri: string, version: number, semantic: boolean): void {
    const document = documents.get(uri);
    if (!document || document.version !== version) return;
    dropPass(uri);
    if (!semantic) {
      send(uri, version, service.validate(parsed(document), contextOf(uri), { semantic }));
      return;
    }
    // The first slice runs now: a small file is done within it, and published in this turn.
    const file = parsed(document);
    const pass = { version, dropped: false };
    passes.set(uri, pass);
    inSlices(uri, pass, service.validateSteps(file, contextOf(uri), { semantic }), (diagnostics) => {
      send(uri, version, diagnostics);
      // A large file: what the first code action would read at once is read now, in slices too.
      if (policyCount(file, EAGER_POLICY_LIMIT) <= EAGER_POLICY_LIMIT) return;
      passes.set(uri, pass);
      inSlices(uri, pass, service.prepareSteps(file, contextOf(uri)), () => undefined);
    });
  }

  /**
   * Runs `steps` in slices of SLICE_MS with a turn for other work between them, until they end
   * (then `done`), the pass is dropped, or the document changes.
   */
  function inSlices<T>(uri: string, pass: { version: number; dropped: boolean }, steps: Generator<void, T>, done: (value: T) => void): void {
    const slice = () => {
      const current = documents.get(uri);
      if (pass.dropped || !current || current.version !== pass.version) {
        if (passes.get(uri) === pass) passes.delete(uri);
        return;
      }
      const started = performance.now();
      let step: IteratorResult<void, T>;
      try {
        do step = steps.next();
        while (!step.done && performance.now() - started < SLICE_MS);
      } catch (error) {
        if (passes.get(uri) === pass) passes.delete(uri);
        throw error;
      }
      if (!step.done) {
        setImmediate(() => runGuarded(log, slice, `Analysing ${uri}`));
        return;
      }
      if (passes.get(uri) === pass) passes.delete(uri);
      done(step.value);
    };
    slice();
  }

  function send(uri: string, version: number, diagnostics: Diagnostic[]): void {
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
    dropPass(uri);
    if (policyCount(parsed(document), EAGER_POLICY_LIMIT) <= EAGER_POLICY_LIMIT) {
      publish(uri, version, true);
      return;
    }
    // A large file: what the API server would reject now, what the policies do after a pause,
    // so that typing is never held up by the whole-workspace analysis. A file just opened
    // (nothing typed yet) goes on with them at once, after the first publication.
    publish(uri, version, false);
    semanticTimers.set(
      uri,
      setTimeout(() => {
        semanticTimers.delete(uri);
        runGuarded(log, () => publish(uri, version, true), `Analysing ${uri}`);
      }, openedAt.get(uri) === version ? 0 : SEMANTIC_PAUSE_MS),
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
    const indexWasEnabled = settings.workspace;
    try {
      let section: unknown = undefined;
      if (pullConfiguration) {
        // files.exclude can differ per folder: one item for each.
        const folders = workspaceFolders;
        const [netpol, ...files] = (await connection.workspace.getConfiguration([
          { section: 'netpol' },
          ...folders.map((folder) => ({ section: 'files', scopeUri: pathToFileURL(folder).toString() })),
        ])) as unknown[];
        section = netpol;
        filesExclude = Object.fromEntries(folders.map((folder, i) => [folder, enabledPatterns((files[i] as { exclude?: unknown } | null | undefined)?.exclude)]));
      } else if (fromNotification && typeof fromNotification === 'object') {
        section = (fromNotification as Record<string, unknown>).netpol;
        const files = (fromNotification as Record<string, unknown>).files as { exclude?: unknown } | undefined;
        if (files && typeof files === 'object' && 'exclude' in files) filesExclude = { '': enabledPatterns(files.exclude) };
      }
      if (section !== undefined) {
        settings = readSettings(section);
        service = makeService(settings);
        cache.clear();
        cluster.configure(settings.cluster);
      }
    } catch (error) {
      log(`Reading settings failed: ${describeError(error)}`);
    }
    // The index rescans when the folders, exclusions or limits differ from its last scan, and
    // when it is turned back on (file events were ignored meanwhile).
    if (settings.workspace) void scanWorkspace(!indexWasEnabled);
    for (const document of documents.all()) schedule(document.uri);
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const capabilities = params.capabilities;
    pullConfiguration = Boolean(capabilities.workspace?.configuration);
    workDoneProgress = capabilities.window?.workDoneProgress === true;
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
    cluster.setTrusted(trustedFromInit(init));
    const initFiles = init && typeof init === 'object' ? (init.files as { exclude?: unknown } | undefined) : undefined;
    if (initFiles && typeof initFiles === 'object') filesExclude = { '': enabledPatterns(initFiles.exclude) };
    if (init && typeof init === 'object' && init.settings) {
      settings = readSettings(init.settings);
      service = makeService(settings);
      cluster.configure(settings.cluster);
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
      void connection.client.register(DidChangeConfigurationNotification.type, { section: ['netpol', 'files.exclude'] }).catch((error) => log(`Registering for settings failed: ${describeError(error)}`));
    }
    void refreshSettings().then(() => (settings.workspace ? scanWorkspace() : undefined));
  });

  connection.onDidChangeConfiguration((change) => {
    void refreshSettings(change.settings);
  });

  /** Scans when the folders, exclusions or limits changed since the last scan; a scan running meanwhile is stopped and run again. */
  async function scanWorkspace(force = false): Promise<void> {
    if (workspaceFolders.length === 0) return;
    try {
      await index.scan(workspaceFolders, indexOptions(), force);
    } catch (error) {
      log(`Indexing the workspace failed: ${describeError(error)}`);
    }
  }

  connection.onDidChangeWatchedFiles((params) => {
    if (!settings.workspace) return;
    // Besides YAML files: a deleted folder (every file under it goes) and a created one (a rename's new name).
    const events: FileEvent[] = params.changes
      .map((change): FileEvent => ({ uri: change.uri, kind: change.type === FileChangeType.Created ? 'created' : change.type === FileChangeType.Deleted ? 'deleted' : 'changed' }))
      .filter((event) => event.kind !== 'changed' || /\.ya?ml$/i.test(event.uri));
    if (events.length > 0) void index.applyChanges(events).catch((error) => log(`Updating the index failed: ${describeError(error)}`));
  });

  documents.onDidOpen((event) => {
    openedAt.set(event.document.uri, event.document.version);
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
    openedAt.delete(uri);
    dropPass(uri);
    cache.delete(uri);
    unchanged.delete(uri);
    void connection.sendDiagnostics({ uri, diagnostics: [] });
    // Its disk copy (if any) takes its place in the workspace.
    if (settings.workspace && uri.startsWith('file:')) void index.applyChanges([{ uri, kind: 'changed' }]).catch((error) => log(`Updating the index failed: ${describeError(error)}`));
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
      return cluster.withWorkspace(settings.workspace ? index.files(cache) : [...cache].map(([uri, e]) => ({ uri, parsed: e.parsed })));
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
  registerCluster(connection, cluster, log);

  documents.listen(connection);
  connection.listen();
}
