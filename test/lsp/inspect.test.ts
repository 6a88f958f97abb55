import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { ConnectivityChecksResult, EndpointsResult, ExplainConnectionResult } from '../../server/src/protocol';
import { LspClient } from '../helpers/lspClient';

const workloads = `apiVersion: v1
kind: Namespace
metadata: {name: store}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: store}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: api:1
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: storefront, namespace: store}
spec:
  selector: {matchLabels: {app: storefront}}
  template:
    metadata: {labels: {app: storefront}}
    spec:
      containers: [{name: storefront, image: storefront:1}]
`;

const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-allow-metrics
  namespace: store
spec:
  podSelector:
    matchLabels:
      app: api
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: monitoring
`;

/** "Why is A -> B blocked?" and "Generate connectivity checks" through the real server. */
describe('inspector requests: netpol/endpoints, netpol/explainConnection, netpol/connectivityChecks', function () {
  this.timeout(20000);
  let dir: string;
  let client: LspClient;
  let policyUri: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-inspect-'));
    fs.writeFileSync(path.join(dir, 'workloads.yaml'), workloads);
    fs.writeFileSync(path.join(dir, 'policy.yaml'), policy);
    policyUri = pathToFileURL(path.join(dir, 'policy.yaml')).toString();
    client = new LspClient({ diagnostics: { delay: 0 } });
  });

  afterEach(() => {
    client.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const request = <T>(method: string, params: unknown) => client.connection.sendRequest(method, params) as Promise<T>;
  const explain = () => request<ExplainConnectionResult>('netpol/explainConnection', { from: 'store/storefront', to: 'store/api', port: 'http' });

  async function until<T>(get: () => Promise<T>, predicate: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + 10000;
    for (;;) {
      const value = await get();
      if (predicate(value) || Date.now() > deadline) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('explains a denied connection from the indexed files, offers a fix for the file on disk, and follows the file and the open document', async () => {
    await client.initialize(dir);
    const endpoints = await until(
      () => request<EndpointsResult>('netpol/endpoints', {}),
      (r) => r.endpoints.length >= 2,
    );
    assert.deepStrictEqual(
      endpoints.endpoints.map((e) => e.id),
      ['store/Deployment/api', 'store/Deployment/storefront', 'kube-system/cluster-dns'],
    );
    assert.deepStrictEqual(endpoints.endpoints[0].ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);

    const denied = await until(explain, (r) => r.error === undefined);
    assert.strictEqual(denied.allowed, false);
    assert.strictEqual(denied.verdict, 'store/Deployment/storefront -> store/Deployment/api on TCP 8080 (http): denied by the ingress side');
    assert.match(denied.markdown, /\*\*Default deny \(cause 1\)\.\*\*/);
    assert.ok(denied.links.some((l) => l.link.uri === policyUri && l.label === 'store/api-allow-metrics: isolates ingress'));
    assert.deepStrictEqual(
      denied.fixes.map((f) => f.title),
      ['Insert ingress rule in store/api-allow-metrics'],
    );
    const edits = denied.fixes[0].edit.changes?.[policyUri];
    assert.ok(edits && edits.length === 1, 'the edit is for the policy file, which is not open');
    const fixed = TextDocument.applyEdits(TextDocument.create(policyUri, 'yaml', 1, policy), edits);
    assert.ok(
      fixed.endsWith(`          kubernetes.io/metadata.name: monitoring
  - from:
    - podSelector:
        matchLabels:
          app: storefront
    ports:
    - protocol: TCP
      port: http
`),
      fixed,
    );

    // The fix saved to disk: the index picks it up and the connection is allowed.
    fs.writeFileSync(path.join(dir, 'policy.yaml'), fixed);
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: policyUri, type: 2 }] });
    const allowed = await until(explain, (r) => r.allowed);
    assert.strictEqual(allowed.allowed, true, allowed.markdown);
    assert.deepStrictEqual(allowed.fixes, []);

    // Unsaved text wins over the disk: the open document without the rule denies again, and
    // the fix is computed against the open text.
    const edited = policy.replace('monitoring', 'observability');
    await client.open(policyUri, edited);
    const again = await until(explain, (r) => !r.allowed);
    assert.strictEqual(again.allowed, false);
    const after = TextDocument.applyEdits(TextDocument.create(policyUri, 'yaml', 1, edited), again.fixes[0].edit.changes![policyUri]);
    assert.match(after, /kubernetes.io\/metadata.name: observability\n {2}- from:\n {4}- podSelector:/);

    // Connectivity checks for the policy at a position of the open document, and by id.
    const atCursor = await request<ConnectivityChecksResult>('netpol/connectivityChecks', { uri: policyUri, position: { line: 7, character: 6 } });
    assert.match(atCursor.text ?? '', /^#!\/bin\/sh\n# Connectivity checks for NetworkPolicy store\/api-allow-metrics\n/);
    assert.match(atCursor.text ?? '', /# 1\. Nothing allows this \(ingress\): store\/Deployment\/storefront -> store\/Deployment\/api TCP 8080 \(http\)/);
    assert.match(atCursor.text ?? '', /kubectl run np-check-1 -n store --rm -i --restart=Never --image=busybox:1.36 --labels=app=storefront -- wget --spider --timeout=1 -q "http:\/\/\$ip:8080"/);
    const byId = await request<ConnectivityChecksResult>('netpol/connectivityChecks', { uri: policyUri, policyId: 'store/api-allow-metrics' });
    assert.strictEqual(byId.text, atCursor.text);
    const workloadsUri = pathToFileURL(path.join(dir, 'workloads.yaml')).toString();
    const nowhere = await request<ConnectivityChecksResult>('netpol/connectivityChecks', { uri: workloadsUri, position: { line: 0, character: 0 } });
    assert.deepStrictEqual(nowhere, { message: 'No NetworkPolicy at the cursor: place it inside a NetworkPolicy manifest.' });
  });

  it('answers unresolvable and malformed requests with an error, and stays up', async () => {
    await client.initialize(dir);
    const ghost = await request<ExplainConnectionResult>('netpol/explainConnection', { from: 'store/ghost', to: 'store/api', port: 80 });
    assert.match(ghost.error ?? '', /^Source store\/ghost: no such pod or workload in the workspace/);
    for (const params of [null, {}, { from: 1 }, { from: 'store/api', to: 'store/api', port: 'nope' }]) {
      const result = await request<ExplainConnectionResult>('netpol/explainConnection', params);
      assert.ok(result.error, JSON.stringify(params));
    }
    const checks = await request<ConnectivityChecksResult>('netpol/connectivityChecks', { uri: 'file:///nowhere.yaml', position: { line: 0, character: 0 } });
    assert.ok(checks.message);
    assert.ok((await request<EndpointsResult>('netpol/endpoints', null)).endpoints);
    assert.strictEqual(client.exited, undefined);
  });
});
