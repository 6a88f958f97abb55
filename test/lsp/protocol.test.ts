import * as assert from 'assert';
import { LspClient } from '../helpers/lspClient';

const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector: {}
  ingress:
  - ports:
    - port: 70000
`;

// Abuse of the protocol: the server answers with errors or nothing, and stays up.
describe('language server under protocol abuse', function () {
  this.timeout(20000);
  let client: LspClient;

  beforeEach(() => {
    client = new LspClient({ diagnostics: { delay: 0 } });
  });

  afterEach(() => client.kill());

  it('survives malformed JSON-RPC, out-of-range positions, stale changes and a flood of cancellations', async () => {
    await client.initialize();
    // A frame whose body is not JSON, written straight to the server's input.
    const garbage = '{"jsonrpc": "2.0", "method": tru';
    client.process.stdin!.write(`Content-Length: ${Buffer.byteLength(garbage)}\r\n\r\n${garbage}`);

    const uri = 'file:///abuse.yaml';
    const first = client.waitForDiagnostics(uri, (p) => p.diagnostics.length > 0);
    await client.open(uri, policy, 5);
    await first;

    for (const position of [{ line: 9999, character: 0 }, { line: 0, character: 9999 }, { line: -1, character: -5 }]) {
      await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position });
      await client.connection.sendRequest('textDocument/completion', { textDocument: { uri }, position });
      await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: { start: position, end: position }, context: { diagnostics: [] } });
    }
    // Requests for a document that was never opened.
    assert.strictEqual(await client.connection.sendRequest('textDocument/hover', { textDocument: { uri: 'file:///nope.yaml' }, position: { line: 0, character: 0 } }), null);

    // A change that claims an older version, with a range past the end.
    await client.change(uri, 2, [{ range: { start: { line: 500, character: 0 }, end: { line: 600, character: 0 } }, text: 'x' }]);
    for (let id = 0; id < 500; id++) await client.connection.sendNotification('$/cancelRequest', { id });

    // Still up and still answering: a real change is validated.
    const fixed = client.waitForDiagnostics(uri, (p) => p.version === 7 && !p.diagnostics.some((d) => d.code === 'netpol/invalid-port'));
    await client.change(uri, 7, [{ text: policy.replace('70000', '8080') }]);
    await fixed;
    assert.strictEqual(client.exited, undefined);
    assert.strictEqual(await client.shutdown(), 0);
  });
});
