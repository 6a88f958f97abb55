// Drives the bundled language server (node dist/server.js --stdio, which loads dist/cluster.js)
// over JSON-RPC for the cluster tests: settings, workspace trust, documents, hovers,
// completion, code actions, and every byte the server writes (protocol messages, log lines,
// stderr), so that tests can search all of it for credentials.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { createProtocolConnection, StreamMessageReader, StreamMessageWriter } = require('vscode-languageserver-protocol/node');

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export class LspDriver {
  /** @param {{ settings: object, trusted?: boolean, env?: NodeJS.ProcessEnv }} options */
  constructor({ settings, trusted, env }) {
    this.settings = settings;
    this.trusted = trusted;
    this.statuses = [];
    this.logs = [];
    /** Everything the server wrote, raw: stdout (the protocol) and stderr. */
    this.output = [];
    this.diagnostics = new Map();
    this.process = spawn(process.execPath, [path.join(repo, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    this.process.stdout.on('data', (chunk) => this.output.push(chunk.toString()));
    this.process.stderr.on('data', (chunk) => this.output.push(chunk.toString()));
    this.connection = createProtocolConnection(new StreamMessageReader(this.process.stdout), new StreamMessageWriter(this.process.stdin));
    this.connection.onNotification('window/logMessage', (p) => this.logs.push(p.message));
    this.connection.onNotification('netpol/clusterStatus', (s) => {
      this.statuses.push(s);
    });
    this.connection.onNotification('textDocument/publishDiagnostics', (p) => {
      this.diagnostics.set(p.uri, p.diagnostics);
    });
    this.connection.onNotification(() => undefined);
    this.connection.onRequest('workspace/configuration', (p) => p.items.map((i) => (i.section === 'netpol' ? this.settings : null)));
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.listen();
  }

  async initialize() {
    await this.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: null,
      capabilities: { workspace: { configuration: true }, textDocument: { hover: { contentFormat: ['markdown'] }, publishDiagnostics: { versionSupport: true } } },
      initializationOptions: this.trusted === undefined ? {} : { trusted: this.trusted },
    });
    await this.connection.sendNotification('initialized', {});
  }

  setSettings(settings) {
    this.settings = settings;
    return this.connection.sendNotification('workspace/didChangeConfiguration', { settings: { netpol: settings } });
  }

  trust() {
    return this.connection.sendNotification('netpol/workspaceTrust', { trusted: true });
  }

  open(uri, text) {
    return this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  }

  async hoverText(uri, line, character) {
    const hover = await this.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } });
    return hover ? JSON.stringify(hover.contents) : '';
  }

  async completionLabels(uri, line, character) {
    const result = await this.connection.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line, character } });
    return (Array.isArray(result) ? result : result?.items ?? []).map((i) => i.label);
  }

  codeActions(uri, range, diagnostics) {
    return this.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics } });
  }

  /** Resolves with the first value `check` returns that is truthy, polling every 25 ms. */
  async until(what, check, timeoutMs = 20000) {
    const started = Date.now();
    for (;;) {
      const value = await check();
      if (value) return value;
      if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last status: ${JSON.stringify(this.statuses.at(-1))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Every text the server produced: raw output, log lines, statuses. */
  everything() {
    return [...this.output, ...this.logs, JSON.stringify(this.statuses), JSON.stringify([...this.diagnostics])].join('\n');
  }

  async stop() {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await this.connection.sendNotification('exit');
    } catch {
      // already gone
    }
    setTimeout(() => this.process.kill(), 500).unref();
    await new Promise((resolve) => (this.process.exitCode !== null ? resolve() : this.process.on('exit', resolve)));
    this.connection.dispose();
  }
}
