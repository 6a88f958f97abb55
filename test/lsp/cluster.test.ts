import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CompletionList, Hover } from 'vscode-languageserver-protocol';
import type { ClusterContextsResult, ClusterStatus } from '../../server/src/clusterProtocol';
import { FakeApiServer, namespace, pod } from '../helpers/fakeApiServer';
import { LspClient } from '../helpers/lspClient';

const TOKEN = 'lsp-test-token-9f8e7d6c5b4a';
const PLUGIN_TOKEN = 'exec-plugin-token-1a2b3c4d5e6f';

const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
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

/**
 * The cluster feature through the bundled server (dist/server.js loading dist/cluster.js),
 * against the fake API server, with a real kubeconfig file: live pods in hovers and
 * completion, the status notification, trust, and kubeconfig exec plugins that must not run
 * while the feature is off or the workspace untrusted.
 */
describe('language server with a live cluster (fake API server)', function () {
  this.timeout(30000);
  let dir: string;
  let server: FakeApiServer;
  let marker: string;
  let clients: LspClient[] = [];

  function client(settings: Record<string, unknown>, trusted: boolean | undefined, extraEnv: NodeJS.ProcessEnv = {}): { client: LspClient; statuses: ClusterStatus[] } {
    const env = { ...process.env, KUBECONFIG: path.join(dir, 'kubeconfig'), HOME: dir, ...extraEnv };
    const c = new LspClient(settings, { env, initializationOptions: trusted === undefined ? {} : { trusted } });
    const statuses: ClusterStatus[] = [];
    c.connection.onNotification('netpol/clusterStatus', (s: ClusterStatus) => {
      statuses.push(s);
    });
    clients.push(c);
    return { client: c, statuses };
  }

  async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10000): Promise<T> {
    const started = Date.now();
    for (;;) {
      const value = await check();
      if (value) return value;
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-cluster-'));
    marker = path.join(dir, 'exec-plugin-ran');
    server = new FakeApiServer();
    server.token = TOKEN;
    await server.start();
    server.put('namespaces', namespace('shop'));
    server.put('pods', pod('shop', 'web-7d9f', { app: 'web', tier: 'front' }, { ports: [{ name: 'http', containerPort: 8080 }] }));
    server.put('pods', pod('shop', 'client-1', { role: 'frontend-client' }));
    const plugin = path.join(dir, 'plugin.js');
    fs.writeFileSync(
      plugin,
      `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n` +
        `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: ${JSON.stringify(TOKEN)}, expirationTimestamp: new Date(Date.now() + 3600e3).toISOString() } }));\n`,
    );
    fs.writeFileSync(
      path.join(dir, 'kubeconfig'),
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: fake',
        '  cluster:',
        `    server: ${server.url}`,
        '    insecure-skip-tls-verify: true',
        'users:',
        '- name: token-user',
        '  user:',
        `    token: ${TOKEN}`,
        '- name: plugin-user',
        '  user:',
        '    exec:',
        '      apiVersion: client.authentication.k8s.io/v1beta1',
        `      command: ${JSON.stringify(process.execPath)}`,
        `      args: [${JSON.stringify(plugin)}]`,
        '      interactiveMode: Never',
        '      env:',
        '      - name: PLUGIN_SECRET',
        `        value: ${PLUGIN_TOKEN}`,
        'contexts:',
        '- name: fake',
        '  context: {cluster: fake, user: token-user}',
        '- name: exec',
        '  context: {cluster: fake, user: plugin-user}',
        'current-context: fake',
        '',
      ].join('\n'),
    );
  });

  afterEach(async () => {
    for (const c of clients) c.kill();
    clients = [];
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('hovers list the live pods, completion offers cluster labels, and no diagnostics are published for the cluster', async () => {
    const { client: c, statuses } = client({ diagnostics: { delay: 0 }, cluster: { enabled: true } }, true);
    await c.initialize();
    const status = await until('connected', () => statuses.find((s) => s.state === 'connected' && s.counts.pods === 2));
    assert.strictEqual(status.context, 'fake');
    const uri = 'file:///work/policy.yaml';
    await c.open(uri, policy);
    await c.waitForDiagnostics(uri);
    const hover = (await c.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 8, character: 8 } })) as Hover;
    const text = JSON.stringify(hover.contents);
    assert.ok(text.includes('shop/web-7d9f'), text);
    // The label value after "role: " completes from the cluster's pods.
    const completion = (await c.connection.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: 14, character: 16 } })) as CompletionList;
    const labels = (Array.isArray(completion) ? completion : completion.items).map((i) => i.label);
    assert.ok(labels.includes('frontend-client'), labels.join(', '));
    // A change in the cluster reaches hovers within moments.
    server.put('pods', pod('shop', 'web-new', { app: 'web' }));
    await until('new pod in the hover', async () => {
      const h = (await c.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 8, character: 8 } })) as Hover;
      return JSON.stringify(h.contents).includes('shop/web-new');
    });
    const published = [...(c as unknown as { diagnostics: Map<string, unknown> }).diagnostics.keys()];
    assert.deepStrictEqual(published, [uri], 'diagnostics are published for the open document only');
    assert.ok(server.requests.every((r) => r.method === 'GET'));
    const everything = c.logs.join('\n') + JSON.stringify(statuses);
    assert.ok(!everything.includes(TOKEN), 'the token never appears in the log or the status');
  });

  it('reads nothing from the cluster while the feature is off, starts when it is turned on and stops when it is turned off', async () => {
    const { client: c, statuses } = client({ diagnostics: { delay: 0 } }, true);
    await c.initialize();
    const uri = 'file:///work/policy.yaml';
    await c.open(uri, policy);
    await c.waitForDiagnostics(uri);
    await new Promise((r) => setTimeout(r, 500));
    assert.strictEqual(server.requests.length, 0);
    assert.strictEqual(((await c.connection.sendRequest('netpol/clusterStatus')) as ClusterStatus).state, 'disabled');
    const hoverText = async () => JSON.stringify(((await c.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 8, character: 8 } })) as Hover).contents);
    assert.ok(!(await hoverText()).includes('web-7d9f'));
    await c.setConfiguration({ diagnostics: { delay: 0 }, cluster: { enabled: true } });
    await until('connected', () => statuses.find((s) => s.state === 'connected' && s.counts.pods === 2));
    await until('live pod in the hover', async () => (await hoverText()).includes('shop/web-7d9f'));
    await c.setConfiguration({ diagnostics: { delay: 0 } });
    await until('disabled', () => statuses.at(-1)?.state === 'disabled');
    await until('live pods gone from the hover', async () => !(await hoverText()).includes('web-7d9f'));
    const count = server.requests.length;
    server.put('pods', pod('shop', 'later', { app: 'web' }));
    await new Promise((r) => setTimeout(r, 300));
    assert.strictEqual(server.requests.length, count, 'no request after the feature was turned off');
  });

  it('never runs a kubeconfig exec plugin while the feature is off or the workspace untrusted; runs it once trusted', async () => {
    // Off (in a trusted workspace): the exec context is chosen but nothing is loaded.
    const off = client({ diagnostics: { delay: 0 }, cluster: { enabled: false, context: 'exec' } }, true);
    await off.client.initialize();
    await off.client.open('file:///work/policy.yaml', policy);
    await off.client.waitForDiagnostics('file:///work/policy.yaml');
    // The context picker reads names only.
    const contexts = (await off.client.connection.sendRequest('netpol/clusterContexts')) as ClusterContextsResult;
    assert.deepStrictEqual(
      contexts.contexts.map((x) => [x.name, x.auth]),
      [
        ['fake', 'token'],
        ['exec', 'exec'],
      ],
    );
    assert.strictEqual(contexts.currentContext, 'fake');
    assert.ok(!JSON.stringify(contexts).includes(TOKEN) && !JSON.stringify(contexts).includes(PLUGIN_TOKEN));
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(!fs.existsSync(marker), 'the exec plugin ran while the feature was off');
    assert.strictEqual(server.requests.length, 0);

    // On, but the workspace is not trusted.
    const untrusted = client({ diagnostics: { delay: 0 }, cluster: { enabled: true, context: 'exec' } }, false);
    await untrusted.client.initialize();
    await untrusted.client.open('file:///work/policy.yaml', policy);
    await untrusted.client.waitForDiagnostics('file:///work/policy.yaml');
    await until('untrusted state', () => untrusted.statuses.find((s) => s.state === 'untrusted'));
    await untrusted.client.connection.sendRequest('netpol/clusterContexts');
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(!fs.existsSync(marker), 'the exec plugin ran in an untrusted workspace');
    assert.strictEqual(server.requests.length, 0);

    // The user trusts the workspace: now (and only now) the plugin runs and the cluster is read.
    await untrusted.client.connection.sendNotification('netpol/workspaceTrust', { trusted: true });
    await until('connected through the exec plugin', () => untrusted.statuses.find((s) => s.state === 'connected' && s.counts.pods === 2));
    assert.ok(fs.existsSync(marker), 'the positive control: with trust and the feature on, the plugin runs');
    const logs = untrusted.client.logs.join('\n') + off.client.logs.join('\n') + JSON.stringify(untrusted.statuses);
    assert.ok(!logs.includes(TOKEN) && !logs.includes(PLUGIN_TOKEN), 'no credential in the logs');
  });

  it('says clearly when the kubeconfig or the context is missing', async () => {
    const { client: c, statuses } = client({ cluster: { enabled: true, context: 'nope' } }, true);
    await c.initialize();
    const status = await until('config error', () => statuses.find((s) => s.state === 'config-error'));
    assert.match(status.message, /no context named "nope"/);
  });
});
