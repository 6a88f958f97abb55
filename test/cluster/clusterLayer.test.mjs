// The live-cluster layer against a real kube-apiserver: lookups through the model (hovers,
// completion, the DNS quick fix, the CNI), watches, RBAC 403s named per resource, the API
// server going away and coming back, credentials never printed, kubeconfig exec plugins
// never run while off or untrusted, and, from the audit log, only get/list/watch from us.
// Everything goes through the shipped bundles: dist/server.js loading dist/cluster.js.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCluster } from './harness.mjs';
import { LspDriver } from './lspDriver.mjs';

const NS = 'np-shop';

const webPolicy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: ${NS}
spec:
  podSelector:
    matchLabels:
      app: web
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector:
        matchLabels:
          role: 
`;

const egressPolicy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-egress
  namespace: ${NS}
spec:
  podSelector:
    matchLabels:
      app: web
  policyTypes: [Egress]
  egress:
  - to:
    - podSelector:
        matchLabels:
          app: db
`;

/** Prints a figure for the report. */
function figure(name, value) {
  process.stdout.write(`      figure: ${name}: ${value}\n`);
}

describe('live cluster layer (real kube-apiserver)', function () {
  this.timeout(180000);
  let cluster;
  let dir;
  const drivers = [];

  function driver(kubeconfig, settings, trusted = true) {
    const d = new LspDriver({ settings: { diagnostics: { delay: 0 }, ...settings }, trusted, env: { KUBECONFIG: kubeconfig, HOME: dir } });
    drivers.push(d);
    return d;
  }

  before(async () => {
    cluster = await startCluster();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-cluster-layer-'));
    await cluster.createNamespace(NS, { team: 'shop' });
    await cluster.createPod(NS, 'web-1', { labels: { app: 'web', tier: 'front' }, ports: [{ name: 'http', containerPort: 8080 }] });
    await cluster.createPod(NS, 'db-1', { labels: { app: 'db' }, ports: [{ name: 'pg', containerPort: 5432 }] });
    await cluster.createPod(NS, 'client-1', { labels: { role: 'frontend-client' } });
    await cluster.createPod(cluster.restrictedNamespace, 'vault-1', { labels: { app: 'vault' } });
    await cluster.createPod('kube-system', 'coredns-np-1', { labels: { 'k8s-app': 'coredns', 'pod-template-hash': 'np' }, ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }] });
    await cluster.createService(NS, 'web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] });
    await cluster.createDaemonSet('kube-system', 'calico-node', { labels: { 'k8s-app': 'calico-node' }, image: 'docker.io/calico/node:v3.28.0' });
    await cluster.createNetworkPolicy(NS, 'live-deny', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] });
  });

  after(async () => {
    for (const d of drivers) await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    await cluster?.stop();
  });

  it('shows live pods in hovers, cluster labels in completion, the CNI and the DNS pods, as the reader user', async () => {
    const d = driver(cluster.kubeconfigs.reader, { cluster: { enabled: true } });
    const started = Date.now();
    await d.initialize();
    const status = await d.until('connected', () => d.statuses.find((s) => s.state === 'connected' && s.initialSyncMs !== undefined && s.counts.pods >= 5));
    figure('initial list (5 resources, reader, all namespaces)', `${status.initialSyncMs} ms (status after ${Date.now() - started} ms from server start)`);
    assert.deepEqual(status.forbidden, []);
    assert.equal(status.cni?.name, 'Calico');
    assert.equal(status.cni?.enforces, true);
    assert.deepEqual(status.dns, { namespace: 'kube-system', labels: { 'k8s-app': 'coredns' }, pods: 1, ready: 0 });

    const uri = 'file:///np/web-policy.yaml';
    await d.open(uri, webPolicy);
    const hover = await d.until('live pods in the hover', async () => {
      const text = await d.hoverText(uri, 8, 8);
      return text.includes(`${NS}/web-1`) && text;
    });
    assert.ok(hover.includes('(live)'), hover);
    assert.ok(!hover.includes(`${NS}/db-1`), hover);
    // The other policies selecting these pods include the one already in the cluster.
    assert.ok(hover.includes('live-deny'), hover);
    const labels = await d.completionLabels(uri, 14, 16);
    assert.ok(labels.includes('frontend-client'), labels.join(', '));

    // Egress isolation without DNS: the quick fix uses the labels the cluster's DNS pods carry,
    // and the warning notes that none of them is ready.
    const egressUri = 'file:///np/egress.yaml';
    await d.open(egressUri, egressPolicy);
    const dnsDiagnostic = await d.until('DNS warning', () => (d.diagnostics.get(egressUri) ?? []).find((x) => x.code === 'netpol/dns-egress-blocked'));
    assert.match(dnsDiagnostic.message, /no ready pod/);
    const actions = await d.codeActions(egressUri, dnsDiagnostic.range, [dnsDiagnostic]);
    const addRule = actions.find((a) => /Allow DNS egress: add a rule/.test(a.title));
    assert.ok(addRule, actions.map((a) => a.title).join('; '));
    const inserted = JSON.stringify(addRule.edit);
    assert.ok(inserted.includes('k8s-app: coredns'), inserted);
  });

  it('sees a new pod and a label change through the watch within seconds', async () => {
    const d = driver(cluster.kubeconfigs.reader, { cluster: { enabled: true } });
    await d.initialize();
    await d.until('connected', () => d.statuses.find((s) => s.state === 'connected' && s.counts.pods >= 5));
    const uri = 'file:///np/watch.yaml';
    await d.open(uri, webPolicy);
    let t0 = Date.now();
    await cluster.createPod(NS, 'web-2', { labels: { app: 'web' } });
    await d.until('new pod', async () => (await d.hoverText(uri, 8, 8)).includes(`${NS}/web-2`), 10000);
    const added = Date.now() - t0;
    t0 = Date.now();
    await cluster.createPod(NS, 'db-1', { labels: { app: 'web', was: 'db' }, ports: [{ name: 'pg', containerPort: 5432 }] });
    await d.until('label change', async () => (await d.hoverText(uri, 8, 8)).includes(`${NS}/db-1`), 10000);
    const relabelled = Date.now() - t0;
    figure('watch latency, pod created -> hover', `${added} ms`);
    figure('watch latency, label changed -> hover', `${relabelled} ms`);
    assert.ok(added < 5000 && relabelled < 5000);
    await cluster.createPod(NS, 'db-1', { labels: { app: 'db' }, ports: [{ name: 'pg', containerPort: 5432 }] });
  });

  it('names the forbidden resource precisely for the limited user and keeps the rest working', async () => {
    const d = driver(cluster.kubeconfigs.limited, { cluster: { enabled: true } });
    await d.initialize();
    const status = await d.until('forbidden named', () => d.statuses.find((s) => s.state === 'connected' && s.forbidden.length > 0 && s.counts.pods >= 3));
    assert.deepEqual(status.forbidden, [`forbidden: cannot list pods in namespace ${cluster.restrictedNamespace}`]);
    assert.ok(status.counts.services >= 1 && status.counts.networkPolicies >= 1 && status.counts.namespaces >= 3, JSON.stringify(status.counts));
    assert.equal(status.cni?.name, 'Calico');
    const uri = 'file:///np/limited.yaml';
    await d.open(uri, webPolicy);
    await d.until('live pods for limited', async () => (await d.hoverText(uri, 8, 8)).includes(`${NS}/web-1`));
    assert.equal(d.logs.filter((l) => l.includes(`cannot list pods in namespace ${cluster.restrictedNamespace}`)).length, 1, d.logs.join('\n'));
  });

  it('says once that the API server is gone, and recovers the cache when it comes back', async () => {
    const d = driver(cluster.kubeconfigs.reader, { cluster: { enabled: true } });
    await d.initialize();
    await d.until('connected', () => d.statuses.find((s) => s.state === 'connected' && s.counts.pods >= 5));
    await cluster.stopApiServer();
    const down = Date.now();
    const unreachable = await d.until('unreachable', () => d.statuses.find((s) => s.state === 'unreachable'));
    figure('API server stopped -> status unreachable', `${Date.now() - down} ms`);
    assert.match(unreachable.message, /^cluster unreachable: /);
    await new Promise((r) => setTimeout(r, 4000));
    await cluster.startApiServer();
    const up = Date.now();
    await d.until('connected again', () => d.statuses.at(-1)?.state === 'connected');
    figure('API server ready -> status connected', `${Date.now() - up} ms`);
    const uri = 'file:///np/restart.yaml';
    await d.open(uri, webPolicy);
    const created = Date.now();
    await cluster.createPod(NS, 'web-after-restart', { labels: { app: 'web' } });
    await d.until('pod created after the restart', async () => (await d.hoverText(uri, 8, 8)).includes(`${NS}/web-after-restart`), 15000);
    figure('after the restart, pod created -> hover', `${Date.now() - created} ms`);
    assert.equal(d.logs.filter((l) => /unreachable/.test(l)).length, 1, d.logs.join('\n'));
    // The reason may change as the server comes back (refused, then no answer while it starts),
    // but not with every retry.
    assert.ok(d.statuses.filter((s) => s.state === 'unreachable').length <= 4, `no storm of status notifications: ${JSON.stringify(d.statuses.filter((s) => s.state === 'unreachable').map((s) => [s.message, s.forbidden.length, s.counts.pods, s.cni?.message]))}`);
  });

  it('reports rejected credentials clearly and never prints a credential anywhere', async () => {
    const bogus = 'bogus-token-0123456789abcdefghij';
    const badConfig = path.join(dir, 'bad-kubeconfig');
    fs.writeFileSync(badConfig, fs.readFileSync(cluster.kubeconfigs.reader, 'utf8').replace(cluster.tokens.reader, bogus));
    const d = driver(badConfig, { cluster: { enabled: true } });
    await d.initialize();
    const status = await d.until('unauthorized', () => d.statuses.find((s) => s.state === 'unauthorized'));
    assert.match(status.message, /credentials rejected/);
    await new Promise((r) => setTimeout(r, 1000));
    const secrets = [bogus, cluster.tokens.reader, cluster.tokens.limited, cluster.tokens.admin];
    for (const other of drivers) {
      const everything = other.everything();
      for (const secret of secrets) assert.ok(!everything.includes(secret), 'a token appeared in the server output');
    }
  });

  it('never runs a kubeconfig exec plugin while the feature is off or the workspace is untrusted', async () => {
    const marker = path.join(dir, 'exec-plugin-ran');
    const plugin = path.join(dir, 'plugin.cjs');
    fs.writeFileSync(
      plugin,
      `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n` +
        `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: ${JSON.stringify(cluster.tokens.reader)} } }));\n`,
    );
    const base = fs.readFileSync(cluster.kubeconfigs.reader, 'utf8');
    const execConfig = path.join(dir, 'exec-kubeconfig');
    const userBlock = /users:\n- name: ([^\n]+)\n  user:\n(    [^\n]*\n)+/.exec(base);
    assert.ok(userBlock, base.replace(cluster.tokens.reader, '<token>'));
    const execUser = `users:\n- name: ${userBlock[1]}\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: ${JSON.stringify(process.execPath)}\n      args: [${JSON.stringify(plugin)}]\n      interactiveMode: Never\n`;
    fs.writeFileSync(execConfig, base.replace(userBlock[0], execUser));
    assert.ok(!fs.readFileSync(execConfig, 'utf8').includes(cluster.tokens.reader));

    const off = driver(execConfig, {}, true);
    await off.initialize();
    await off.open('file:///np/off.yaml', webPolicy);
    await off.connection.sendRequest('netpol/clusterContexts');
    const untrusted = driver(execConfig, { cluster: { enabled: true } }, false);
    await untrusted.initialize();
    await untrusted.open('file:///np/untrusted.yaml', webPolicy);
    await untrusted.until('untrusted state', () => untrusted.statuses.find((s) => s.state === 'untrusted'));
    await new Promise((r) => setTimeout(r, 2000));
    assert.ok(!fs.existsSync(marker), 'an exec plugin ran while the feature was off or the workspace untrusted');

    // The positive control: trusted and on, the plugin runs and the cluster is read.
    await untrusted.trust();
    await untrusted.until('connected through the plugin', () => untrusted.statuses.find((s) => s.state === 'connected' && s.counts.pods >= 5));
    assert.ok(fs.existsSync(marker));
  });

  it('issued only get, list and watch requests (the audit log)', async () => {
    const ours = await cluster.readAudit((e) => typeof e.userAgent === 'string' && e.userAgent.startsWith('netpol-inspector'));
    assert.ok(ours.length > 20, `${ours.length} audit events from us`);
    const verbs = [...new Set(ours.map((e) => e.verb))].sort();
    figure('audit events from netpol-inspector', `${ours.length}, verbs ${verbs.join(', ')}`);
    assert.deepEqual(verbs.filter((v) => !['get', 'list', 'watch'].includes(v)), []);
    assert.ok(verbs.includes('list') && verbs.includes('watch'));
    // Requests with the bogus token were refused (401) before any user was known.
    const users = [...new Set(ours.filter((e) => e.responseStatus?.code !== 401).map((e) => e.user?.username))].sort();
    assert.deepEqual(users.filter((u) => !['reader', 'limited'].includes(u)), [], users.join(', '));
  });
});
