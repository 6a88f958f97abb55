import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Times extension activation outside VS Code: `require` of dist/extension.js with a stand-in
 * `vscode` module, then `activate()` until its promise settles. dist/extension.js is the loader
 * (client/src/loader.ts): it loads dist/client-main.js inside `activate()`, with the V8 code
 * cache it finds in the context's global storage, STORAGE_DIR. The stand-in implements the
 * few API pieces the extension and vscode-languageclient call while starting; the language
 * client really forks dist/server.js over IPC and completes the initialize handshake, as in
 * the editor. What the stand-in cannot show: the extension host's own module loading and
 * VS Code's work on the returned registrations.
 *
 * After the figures, `deactivate()` (which writes the code cache when the loader made none;
 * the next start with the same STORAGE_DIR finds it), then the worker waits until its language
 * server has exited, so that the server's shutdown does not overlap the next measured start.
 * Usage: node activation.js REPO_ROOT [STORAGE_DIR]; prints one JSON object.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-require-imports */
const repoRoot = path.resolve(process.argv[2] ?? '.');
/** Without STORAGE_DIR, a temporary folder (a first start), deleted at the end. */
const ownStorage = process.argv[3] === undefined;
const storageDir = path.resolve(process.argv[3] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-bench-storage-')));
const missing = new Set<string>();

type Listener = (value: unknown) => void;

class EventEmitter {
  private listeners: Listener[] = [];
  event = (listener: Listener) => {
    this.listeners.push(listener);
    return new Disposable(() => (this.listeners = this.listeners.filter((l) => l !== listener)));
  };
  fire(value: unknown): void {
    for (const listener of [...this.listeners]) listener(value);
  }
  dispose(): void {
    this.listeners = [];
  }
}

class Disposable {
  constructor(private readonly onDispose: () => void = () => undefined) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  dispose(): void {
    this.onDispose();
  }
}

const noEvent = () => new Disposable();

class Uri {
  constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}
  static file(p: string): Uri {
    return new Uri('file', p);
  }
  static parse(text: string): Uri {
    return new Uri(text.split(':')[0], text.replace(/^file:\/\//, ''));
  }
  get path(): string {
    return this.fsPath;
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
  with(): Uri {
    return this;
  }
}

class CancellationTokenSource {
  private readonly emitter = new EventEmitter();
  token = { isCancellationRequested: false, onCancellationRequested: this.emitter.event };
  cancel(): void {
    this.token.isCancellationRequested = true;
    this.emitter.fire(undefined);
  }
  dispose(): void {
    this.emitter.dispose();
  }
}

const LogLevel = { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 };

function outputChannel(name: string): any {
  const lines: string[] = [];
  const write = (text: string) => lines.push(text);
  return {
    name,
    lines,
    logLevel: LogLevel.Info,
    onDidChangeLogLevel: noEvent,
    append: write,
    appendLine: write,
    replace: write,
    trace: write,
    debug: write,
    info: write,
    warn: write,
    error: write,
    clear: () => undefined,
    show: () => undefined,
    hide: () => undefined,
    dispose: () => undefined,
  };
}

const api: Record<string, unknown> = {
  version: '1.91.0',
  EventEmitter,
  Disposable,
  Uri,
  CancellationTokenSource,
  CancellationError: class extends Error {},
  LogLevel,
  Range: class {
    constructor(...args: unknown[]) {
      Object.assign(this, { args });
    }
  },
  Position: class {
    constructor(
      readonly line: number,
      readonly character: number,
    ) {}
  },
  ThemeColor: class {
    constructor(readonly id: string) {}
  },
  StatusBarAlignment: { Left: 1, Right: 2 },
  CodeActionKind: (() => {
    class CodeActionKind {
      constructor(readonly value: string) {}
      append(part: string): CodeActionKind {
        return new CodeActionKind(this.value ? `${this.value}.${part}` : part);
      }
      contains(other: CodeActionKind): boolean {
        return this.value === '' || other.value === this.value || other.value.startsWith(`${this.value}.`);
      }
      intersects(other: CodeActionKind): boolean {
        return this.contains(other) || other.contains(this);
      }
    }
    const empty = new CodeActionKind('');
    return Object.assign(CodeActionKind, {
      Empty: empty,
      QuickFix: empty.append('quickfix'),
      Refactor: empty.append('refactor'),
      RefactorExtract: empty.append('refactor.extract'),
      RefactorInline: empty.append('refactor.inline'),
      RefactorMove: empty.append('refactor.move'),
      RefactorRewrite: empty.append('refactor.rewrite'),
      Source: empty.append('source'),
      SourceOrganizeImports: empty.append('source.organizeImports'),
      SourceFixAll: empty.append('source.fixAll'),
      Notebook: empty.append('notebook'),
    });
  })(),
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  TabInputText: class {},
  TabInputTextDiff: class {},
  TabInputNotebook: class {},
  TabInputCustom: class {},
  env: { appName: 'bench', language: 'en', machineId: 'bench', sessionId: 'bench', openExternal: async () => true },
  commands: { registerCommand: () => new Disposable(), executeCommand: async () => undefined },
  languages: new Proxy(
    { match: () => 0, createDiagnosticCollection: () => ({ set() {}, delete() {}, clear() {}, dispose() {}, get: () => undefined, has: () => false, forEach() {} }) } as Record<string, unknown>,
    { get: (target, key: string) => target[key] ?? (() => new Disposable()) },
  ),
  window: new Proxy(
    {
      createOutputChannel: outputChannel,
      createStatusBarItem: () => ({ show() {}, hide() {}, dispose() {} }),
      createTreeView: () => ({ visible: false, onDidChangeVisibility: noEvent, onDidChangeSelection: noEvent, onDidExpandElement: noEvent, onDidCollapseElement: noEvent, reveal: async () => undefined, dispose() {} }),
      registerWebviewPanelSerializer: () => new Disposable(),
      registerTreeDataProvider: () => new Disposable(),
      showInformationMessage: async () => undefined,
      showWarningMessage: async () => undefined,
      showErrorMessage: async () => undefined,
      withProgress: async (_options: unknown, task: (progress: unknown, token: unknown) => unknown) => task({ report() {} }, new CancellationTokenSource().token),
      activeTextEditor: undefined,
      visibleTextEditors: [],
      tabGroups: { all: [], onDidChangeTabs: noEvent, onDidChangeTabGroups: noEvent },
    } as Record<string, unknown>,
    { get: (target, key: string) => (key in target ? target[key] : key.startsWith('onDid') ? noEvent : record(`window.${key}`)) },
  ),
  workspace: new Proxy(
    {
      getConfiguration: () => ({ get: (_key: string, fallback?: unknown) => fallback, has: () => false, inspect: () => undefined, update: async () => undefined }),
      textDocuments: [],
      notebookDocuments: [],
      workspaceFolders: undefined,
      createFileSystemWatcher: () => ({ onDidCreate: noEvent, onDidChange: noEvent, onDidDelete: noEvent, dispose() {} }),
      applyEdit: async () => true,
      isTrusted: true,
      registerTextDocumentContentProvider: () => new Disposable(),
    } as Record<string, unknown>,
    { get: (target, key: string) => (key in target ? target[key] : key.startsWith('onDid') || key.startsWith('onWill') ? noEvent : record(`workspace.${key}`)) },
  ),
};

function record(name: string): undefined {
  missing.add(name);
  return undefined;
}

/** Any other class the client extends or constructs (CompletionItem, CodeLens) is a plain one. */
const classes = new Map<string, unknown>();
function classFor(name: string): unknown {
  if (!classes.has(name)) {
    classes.set(
      name,
      class {
        constructor(...args: unknown[]) {
          Object.assign(this, { args });
        }
      },
    );
  }
  return classes.get(name);
}

/**
 * The names the `vscode` module exports, as @types/vscode declares them. VS Code's API object is
 * a plain object with one own property per name (298 in VS Code 1.100, with the proposed API's)
 * and no `__esModule`, and CommonJS interop (TypeScript's `__importStar`, esbuild's `__toESM`)
 * copies every one of them into a new object for each importing module: the stand-in lists as
 * many names, so that this cost is measured.
 */
function apiNames(): string[] {
  try {
    const declarations = fs.readFileSync(require.resolve('@types/vscode/index.d.ts'), 'utf8');
    return [...new Set([...declarations.matchAll(/^\texport (?:class|enum|namespace|const|let|function) (\w+)/gm)].map((m) => m[1]))];
  } catch {
    return [];
  }
}
const exportedNames = [...new Set([...Object.keys(api), ...apiNames()])];

const vscodeStub: Record<string, unknown> = new Proxy(api, {
  get: (target, key) => {
    if (typeof key !== 'string' || key === '__esModule') return undefined;
    if (key in target) return target[key];
    return /^[A-Z]/.test(key) ? classFor(key) : record(key);
  },
  ownKeys: () => exportedNames,
  // A name outside `api` is read (and recorded when missing) only when the extension uses it.
  getOwnPropertyDescriptor: (target, key) =>
    typeof key === 'string' && exportedNames.includes(key) && !(key in target) ? { configurable: true, enumerable: true, get: () => vscodeStub[key] } : Reflect.getOwnPropertyDescriptor(target, key),
});

const Module = require('module') as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
const originalLoad = Module._load;
Module._load = function (request: string, parent: unknown, isMain: boolean) {
  if (request === 'vscode') return vscodeStub;
  return originalLoad.call(this, request, parent, isMain);
};

async function main(): Promise<void> {
  const context = {
    subscriptions: [] as { dispose(): unknown }[],
    extensionPath: repoRoot,
    extensionUri: Uri.file(repoRoot),
    asAbsolutePath: (relative: string) => path.join(repoRoot, relative),
    globalState: { get: () => undefined, update: async () => undefined, keys: () => [] },
    workspaceState: { get: () => undefined, update: async () => undefined, keys: () => [] },
    extensionMode: 1,
    logUri: Uri.file(storageDir),
    storageUri: undefined,
    globalStorageUri: Uri.file(storageDir),
  };
  const start = performance.now();
  const extension = require(path.join(repoRoot, 'dist', 'extension.js')) as { activate(c: unknown): Promise<void>; deactivate?(): Promise<void>; codeCacheStatus?(): Record<string, unknown> };
  const loaded = performance.now();
  let error: string | undefined;
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      extension.activate(context),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          reject(new Error('activate() did not settle within 10 s'));
        }, 10000);
      }),
    ]);
  } catch (e) {
    error = e instanceof Error ? (process.env.BENCH_DEBUG ? (e.stack ?? e.message) : e.message) : String(e);
  }
  clearTimeout(timer);
  const activated = performance.now();
  let deactivateError: string | undefined;
  try {
    await Promise.race([extension.deactivate?.(), new Promise((r) => setTimeout(r, 5000))]);
  } catch (e) {
    // Stopping is not measured, but a failure is reported.
    deactivateError = e instanceof Error ? e.message : String(e);
  }
  for (const d of context.subscriptions) {
    try {
      d.dispose();
    } catch {
      // Same.
    }
  }
  const serverExit = await waitForServerExit(10000);
  // How the loader found the cache, and (after deactivate) whether it wrote one.
  const codeCache = extension.codeCacheStatus?.();
  if (ownStorage) fs.rmSync(storageDir, { recursive: true, force: true });
  process.stdout.write(
    `${JSON.stringify({
      requireMs: loaded - start,
      activateMs: activated - loaded,
      totalMs: activated - start,
      // The part of activate() that loaded dist/client-main.js (the loader's own figure).
      loadMainMs: codeCache?.loadMs,
      codeCache,
      error,
      timedOut,
      deactivateError,
      serverExit,
      missingApi: [...missing],
    })}\n`,
    () => process.exit(0),
  );
}

/**
 * Waits until no process started with `--clientProcessId=<this pid>` (how vscode-languageclient
 * forks the server) is left: Linux only (/proc), `unknown` elsewhere.
 */
async function waitForServerExit(timeoutMs: number): Promise<{ waitedMs: number; exited: boolean | 'unknown' }> {
  const started = performance.now();
  if (!fs.existsSync('/proc/self/cmdline')) return { waitedMs: 0, exited: 'unknown' };
  const marker = `--clientProcessId=${process.pid}`;
  const serverRunning = () =>
    fs.readdirSync('/proc').some((entry) => {
      if (!/^\d+$/.test(entry)) return false;
      try {
        return fs.readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0').includes(marker);
      } catch {
        return false;
      }
    });
  while (serverRunning()) {
    if (performance.now() - started > timeoutMs) return { waitedMs: performance.now() - started, exited: false };
    await new Promise((r) => setTimeout(r, 20));
  }
  return { waitedMs: performance.now() - started, exited: true };
}

void main();
