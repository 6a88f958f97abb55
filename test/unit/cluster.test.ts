import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { ClusterStatus } from '../../server/src/clusterProtocol';
import { clearSecrets, redact, registerSecret } from '../../server/src/cluster/redact';
import { ClusterSource, ClusterSourceOptions } from '../../server/src/cluster/source';
import { ApiTransport, buildReadRequest, ConnectionProvider, RefusedRequestError } from '../../server/src/cluster/transport';
import { Reflector } from '../../server/src/cluster/reflector';
import { objectFile } from '../../server/src/service/parse/objectFile';
import { trimNetworkPolicy } from '../../server/src/cluster/trim';
import { readSettings } from '../../server/src/settings';
import { trimPod } from '../../server/src/cluster/trim';
import { parseFile } from '../../server/src/service/parse/parseFile';
import { buildClusterModel } from '../../server/src/service/model/build';
import { daemonSet, FakeApiServer, namespace, pod } from '../helpers/fakeApiServer';

const TOKEN = 'sekret-token-0123456789abcdef';

function provider(server: FakeApiServer, token = TOKEN, calls?: { n: number }): ConnectionProvider {
  return async () => {
    if (calls) calls.n++;
    return { server: server.url, options: { headers: { Authorization: `Bearer ${token}` } } };
  };
}

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Harness {
  source: ClusterSource;
  logs: string[];
  statuses: ClusterStatus[];
  changes: number;
}

function startSource(server: FakeApiServer, overrides: Partial<ClusterSourceOptions> = {}): Harness {
  const h: Harness = { source: undefined as unknown as ClusterSource, logs: [], statuses: [], changes: 0 };
  h.source = new ClusterSource({
    namespaces: [],
    timeoutMs: 1000,
    log: (m) => h.logs.push(m),
    onChange: () => h.changes++,
    onStatus: (s) => h.statuses.push(s),
    connection: { server: server.url, context: 'test', provider: provider(server) },
    debounceMs: 10,
    backoff: { initialMs: 20, maxMs: 200, deniedMs: 200 },
    ...overrides,
  });
  h.source.start();
  return h;
}

function podNames(source: ClusterSource): string[] {
  const model = buildClusterModel(source.files().map((f) => ({ file: f.uri, parsed: objectFile(f.objects) })));
  return model.pods.filter((p) => p.kind === 'Pod').map((p) => p.id).sort();
}

