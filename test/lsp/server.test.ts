import * as assert from 'assert';
import { CodeAction, DiagnosticSeverity } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LspClient } from '../helpers/lspClient';

const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: api
  ingress:
  - form:
    - podSelector: {}
    ports:
    - port: 8080
      endPort: 80
`;

describe('language server over stdio (dist/server.js)', function () {
  this.timeout(20000);
  let client: LspClient;

  beforeEach(async () => {
    client = new LspClient({ diagnostics: { delay: 0 } });
  });

  afterEach(() => client.kill());

  it('initializes, publishes diagnostics on open and change, and shuts down cleanly', async () => {
    const init = await client.initialize();
    assert.strictEqual(init.serverInfo?.name, 'NetworkPolicy Inspector');
    assert.deepStrictEqual(init.capabilities.textDocumentSync, { openClose: true, change: 2 });

    const uri = 'file:///work/policy.yaml';
    const opened = client.waitForDiagnostics(uri, (p) => p.diagnostics.length > 0);
    await client.open(uri, policy);
    const first = await opened;
    assert.strictEqual(first.version, 1);
    const summary = first.diagnostics.map((d) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.character} ${d.code} ${(d.data as { field?: string }).field}`);
    assert.deepStrictEqual(summary, [
      '10:4-8 netpol/unknown-field spec.ingress[0].form',
      '14:15-17 netpol/invalid-port spec.ingress[0].ports[0].endPort',
    ]);
    assert.ok(first.diagnostics.every((d) => d.severity === DiagnosticSeverity.Error && d.source === 'netpol'));

    // Fix the typo with an incremental change: only the endPort error remains.
    const fixed = client.waitForDiagnostics(uri, (p) => p.version === 2);
    await client.change(uri, 2, [{ range: { start: { line: 10, character: 4 }, end: { line: 10, character: 8 } }, text: 'from' }]);
    const second = await fixed;
    assert.deepStrictEqual(second.diagnostics.map((d) => d.code), ['netpol/invalid-port']);

    assert.strictEqual(await client.shutdown(), 0);
  });

  it('offers a quick fix keyed on the diagnostic code and data, and the edit produces the expected text', async () => {
    await client.initialize();
    const uri = 'file:///work/typo.yaml';
    const text = policy;
    const published = client.waitForDiagnostics(uri, (p) => p.diagnostics.length > 0);
    await client.open(uri, text);
    const { diagnostics } = await published;
    const unknown = diagnostics.find((d) => d.code === 'netpol/unknown-field')!;
    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: unknown.range,
      context: { diagnostics: [unknown] },
    })) as CodeAction[];
    assert.deepStrictEqual(actions.map((a) => a.title), ["Change to 'from'"]);
    const edits = actions[0].edit!.changes![uri];
    const after = TextDocument.applyEdits(TextDocument.create(uri, 'yaml', 1, text), edits);
    assert.strictEqual(after, text.replace('  - form:', '  - from:'));
  });

  it('applies netpol.rules severities and the debounce setting from the client configuration', async () => {
    client.kill();
    client = new LspClient({ diagnostics: { delay: 0 }, rules: { 'netpol/unknown-field': 'off', 'netpol/invalid-port': 'warning' } });
    await client.initialize();
    const uri = 'file:///work/rules.yaml';
    const published = client.waitForDiagnostics(uri, (p) => p.diagnostics.length > 0);
    await client.open(uri, policy);
    const { diagnostics } = await published;
    assert.deepStrictEqual(
      diagnostics.map((d) => [d.code, d.severity]),
      [['netpol/invalid-port', DiagnosticSeverity.Warning]],
    );
  });

  it('clears diagnostics when a document closes and reports a file that is too large once', async () => {
    client.kill();
    client = new LspClient({ diagnostics: { delay: 0 }, maxFileSize: 2048 });
    await client.initialize();
    const uri = 'file:///work/large.yaml';
    const big = `${policy}---\n${'# filler line to pass the size limit\n'.repeat(100)}`;
    const published = client.waitForDiagnostics(uri, (p) => p.diagnostics.length > 0);
    await client.open(uri, big);
    const { diagnostics } = await published;
    assert.deepStrictEqual(diagnostics.map((d) => d.code), ['netpol/file-too-large']);
    const cleared = client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 0);
    await client.close(uri);
    await cleared;
  });

  it('answers requests for unknown documents without failing and stays up', async () => {
    await client.initialize();
    const actions = await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: 'file:///nowhere.yaml' },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [] },
    });
    assert.deepStrictEqual(actions, []);
    assert.strictEqual(client.exited, undefined);
    assert.strictEqual(await client.shutdown(), 0);
  });
});
