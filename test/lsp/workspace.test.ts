import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { Hover } from 'vscode-languageserver-protocol';
import { LspClient } from '../helpers/lspClient';

const cartPolicy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: cart
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: cart
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          team: ops
      podSelector:
        matchLabels:
          role: probe
`;

const pod = (name: string, app: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: shop
  labels:
    app: ${app}
spec:
  containers:
  - name: main
    image: busybox
`;

describe('language server with a workspace folder', function () {
  this.timeout(20000);
  let dir: string;
  let client: LspClient;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-ws-'));
    fs.writeFileSync(path.join(dir, 'web.yaml'), pod('web', 'web'));
    fs.mkdirSync(path.join(dir, 'chart', 'templates'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'chart', 'Chart.yaml'), 'name: chart\n');
    fs.writeFileSync(path.join(dir, 'chart', 'templates', 'pod.yaml'), pod('{{ .Values.name }}', 'cart'));
    client = new LspClient({ diagnostics: { delay: 0 } });
  });

  afterEach(() => {
    client.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('judges a policy with the pods of the workspace files, skips templates, and follows file changes', async () => {
    await client.initialize(dir);
    const uri = pathToFileURL(path.join(dir, 'cart-policy.yaml')).toString();
    fs.writeFileSync(path.join(dir, 'cart-policy.yaml'), cartPolicy);
    const flagged = client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'netpol/selects-nothing'));
    await client.open(uri, cartPolicy);
    const { diagnostics } = await flagged;
    const nothing = diagnostics.find((d) => d.code === 'netpol/selects-nothing')!;
    assert.strictEqual(nothing.range.start.line, 6);
    assert.match(String(nothing.message), /none of the 1 pod the workspace defines in namespace shop \(web\)/);

    // A pod labelled app=cart appears on disk: the policy now selects it.
    fs.writeFileSync(path.join(dir, 'cart.yaml'), pod('cart', 'cart'));
    const cleared = client.waitForDiagnostics(uri, (p) => !p.diagnostics.some((d) => d.code === 'netpol/selects-nothing'));
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(dir, 'cart.yaml')).toString(), type: 1 }] });
    await cleared;

    const hover = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 15, character: 8 } })) as Hover;
    const value = (hover.contents as { value: string }).value;
    assert.match(value, /\*\*AND\*\* \(one list item\): from pods labelled role=probe that are also in namespaces labelled team=ops/);
    assert.ok(client.logs.some((line) => /Indexed \d+ YAML files .*1 template files skipped/.test(line)), client.logs.join('\n'));
  });
});
