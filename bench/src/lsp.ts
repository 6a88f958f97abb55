import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import {
  createProtocolConnection,
  Diagnostic,
  InitializeResult,
  ProtocolConnection,
  PublishDiagnosticsParams,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';

export interface LspServerOptions {
  /** Arguments after the Node executable, such as [serverScript, '--stdio']. */
  args: string[];
  /** Extra arguments for Node itself (--cpu-prof, --max-old-space-size). */
  nodeArgs?: string[];
  /** Answers workspace/configuration for one section. */
  configuration: (section: string | undefined) => unknown;
  cwd?: string;
}

interface Waiter {
  uri: string;
  predicate: (p: PublishDiagnosticsParams) => boolean;
  resolve: (p: PublishDiagnosticsParams) => void;
}

/**
 * Drives any language server that speaks LSP over stdio, as an editor would, and measures
 * it from the outside: requests and notifications go out, diagnostics come back, and the
 * caller times the gap. Nothing here sleeps to wait for a result.
 */
export class LspServer {
  readonly process: ChildProcess;
  readonly connection: ProtocolConnection;
  readonly logs: string[] = [];
  capabilities: InitializeResult['capabilities'] = {};
  private readonly waiters: Waiter[] = [];
  private readonly logWaiters: { pattern: RegExp; resolve: (match: RegExpExecArray) => void }[] = [];
  private readonly latest = new Map<string, PublishDiagnosticsParams>();
  private readonly publishedAt = new Map<string, number>();
  /** Every publication per document: its version and arrival time. */
  private readonly history = new Map<string, { version?: number; at: number; count: number }[]>();
  configurationRequests = 0;
  exited: number | null | undefined = undefined;

  constructor(private readonly options: LspServerOptions) {
    this.process = spawn(process.execPath, [...(options.nodeArgs ?? []), ...options.args], { stdio: ['pipe', 'pipe', 'pipe'], cwd: options.cwd });
    this.process.on('exit', (code) => {
      this.exited = code;
    });
    this.process.stderr!.on('data', (chunk: Buffer) => this.logs.push(chunk.toString()));
    this.connection = createProtocolConnection(new StreamMessageReader(this.process.stdout!), new StreamMessageWriter(this.process.stdin!));
    this.connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
      const at = performance.now();
      this.latest.set(params.uri, params);
      this.publishedAt.set(params.uri, at);
      let list = this.history.get(params.uri);
      if (!list) this.history.set(params.uri, (list = []));
      if (list.length > 1000) list.splice(0, 500);
      list.push({ version: params.version, at, count: params.diagnostics.length });
      for (let i = 0; i < this.waiters.length; i++) {
        const waiter = this.waiters[i];
        if (waiter.uri === params.uri && waiter.predicate(params)) {
          this.waiters.splice(i, 1);
          waiter.resolve(params);
          i--;
        }
      }
    });
    this.connection.onNotification('window/logMessage', (params: { message: string }) => {
      if (this.logs.length < 200) this.logs.push(params.message);
      for (let i = 0; i < this.logWaiters.length; i++) {
        const match = this.logWaiters[i].pattern.exec(params.message);
        if (match) {
          this.logWaiters[i].resolve(match);
          this.logWaiters.splice(i--, 1);
        }
      }
    });
    this.connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) => {
      this.configurationRequests++;
      return params.items.map((item) => this.options.configuration(item.section) ?? null);
    });
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onRequest('client/unregisterCapability', () => null);
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.onRequest('workspace/workspaceFolders', () => null);
    this.connection.listen();
  }

  get pid(): number {
    return this.process.pid!;
  }

  async initialize(rootUri: string | null = null): Promise<InitializeResult> {
    const result = (await this.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: rootUri ? [{ uri: rootUri, name: 'bench' }] : null,
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true }, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true } },
        textDocument: {
          publishDiagnostics: { versionSupport: true, relatedInformation: true },
          synchronization: { dynamicRegistration: false, didSave: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] } },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'source'] } } },
        },
      },
      initializationOptions: {},
    })) as InitializeResult;
    this.capabilities = result.capabilities;
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  /** Sends workspace/didChangeConfiguration, which makes a pulling server ask again. */
  configurationChanged(settings: unknown = null): Promise<void> {
    return this.connection.sendNotification('workspace/didChangeConfiguration', { settings });
  }

  open(uri: string, text: string, version = 1): Promise<void> {
    return this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version, text } });
  }

  change(uri: string, version: number, changes: unknown[]): Promise<void> {
    return this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
  }

  close(uri: string): Promise<void> {
    return this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  request<T>(method: string, params: unknown): Promise<T> {
    return this.connection.sendRequest(method, params) as Promise<T>;
  }

  notify(method: string, params: unknown): Promise<void> {
    return this.connection.sendNotification(method, params);
  }

  /** Resolves with the next publication for `uri` that satisfies `predicate`. */
  waitForDiagnostics(uri: string, predicate: (p: PublishDiagnosticsParams) => boolean = () => true, timeoutMs = 120000): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.waiters.findIndex((w) => w.resolve === done);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (p: PublishDiagnosticsParams) => {
        clearTimeout(timer);
        resolve(p);
      };
      this.waiters.push({ uri, predicate, resolve: done });
    });
  }

  publications(uri: string): readonly { version?: number; at: number; count: number }[] {
    return this.history.get(uri) ?? [];
  }

  /**
   * A round trip through the server's event loop: a request it does not know, answered with
   * an error once everything queued before it (timers already due included) has run.
   */
  async ping(): Promise<void> {
    try {
      await this.connection.sendRequest('netpolBench/ping', {});
    } catch {
      // MethodNotFound is the expected answer.
    }
  }

  /** Resolves with the first log message from now on that matches `pattern`. */
  waitForLog(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.logWaiters.findIndex((w) => w.resolve === done);
        if (index >= 0) this.logWaiters.splice(index, 1);
        reject(new Error(`no log message matching ${pattern} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const done = (match: RegExpExecArray) => {
        clearTimeout(timer);
        resolve(match);
      };
      this.logWaiters.push({ pattern, resolve: done });
    });
  }

  /** Waits until no diagnostics for `uri` have arrived for `quietMs`. */
  async settle(uri: string, quietMs: number): Promise<void> {
    for (;;) {
      const last = this.publishedAt.get(uri) ?? 0;
      const wait = last + quietMs - performance.now();
      if (wait <= 0) return;
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** CPU time the server process has used, in clock ticks (utime + stime from /proc), or undefined off Linux. */
  private cpuTicks(): number | undefined {
    try {
      const stat = fs.readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return undefined;
    }
  }

  /**
   * Waits until the server process has used (almost) no CPU for `quietMs`: work it does in
   * slices between messages (its semantic rules) is over, which a round trip cannot tell.
   */
  async idle(quietMs = 300, timeoutMs = 120000): Promise<void> {
    const started = performance.now();
    let last = this.cpuTicks();
    if (last === undefined) return;
    let quietSince = performance.now();
    while (performance.now() - started < timeoutMs) {
      await new Promise((r) => setTimeout(r, 50));
      const now = this.cpuTicks();
      if (now === undefined) return;
      // A tick (10 ms) now and then is the runtime's housekeeping, not work.
      if (now - last > 1) {
        last = now;
        quietSince = performance.now();
      } else if (performance.now() - quietSince >= quietMs) {
        return;
      }
    }
  }

  lastDiagnostics(uri: string): Diagnostic[] | undefined {
    return this.latest.get(uri)?.diagnostics;
  }

  /** Resident and peak resident set of the server process, in bytes, from /proc. */
  memory(): { rss: number; peak: number } | undefined {
    try {
      const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const read = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
      return { rss: read('VmRSS'), peak: read('VmHWM') };
    } catch {
      return undefined;
    }
  }

  async shutdown(timeoutMs = 20000): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.exited !== undefined) resolve();
      else this.process.on('exit', () => resolve());
    });
    try {
      await Promise.race([
        (async () => {
          await this.connection.sendRequest('shutdown');
          await this.connection.sendNotification('exit');
          await exited;
        })(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('shutdown timed out')), timeoutMs)),
      ]);
    } catch {
      if (this.exited === undefined) this.process.kill('SIGKILL');
      await exited;
    }
    this.connection.dispose();
  }
}
