import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { LspClient } from '../helpers/lspClient';
import type { ReachabilityResult } from '../../server/src/protocol';

const pods = `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
---
apiVersion: v1
kind: Pod
metadata: {name: job, namespace: batch, labels: {app: job}}
`;

const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 5432}]
`;

/** The reachability view's request as the real server answers it, following the open documents as they change. */
describe('reachability request (netpol/reachability)', function () {
  this.timeout(20000);
  let dir: string;
  let client: LspClient;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-reach-'));
    fs.writeFileSync(path.join(dir, 'pods.yaml'), pods);
    client = new LspClient({ diagnostics: { delay: 0 } });
  });

  afterEach(() => {
    client.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const reach = async (params: unknown) => (await client.connection.sendRequest('netpol/reachability', params)) as ReachabilityResult;

  async function reachUntil(params: unknown, predicate: (r: ReachabilityResult) => boolean): Promise<ReachabilityResult> {
    const deadline = Date.now() + 10000;
    for (;;) {
      const result = await reach(params);
      if (predicate(result) || Date.now() > deadline) return result;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('answers the grid for the chosen namespaces and follows edits of an open policy', async () => {
    await client.initialize(dir);
    const uri = pathToFileURL(path.join(dir, 'policy.yaml')).toString();
    fs.writeFileSync(path.join(dir, 'policy.yaml'), policy);
    await client.open(uri, policy);
    await client.waitForDiagnostics(uri);

    const params = { namespaces: ['shop'], port: 5432, protocol: 'TCP' };
    let result = await reachUntil(params, (r) => r.pods.length === 2);
    assert.deepStrictEqual(result.namespaces, ['batch', 'shop']);
    assert.deepStrictEqual(
      result.pods.map((p) => p.id),
      ['shop/db', 'shop/web'],
    );
    assert.strictEqual(result.pods[0].link?.uri, pathToFileURL(path.join(dir, 'pods.yaml')).toString());
    // rows: from; columns: to. web -> db allowed, db -> db denied (db is isolated), anything -> web allowed.
    assert.deepStrictEqual(result.allowed, [
      [false, true],
      [true, true],
    ]);

    // Every namespace when none is chosen.
    result = await reach({ port: 5432, protocol: 'TCP' });
    assert.deepStrictEqual(
      result.pods.map((p) => p.id),
      ['batch/job', 'shop/db', 'shop/web'],
    );

    // Typing a different port into the policy (unsaved): the grid follows at once.
    await client.change(uri, 2, [{ range: { start: { line: 7, character: 19 }, end: { line: 7, character: 23 } }, text: '5433' }]);
    result = await reach(params);
    assert.deepStrictEqual(result.allowed, [
      [false, true],
      [false, true],
    ]);

    // Malformed parameters: an answer without a grid, and the server stays up.
    for (const bad of [{ port: 0, protocol: 'TCP' }, { port: 'x' }, null, 42, { namespaces: 'shop', port: 70000 }]) {
      const answer = await reach(bad);
      assert.deepStrictEqual(answer.pods, [], JSON.stringify(bad));
      assert.ok(answer.truncated, JSON.stringify(bad));
    }
    result = await reach({ ...params, port: 5433, protocol: 'TCP' });
    assert.strictEqual(result.allowed[1][0], true);
  });
});