describe('cluster layer: the read-only gate', () => {
  const refusedVerbs = ['create', 'update', 'patch', 'delete', 'deletecollection', 'proxy', 'connect', 'escalate', 'bind', 'impersonate', 'approve', 'sign', 'use', '*', 'GET', 'LIST', 'post', 'put', 'head', 'options', '', ' get', 'get ', 'watchlist', 'exec'];

  it('refuses every verb but get, list and watch before any network I/O or credential lookup', async () => {
    const server = new FakeApiServer();
    await server.start();
    const calls = { n: 0 };
    try {
      const transport = new ApiTransport(provider(server, TOKEN, calls));
      for (const verb of refusedVerbs) {
        assert.throws(
          () => transport.send(verb, { group: '', version: 'v1', resource: 'pods', namespace: 'shop', name: verb === 'create' ? undefined : 'web' }, {}, { timeoutMs: 1000, onEvent: () => undefined }),
          RefusedRequestError,
          `verb ${JSON.stringify(verb)} must be refused`,
        );
      }
      // Reads that could reach a subresource, another resource, or smuggle a parameter.
      const sneaky: [string, Record<string, unknown>, Record<string, unknown>][] = [
        ['get', { group: '', version: 'v1', resource: 'pods', namespace: 'shop', name: 'web/exec' }, {}],
        ['get', { group: '', version: 'v1', resource: 'pods', namespace: 'shop', name: 'web/proxy' }, {}],
        ['get', { group: '', version: 'v1', resource: 'pods/exec', namespace: 'shop', name: 'web' }, {}],
        ['list', { group: '', version: 'v1', resource: 'secrets' }, {}],
        ['list', { group: '', version: 'v1', resource: 'pods', namespace: '../..' }, {}],
        ['list', { group: '', version: 'v1', resource: 'pods', namespace: 'shop' }, { dryRun: 'All' }],
        ['list', { group: '', version: 'v1', resource: 'pods', namespace: 'shop' }, { watch: '1' }],
        ['list', { group: '', version: 'v1', resource: 'pods', name: 'web' }, {}],
        ['list', { group: '../api', version: 'v1', resource: 'pods' }, {}],
        ['list', { group: '', version: 'v1/../../x', resource: 'pods' }, {}],
        ['get', { group: '', version: 'v1', resource: 'pods', namespace: 'shop' }, {}],
      ];
      for (const [verb, ref, query] of sneaky) {
        assert.throws(() => transport.send(verb, ref as never, query as never, { timeoutMs: 1000, onEvent: () => undefined }), RefusedRequestError, JSON.stringify([verb, ref, query]));
      }
      await new Promise((r) => setTimeout(r, 50));
      assert.strictEqual(server.connections, 0, 'no connection was opened');
      assert.strictEqual(server.requests.length, 0);
      assert.strictEqual(calls.n, 0, 'no credential was obtained');

      // The three read verbs go through, always as GET.
      server.put('pods', pod('shop', 'web', { app: 'web' }));
      await transport.send('get', { group: '', version: 'v1', resource: 'pods', namespace: 'shop', name: 'web' }, {}, { timeoutMs: 1000 }).catch(() => undefined);
      await transport.send('list', { group: '', version: 'v1', resource: 'pods', namespace: 'shop' }, { limit: 10 }, { timeoutMs: 1000 });
      const controller = new AbortController();
      const watching = transport.send('watch', { group: '', version: 'v1', resource: 'pods' }, { timeoutSeconds: 1 }, { timeoutMs: 1000, signal: controller.signal, onEvent: () => undefined });
      setTimeout(() => controller.abort(), 100);
      await watching.catch(() => undefined);
      assert.ok(server.requests.length >= 3);
      assert.ok(server.requests.every((r) => r.method === 'GET'));
      assert.deepStrictEqual(
        transport.history.map((h) => h.verb),
        ['get', 'list', 'watch'],
      );
    } finally {
      await server.stop();
    }
  });

  it('builds request paths only from a verb and a resource reference', () => {
    assert.deepStrictEqual(buildReadRequest('list', { group: '', version: 'v1', resource: 'pods' }, { limit: 500 }), { path: '/api/v1/pods?limit=500', verb: 'list' });
    assert.deepStrictEqual(buildReadRequest('watch', { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', namespace: 'shop' }, { resourceVersion: '7' }), {
      path: '/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies?resourceVersion=7&watch=1',
      verb: 'watch',
    });
    assert.deepStrictEqual(buildReadRequest('get', { group: '', version: 'v1', resource: 'namespaces', name: 'shop' }), { path: '/api/v1/namespaces/shop', verb: 'get' });
  });

  it('is the only code in the cluster layer that issues requests', () => {
    const dir = path.resolve(__dirname, '..', '..', '..', 'server', 'src', 'cluster');
    for (const file of fs.readdirSync(dir)) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      if (file === 'transport.ts') continue;
      assert.ok(!/\b(https?\.(request|get)|fetch\(|makeApiClient|new Watch\b|new net\.Socket|\.connect\()/.test(text), `${file} must not issue requests itself`);
      assert.ok(!/from 'https?'|require\('https?'\)/.test(text.replace(/import type \* as https from 'https';/, '')), `${file} must not import http or https`);
    }
  });
});

describe('cluster layer: redaction', () => {
  afterEach(() => clearSecrets());

  it('removes registered secrets, in raw, base64 and decoded forms', () => {
    registerSecret(TOKEN);
    const key = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----\n';
    registerSecret(Buffer.from(key).toString('base64'));
    const text = `token ${TOKEN} and ${Buffer.from(TOKEN).toString('base64')} and key ${key} line MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun`;
    const out = redact(text);
    assert.ok(!out.includes(TOKEN), out);
    assert.ok(!out.includes(Buffer.from(TOKEN).toString('base64')), out);
    assert.ok(!out.includes('MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun'), out);
  });

  it('removes credential-shaped values it was not told about', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const cases = [
      `Authorization: Bearer abcdefghijklmnop`,
      `headers: {"Authorization":"Basic dXNlcjpwYXNzd29yZA=="}`,
      `the token is ${jwt}`,
      `https://admin:hunter2secret@127.0.0.1:6443/api`,
      `password=hunter2secret&x=1`,
      `client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=`,
      `id-token: abc.def.ghijklmnop`,
    ];
    for (const c of cases) {
      const out = redact(c);
      for (const secret of ['abcdefghijklmnop', 'dXNlcjpwYXNzd29yZA==', jwt, 'hunter2secret', 'LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=', 'abc.def.ghijklmnop']) {
        assert.ok(!out.includes(secret), `${c} -> ${out}`);
      }
      assert.ok(out.includes('[redacted]'), out);
    }
    assert.strictEqual(redact('forbidden: cannot list pods in namespace restricted'), 'forbidden: cannot list pods in namespace restricted');
  });
});

describe('cluster layer: caches against a fake API server', function () {
  this.timeout(20000);
  let server: FakeApiServer;
  let h: Harness | undefined;

  beforeEach(async () => {
    server = new FakeApiServer();
    server.token = TOKEN;
    await server.start();
  });

  afterEach(async () => {
    await h?.source.stop();
    h = undefined;
    await server.stop().catch(() => undefined);
    clearSecrets();
  });

  it('lists in pages with limit and continue, then watches from the list resourceVersion', async () => {
    server.put('namespaces', namespace('shop'));
    for (let i = 0; i < 1203; i++) server.put('pods', pod('shop', `web-${String(i).padStart(4, '0')}`, { app: 'web' }));
    h = startSource(server, { pageSize: 500 });
    await until('pods listed', () => h!.source.counts().pods === 1203);
    const podLists = server.requests.filter((r) => r.url.startsWith('/api/v1/pods?') && !r.url.includes('watch='));
    assert.deepStrictEqual(
      podLists.map((r) => new URL(r.url, 'http://x').searchParams.get('continue') ?? ''),
      ['', '500', '1000'],
    );
    assert.ok(podLists.every((r) => new URL(r.url, 'http://x').searchParams.get('limit') === '500'));
    const watch = await until('pod watch', () => server.requests.find((r) => r.url.startsWith('/api/v1/pods?') && r.url.includes('watch=1')));
    assert.strictEqual(new URL(watch.url, 'http://x').searchParams.get('resourceVersion'), String(100 + 1 + 1203));
    // A pod added after the list arrives through the watch.
    const before = Date.now();
    server.put('pods', pod('shop', 'late', { app: 'late' }));
    await until('late pod', () => h!.source.counts().pods === 1204);
    assert.ok(Date.now() - before < 2000, `${Date.now() - before} ms`);
    assert.ok(podNames(h.source).includes('shop/late'));
  });

  it('relists on 410 Gone, from an HTTP answer or a watch ERROR event', async () => {
    server.put('namespaces', namespace('shop'));
    server.put('pods', pod('shop', 'a', { app: 'a' }));
    server.expireNextWatch.add('pods');
    h = startSource(server);
    await until('relist after the ERROR event', () => server.requests.filter((r) => r.url.startsWith('/api/v1/pods?') && !r.url.includes('watch=')).length >= 2);
    // Now the HTTP form: drop the history while the watch is down, so the next watch gets 410.
    const lists = () => server.requests.filter((r) => r.url.startsWith('/api/v1/pods?') && !r.url.includes('watch=')).length;
    const listed = lists();
    await server.stop();
    server.put('pods', pod('shop', 'b', { app: 'b' }));
    server.compact();
    await server.restart();
    await until('relist after HTTP 410', () => lists() > listed && podNames(h!.source).includes('shop/b'));
    assert.ok(server.requests.some((r) => r.url.includes('watch=1')));
  });

  it('names the forbidden resource and keeps the rest working, reading namespaces one by one when a cluster-wide list is denied', async () => {
    server.put('namespaces', namespace('shop'));
    server.put('namespaces', namespace('restricted'));
    server.put('pods', pod('shop', 'web', { app: 'web' }));
    server.put('pods', pod('restricted', 'vault', { app: 'vault' }));
    server.put('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    server.forbid = (p) => p === '/api/v1/pods' || p === '/api/v1/namespaces/restricted/pods';
    h = startSource(server);
    const status = await until('forbidden named', () => h!.statuses.find((s) => s.forbidden.length > 0 && s.state === 'connected' && s.counts.pods === 1));
    assert.deepStrictEqual(status.forbidden, ['forbidden: cannot list pods in namespace restricted']);
    assert.ok(status.notes.some((n) => /pods cannot be listed across all namespaces/.test(n)), status.notes.join('\n'));
    assert.deepStrictEqual(podNames(h.source), ['shop/web']);
    assert.strictEqual(h.source.counts().services, 1);
    assert.strictEqual(h.logs.filter((l) => l.includes('cannot list pods in namespace restricted')).length, 1, h.logs.join('\n'));
  });

  it('gives one message, not a storm, while the server is unreachable, backing off, and recovers', async () => {
    server.put('namespaces', namespace('shop'));
    server.put('pods', pod('shop', 'web', { app: 'web' }));
    h = startSource(server, { backoff: { initialMs: 20, maxMs: 300, deniedMs: 300 } });
    await until('connected', () => h!.statuses.find((s) => s.state === 'connected' && s.counts.pods === 1));
    await server.stop();
    const down = Date.now();
    const unreachable = await until('unreachable', () => h!.statuses.find((s) => s.state === 'unreachable'));
    assert.match(unreachable.message, /^cluster unreachable: (connection refused|the connection was lost)/);
    await new Promise((r) => setTimeout(r, 1500));
    const attempts = h.source.requests().length;
    const statesWhileDown = h.statuses.filter((s) => s.state === 'unreachable');
    assert.strictEqual(h.logs.filter((l) => /unreachable/.test(l)).length, 1, h.logs.join('\n'));
    assert.ok(statesWhileDown.length <= 3, `${statesWhileDown.length} status notifications while down`);
    // Backoff: 7 caches over 1.5 s with 20 ms doubling to 300 ms stay well under one try per 20 ms each.
    assert.ok(attempts < 7 * (1500 / 20) / 3, `${attempts} attempts in ${Date.now() - down} ms`);
    await server.restart();
    server.put('pods', pod('shop', 'after', { app: 'after' }));
    await until('recovered', () => h!.statuses.at(-1)?.state === 'connected' && podNames(h!.source).includes('shop/after'), 8000);
    assert.ok(h.logs.some((l) => /connected again/.test(l)));
  });

  it('reports rejected credentials once and never prints them', async () => {
    server.put('namespaces', namespace('shop'));
    h = startSource(server, { connection: { server: server.url, context: 'test', provider: provider(server, 'wrong-token-abcdefghij') } });
    registerSecret('wrong-token-abcdefghij');
    const status = await until('unauthorized', () => h!.statuses.find((s) => s.state === 'unauthorized'));
    assert.match(status.message, /credentials rejected/);
    await new Promise((r) => setTimeout(r, 300));
    const everything = JSON.stringify(h.statuses) + h.logs.join('\n');
    assert.ok(!everything.includes('wrong-token-abcdefghij'));
    assert.ok(!everything.includes(TOKEN));
    assert.strictEqual(h.logs.filter((l) => /credentials rejected/.test(l)).length, 1, h.logs.join('\n'));
  });

  it('answers within the timeout when the server is slow', async () => {
    server.put('namespaces', namespace('shop'));
    server.delayMs = 2000;
    const started = Date.now();
    h = startSource(server, { timeoutMs: 200 });
    const status = await until('timeout state', () => h!.statuses.find((s) => s.state === 'unreachable'));
    assert.match(status.message, /no answer within 200 ms/);
    assert.ok(Date.now() - started < 1500);
  });

  it('keeps only what the model needs, and feeds the model: labels, ports, pod IPs, policies, the CNI and DNS', async () => {
    server.put('namespaces', namespace('shop', { team: 'shop' }));
    server.put('namespaces', namespace('kube-system'));
    server.put('pods', pod('shop', 'web', { app: 'web' }, { ip: '10.0.0.5', ports: [{ name: 'http', containerPort: 8080 }] }));
    server.put('pods', pod('shop', 'done', { app: 'job' }, { phase: 'Succeeded' }));
    server.put('pods', pod('kube-system', 'coredns-abc', { 'k8s-app': 'kube-dns', 'pod-template-hash': 'abc' }, { ready: false }));
    server.put('daemonsets', daemonSet('kube-system', 'kube-flannel-ds', 'docker.io/flannel/flannel:v0.25.1'));
    server.put('networkpolicies', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'deny', namespace: 'shop' },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    });
    h = startSource(server);
    const status = await until('synced', () => h!.statuses.find((s) => s.state === 'connected' && s.counts.pods === 2 && s.cni && s.dns));
    assert.strictEqual(status.cni?.name, 'flannel');
    assert.strictEqual(status.cni?.enforces, false);
    assert.match(status.cni!.message, /does not enforce NetworkPolicy/);
    assert.deepStrictEqual(status.dns, { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, pods: 1, ready: 0 });
    const files = h.source.files();
    assert.ok(files.every((f) => f.uri.startsWith('netpol-cluster:/test/')), files.map((f) => f.uri).join(' '));
    const all = files.map((f) => objectFile(f.objects).text).join('\n');
    for (const dropped of ['managedFields', 'annotations', 'SECRET', 'nodeName', 'uid-', 'PodScheduled', 'resourceVersion']) assert.ok(!all.includes(dropped), `${dropped} must not be kept`);
    const model = buildClusterModel(files.map((f) => ({ file: f.uri, parsed: objectFile(f.objects) })));
    const web = model.pods.find((p) => p.id === 'shop/web')!;
    assert.deepStrictEqual(web.labels, { app: 'web' });
    assert.deepStrictEqual(web.ips, ['10.0.0.5']);
    assert.deepStrictEqual(web.ports.map((p) => [p.name, p.containerPort, p.protocol]), [['http', 8080, 'TCP']]);
    assert.ok(!model.pods.some((p) => p.name === 'done'), 'finished pods are left out');
    assert.deepStrictEqual(model.namespaces.get('shop')?.labels, { 'kubernetes.io/metadata.name': 'shop', team: 'shop' });
    assert.deepStrictEqual(model.policies.map((p) => p.id), ['shop/deny']);
  });

  it('renders objects as YAML with the very view the parser builds from that text, strings staying strings', () => {
    const objects = [
      trimPod(pod('shop', 'x', { yes: 'on', 'app.kubernetes.io/name': 'true', n: '0123', 'null': '~' }, { ip: '10.0.0.1', ports: [{ containerPort: 53, protocol: 'UDP' }] }) as unknown as Record<string, unknown>)!,
      trimNetworkPolicy({
        metadata: { name: 'p', namespace: 'shop' },
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }, { namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'In', values: ['x', 'y'] }] } }], ports: [{ port: 'http' }, { port: 80, endPort: 90 }] }, {}], egress: [] },
      })!,
    ];
    const built = objectFile(objects);
    const parsed = parseFile(built.text);
    const withoutStyle = (node: unknown) => JSON.stringify(node, (k, v) => (k === 'style' ? undefined : v));
    assert.strictEqual(parsed.documents.length, 2);
    for (let i = 0; i < 2; i++) {
      assert.deepStrictEqual(parsed.documents[i].errors, []);
      assert.strictEqual(withoutStyle(built.documents[i].view.root), withoutStyle(parsed.documents[i].view.root));
      assert.deepStrictEqual(built.documents[i].span, parsed.documents[i].span);
    }
    const model = buildClusterModel([{ file: 'x', parsed: built }]);
    assert.deepStrictEqual(model.pods[0].labels, { yes: 'on', 'app.kubernetes.io/name': 'true', n: '0123', null: '~' });
    assert.strictEqual(model.pods[0].ports[0].protocol, 'UDP');
    assert.strictEqual(model.policies[0].ingress[0].ports[1].endPort, 90);
  });

  it('does not report a change for status noise the cache does not keep', async () => {
    server.put('namespaces', namespace('shop'));
    server.put('pods', pod('shop', 'web', { app: 'web' }));
    h = startSource(server);
    await until('synced', () => h!.source.counts().pods === 1);
    await new Promise((r) => setTimeout(r, 100));
    const version = h.source.version;
    const noisy = pod('shop', 'web', { app: 'web' });
    (noisy.status as Record<string, unknown>).startTime = '2024-01-01T00:00:00Z';
    server.put('pods', noisy);
    server.put('pods', pod('shop', 'web', { app: 'web2' }));
    await until('label change', () => podNames(h!.source).length === 1 && h!.source.files().some((f) => objectFile(f.objects).text.includes('web2')));
    assert.strictEqual(h.source.version, version + 1);
  });

  it('a reflector stops cleanly', async () => {
    const transport = new ApiTransport(provider(server));
    let changes = 0;
    const reflector = new Reflector({ ref: { group: '', version: 'v1', resource: 'namespaces' }, trim: (o) => o as never }, transport, {
      timeoutMs: 500,
      pageSize: 10,
      watchSeconds: 5,
      maxObjects: 2,
      backoff: { initialMs: 10, maxMs: 50, deniedMs: 50 },
      onChange: () => changes++,
      onOutcome: () => undefined,
      log: () => undefined,
    });
    for (const n of ['a', 'b', 'c']) server.put('namespaces', namespace(n));
    reflector.start();
    await until('synced', () => reflector.synced);
    assert.strictEqual(reflector.items.size, 2, 'bounded');
    assert.ok(reflector.truncated);
    await reflector.stop();
    assert.ok(changes >= 1);
  });
});

describe('cluster settings', () => {
  it('are off by default and validated, in the nested and the dotted form', () => {
    assert.deepStrictEqual(readSettings({}).cluster, { enabled: false, context: '', namespaces: [], timeout: 3000 });
    assert.deepStrictEqual(readSettings({ cluster: { enabled: true, context: ' kind-kind ', namespaces: ['shop', 'Bad!', 'shop', 7], timeout: 5 } }).cluster, {
      enabled: true,
      context: 'kind-kind',
      namespaces: ['shop'],
      timeout: 3000,
    });
    assert.deepStrictEqual(readSettings({ 'cluster.enabled': true, 'cluster.timeout': 1500 }).cluster, { enabled: true, context: '', namespaces: [], timeout: 1500 });
    assert.strictEqual(readSettings({ cluster: { enabled: 'yes' } }).cluster.enabled, false);
  });
});
