// The harness itself: a real API server that stores objects, enforces the RBAC of the test
// users, writes an audit log, and comes back after a restart.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { startCluster } from './harness.mjs';

describe('cluster harness (real kube-apiserver)', function () {
  this.timeout(180000);
  let cluster;

  before(async () => {
    cluster = await startCluster();
  });

  after(async () => {
    await cluster?.stop();
  });

  it('serves the API with the CA and kubeconfigs it hands out', async () => {
    assert.match(cluster.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(fs.readFileSync(cluster.caFile, 'utf8').includes('BEGIN CERTIFICATE'));
    for (const user of ['reader', 'limited']) {
      const text = fs.readFileSync(cluster.kubeconfigs[user], 'utf8');
      assert.ok(text.includes(cluster.url) && text.includes(cluster.tokens[user]), `kubeconfig of ${user}`);
      assert.ok(text.includes(Buffer.from(cluster.caPem).toString('base64')));
    }
    const version = await cluster.get('/version');
    assert.match(version.gitVersion ?? '', /^v1\.\d+/);
  });

  it('stores a namespace, a pod, a service and a daemonset', async () => {
    await cluster.createNamespace('smoke', { team: 'smoke' });
    await cluster.createPod('smoke', 'web', { labels: { app: 'web' }, ports: [{ name: 'http', containerPort: 8080 }] });
    await cluster.createService('smoke', 'web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] });
    await cluster.createDaemonSet('smoke', 'agent');
    await cluster.createPod(cluster.restrictedNamespace, 'secret-pod');
    const pod = await cluster.get('/api/v1/namespaces/smoke/pods/web');
    assert.equal(pod.status.phase, 'Pending');
    const ds = await cluster.get('/apis/apps/v1/namespaces/smoke/daemonsets/agent');
    assert.equal(ds.metadata.name, 'agent');
  });

  it('lets reader list pods everywhere and keeps limited out of the restricted namespace', async () => {
    const { tokens, restrictedNamespace } = cluster;
    const asReader = await cluster.request('GET', '/api/v1/pods', { token: tokens.reader });
    assert.equal(asReader.status, 200, asReader.text);
    assert.ok(asReader.json.items.some((p) => p.metadata.name === 'web'));

    const allNamespaces = await cluster.request('GET', '/api/v1/pods', { token: tokens.limited });
    assert.equal(allNamespaces.status, 403, allNamespaces.text);
    const restricted = await cluster.request('GET', `/api/v1/namespaces/${restrictedNamespace}/pods`, { token: tokens.limited });
    assert.equal(restricted.status, 403, restricted.text);
    const elsewhere = await cluster.request('GET', '/api/v1/namespaces/smoke/pods', { token: tokens.limited });
    assert.equal(elsewhere.status, 200, elsewhere.text);
    const services = await cluster.request('GET', '/api/v1/services', { token: tokens.limited });
    assert.equal(services.status, 200, services.text);
    const policies = await cluster.request('GET', '/apis/networking.k8s.io/v1/networkpolicies', { token: tokens.limited });
    assert.equal(policies.status, 200, policies.text);
    const write = await cluster.request('POST', '/api/v1/namespaces/smoke/configmaps', {
      token: tokens.reader,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nope' } },
    });
    assert.equal(write.status, 403, write.text);
  });

  it('records those requests in the audit log', async () => {
    const readerList = await cluster.waitForAudit({ user: 'reader', verb: 'list', resource: 'pods' });
    assert.equal(readerList[0].responseStatus.code, 200);
    const denied = await cluster.waitForAudit({ user: 'limited', verb: 'list', resource: 'pods', namespace: cluster.restrictedNamespace });
    assert.equal(denied[0].responseStatus.code, 403);
    const created = await cluster.readAudit({ user: 'reader', verb: 'create' });
    assert.ok(created.length >= 1);
    assert.ok(created.every((e) => e.responseStatus.code === 403));
  });

  it('comes back on the same address after restartApiServer()', async () => {
    const before = cluster.url;
    const started = Date.now();
    await cluster.restartApiServer();
    assert.equal(cluster.url, before);
    const again = await cluster.request('GET', '/api/v1/namespaces/smoke/pods', { token: cluster.tokens.reader });
    assert.equal(again.status, 200, again.text);
    assert.ok(again.json.items.some((p) => p.metadata.name === 'web'), 'the pod survived the restart (etcd kept it)');
    await cluster.waitForAudit((e) => e.user?.username === 'reader' && e.verb === 'list' && e.objectRef?.namespace === 'smoke' && Date.parse(e.stageTimestamp) >= started - 1000);
  });

  it('deletes objects by path, by object and by kind/name', async () => {
    await cluster.createPod('smoke', 'temp-a');
    await cluster.createPod('smoke', 'temp-b');
    await cluster.createPod('smoke', 'temp-c');
    await cluster.del('/api/v1/namespaces/smoke/pods/temp-a');
    await cluster.del({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'temp-b', namespace: 'smoke' } });
    await cluster.del('po/temp-c', 'smoke');
    assert.equal(await cluster.del('pod/never-existed', 'smoke'), undefined);
    const left = await cluster.get('/api/v1/namespaces/smoke/pods');
    // Deleted pods with no kubelet go at once (no node to wait for).
    assert.deepEqual(left.items.map((p) => p.metadata.name).filter((n) => n.startsWith('temp-')), []);
  });
});
