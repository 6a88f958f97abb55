import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { CodeLens } from 'vscode-languageserver-protocol';
import { LspClient } from '../helpers/lspClient';
import type { PanelNode, PolicyPanelResult } from '../../server/src/protocol';

const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db
  namespace: data
spec:
  podSelector:
    matchLabels:
      app: db
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app: api
`;

const pod = (name: string, app: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: data
  labels:
    app: ${app}
spec:
  containers:
  - name: main
    image: busybox
`;

function find(nodes: readonly PanelNode[], predicate: (node: PanelNode) => boolean): PanelNode | undefined {
  for (const node of nodes) {
    if (predicate(node)) return node;
    const inner = node.children && find(node.children, predicate);
    if (inner) return inner;
  }
  return undefined;
}

function labels(nodes: readonly PanelNode[] | undefined): string[] {
  return (nodes ?? []).map((n) => n.label);
}

/** The side panel's data as the real server answers it, following the workspace on disk. */
describe('side panel requests (netpol/policyPanel, code lens)', function () {
  this.timeout(20000);
  let dir: string;
  let client: LspClient;
  const changed = (file: string, type: 1 | 2 | 3) =>
    client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(dir, file)).toString(), type }] });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-panel-'));
    fs.writeFileSync(path.join(dir, 'db.yaml'), pod('db', 'db'));
    fs.writeFileSync(path.join(dir, 'api.yaml'), pod('api', 'api'));
    client = new LspClient({ diagnostics: { delay: 0 } });
  });

  afterEach(() => {
    client.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function panel(uri: string, line: number): Promise<PolicyPanelResult> {
    return (await client.connection.sendRequest('netpol/policyPanel', { uri, position: { line, character: 4 } })) as PolicyPanelResult;
  }

  /** Asks until the answer satisfies the predicate: the index follows file events asynchronously. */
  async function panelUntil(uri: string, line: number, predicate: (r: PolicyPanelResult) => boolean): Promise<PolicyPanelResult> {
    const deadline = Date.now() + 10000;
    for (;;) {
      const result = await panel(uri, line);
      if (predicate(result) || Date.now() > deadline) return result;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('shows what the policy at the cursor selects and who may reach it, through edits, renames and deletions', async () => {
    await client.initialize(dir);
    const uri = pathToFileURL(path.join(dir, 'policy.yaml')).toString();
    fs.writeFileSync(path.join(dir, 'policy.yaml'), policy);
    await client.open(uri, policy);
    await client.waitForDiagnostics(uri);

    let result = await panelUntil(uri, 8, (r) => r.index.files === 3);
    assert.strictEqual(result.policy?.id, 'data/db');
    assert.strictEqual(result.summary, 'selects 1 pod · isolates Ingress');
    assert.deepStrictEqual(labels(find(result.nodes, (n) => n.kind === 'selected')?.children), ['db']);
    const peer = find(result.nodes, (n) => n.kind === 'peer')!;
    assert.strictEqual(peer.label, 'pods labelled app=api in namespace data');
    assert.deepStrictEqual(labels(peer.children), ['api']);
    assert.strictEqual(peer.children![0].link?.uri, pathToFileURL(path.join(dir, 'api.yaml')).toString());

    // A second db pod appears on disk.
    fs.writeFileSync(path.join(dir, 'db-2.yaml'), pod('db-2', 'db'));
    await changed('db-2.yaml', 1);
    result = await panelUntil(uri, 8, (r) => r.summary === 'selects 2 pods · isolates Ingress');
    assert.deepStrictEqual(labels(find(result.nodes, (n) => n.kind === 'selected')?.children), ['db', 'db-2']);

    // The api pod's file is renamed (a delete and a create): the peer follows it to its new file.
    fs.renameSync(path.join(dir, 'api.yaml'), path.join(dir, 'api-pod.yaml'));
    await changed('api.yaml', 3);
    await changed('api-pod.yaml', 1);
    result = await panelUntil(uri, 8, (r) => find(r.nodes, (n) => n.kind === 'peer')?.children?.[0].link?.uri.endsWith('api-pod.yaml') === true);
    assert.deepStrictEqual(labels(find(result.nodes, (n) => n.kind === 'peer')?.children), ['api']);

    // It is deleted: the peer matches nothing.
    fs.rmSync(path.join(dir, 'api-pod.yaml'));
    await changed('api-pod.yaml', 3);
    result = await panelUntil(uri, 8, (r) => find(r.nodes, (n) => n.kind === 'peer')?.children?.[0].label === 'matches no pod in this workspace');
    assert.strictEqual(find(result.nodes, (n) => n.kind === 'peer')?.description, '0 pods');

    // Typing in the open document (unsaved) changes the answer at once.
    await client.change(uri, 2, [{ range: { start: { line: 8, character: 11 }, end: { line: 8, character: 13 } }, text: 'api' }]);
    result = await panel(uri, 8);
    assert.strictEqual(result.summary, 'selects 0 pods · isolates Ingress');

    // The code lens says the same, and opens the panel.
    const lenses = (await client.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as CodeLens[];
    assert.deepStrictEqual(
      lenses.map((l) => [l.range.start.line, l.command?.title, l.command?.command, l.command?.arguments]),
      [[0, 'selects 0 pods · isolates Ingress', 'netpol.showPolicy', [uri, 'data/db']]],
    );

    // Outside any policy, and for an unknown document: a message, not an error.
    const outside = await panel(pathToFileURL(path.join(dir, 'db.yaml')).toString(), 2);
    assert.strictEqual(outside.policy, undefined);
    assert.strictEqual(outside.message, 'No NetworkPolicy in this file.');
    const unknown = (await client.connection.sendRequest('netpol/policyPanel', { uri: 'file:///nowhere.yaml', position: { line: 0, character: 0 } })) as PolicyPanelResult;
    assert.strictEqual(unknown.message, 'Open a YAML file with a NetworkPolicy.');
    const malformed = (await client.connection.sendRequest('netpol/policyPanel', { uri: 42, position: 'x' })) as PolicyPanelResult;
    assert.strictEqual(malformed.policy, undefined);
  });
});
