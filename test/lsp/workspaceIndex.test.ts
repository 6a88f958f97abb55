import * as assert from 'assert';
import { pathToFileURL } from 'url';
import type { InitializeResult, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import type { IndexStatus } from '../../server/src/protocol';
import { LspClient } from '../helpers/lspClient';
import { podYaml, TempWorkspace } from '../helpers/tempWorkspace';

type Settings = Record<string, unknown>;

/**
 * The server over stdio with a copy of test/fixtures/workspaces/shop as its folder. The
 * client answers workspace/configuration for `netpol` and, per folder, for `files`, as
 * VS Code does; the tests change both and tell the server through didChangeConfiguration.
 */
class Session {
  readonly ws = new TempWorkspace('shop');
  readonly client: LspClient;
  netpol: Settings = { diagnostics: { delay: 0 }, exclude: ['**/generated/**'] };
  filesExclude: Record<string, unknown> = { '**/.git': true, '**/build': true, '**/*.js': { when: '$(basename).ts' } };
  readonly progress: { token: string | number; value: { kind: string; message?: string; percentage?: number } }[] = [];
  readonly progressCreated: (string | number)[] = [];
  readonly configurationRequests: { section?: string; scopeUri?: string }[] = [];

  constructor(progressDelayMs?: number) {
    // The server reads the progress delay from its environment, which it inherits at spawn.
    const saved = process.env.NETPOL_PROGRESS_DELAY_MS;
    if (progressDelayMs !== undefined) process.env.NETPOL_PROGRESS_DELAY_MS = String(progressDelayMs);
    try {
      this.client = new LspClient();
    } finally {
      if (saved === undefined) delete process.env.NETPOL_PROGRESS_DELAY_MS;
      else process.env.NETPOL_PROGRESS_DELAY_MS = saved;
    }
    this.client.connection.onRequest('workspace/configuration', (params: { items: { section?: string; scopeUri?: string }[] }) => {
      this.configurationRequests.push(...params.items);
      return params.items.map((item) => (item.section === 'netpol' ? this.netpol : item.section === 'files' ? { exclude: this.filesExclude, associations: {} } : null));
    });
    this.client.connection.onRequest('window/workDoneProgress/create', (params: { token: string | number }) => {
      this.progressCreated.push(params.token);
      return null;
    });
    this.client.connection.onNotification('$/progress', (params: Session['progress'][number]) => {
      this.progress.push(params);
    });
  }

  async initialize(workDoneProgress = false): Promise<InitializeResult> {
    const folderUri = pathToFileURL(this.ws.dir).toString();
    const result = (await this.client.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: folderUri,
      workspaceFolders: [{ uri: folderUri, name: 'shop' }],
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true }, didChangeWatchedFiles: { dynamicRegistration: false } },
        window: { workDoneProgress },
        textDocument: { publishDiagnostics: { versionSupport: true }, synchronization: { dynamicRegistration: false }, hover: { contentFormat: ['markdown'] } },
      },
    })) as InitializeResult;
    await this.client.connection.sendNotification('initialized', {});
    return result;
  }

  status(): Promise<IndexStatus> {
    return this.client.connection.sendRequest('netpol/indexStatus', {}) as Promise<IndexStatus>;
  }

  /** Waits for the index to match, on its netpol/indexChanged notifications (or its status now). */
  waitForIndex(predicate: (status: IndexStatus) => boolean, timeoutMs = 15000): Promise<IndexStatus> {
    return new Promise((resolve, reject) => {
      let last: IndexStatus | undefined;
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(new Error(`the index never matched; last status ${JSON.stringify(last)}`));
      }, timeoutMs);
      const check = (status: IndexStatus) => {
        last = status;
        if (done || status.scanning || !predicate(status)) return;
        done = true;
        clearTimeout(timer);
        subscription.dispose();
        resolve(status);
      };
      const subscription = this.client.connection.onNotification('netpol/indexChanged', check);
      void this.status().then(check, () => undefined);
    });
  }

  /** Sends file events as the editor's watcher would. */
  events(...events: [1 | 2 | 3, string][]): Promise<void> {
    return this.client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: events.map(([type, relative]) => ({ type, uri: this.ws.uri(relative) })) });
  }

  configurationChanged(): Promise<void> {
    return this.client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { netpol: this.netpol, files: { exclude: this.filesExclude } } });
  }

  dispose(): void {
    this.client.kill();
    this.ws.dispose();
  }
}

/** The selects-nothing warnings of the cart policy, as `line: message`. */
function selectsNothing(p: PublishDiagnosticsParams): string[] {
  return p.diagnostics.filter((d) => d.code === 'netpol/selects-nothing').map((d) => `${d.range.start.line}: ${d.message}`);
}

const POD_SELECTOR_LINE = 6;
const PEER_LINE = 12;

describe('workspace index over the protocol', function () {
  this.timeout(30000);
  let s: Session;

  afterEach(() => s?.dispose());

  it('respects files.exclude and netpol.exclude, counts templates once, answers netpol/indexStatus, and rescans when they change', async () => {
    s = new Session();
    await s.initialize();
    const status = await s.waitForIndex((st) => st.files > 0);
    // Indexed: chart/Chart.yaml, pods/cart.yaml, pods/web.yaml, policies/cart-policy.yaml, staging/db.yml.
    assert.deepStrictEqual(status, { files: 5, skippedTemplates: 3, excluded: 2, scanning: false, enabled: true });
    // files.exclude was asked for the folder.
    assert.ok(s.configurationRequests.some((item) => item.section === 'files' && item.scopeUri === s.ws.uri('')), JSON.stringify(s.configurationRequests));

    // Events for templates do not count them again (events are applied in order, so once the
    // new pod is indexed the template events before it have been handled).
    await s.events([2, 'chart/templates/pod.yaml'], [2, 'inline-template.yaml'], [1, 'chart/templates/service.yaml']);
    s.ws.write('pods/api.yaml', podYaml('api', 'shop', { app: 'api' }));
    await s.events([1, 'pods/api.yaml']);
    assert.deepStrictEqual(await s.waitForIndex((st) => st.files === 6), { ...status, files: 6 });
    s.ws.remove('pods/api.yaml');
    await s.events([3, 'pods/api.yaml']);
    await s.waitForIndex((st) => st.files === 5);

    // netpol.exclude no longer excludes generated/: rescanned.
    s.netpol = { ...s.netpol, exclude: [] };
    await s.configurationChanged();
    assert.deepStrictEqual(await s.waitForIndex((st) => st.excluded === 1), { files: 6, skippedTemplates: 3, excluded: 1, scanning: false, enabled: true });

    // files.exclude no longer excludes build/, and now excludes pods/: rescanned.
    s.filesExclude = { '**/pods': true };
    await s.configurationChanged();
    assert.deepStrictEqual(await s.waitForIndex((st) => st.files === 5), { files: 5, skippedTemplates: 3, excluded: 2, scanning: false, enabled: true });
  });

  it('follows files edited, deleted and renamed on disk, and folders deleted, in the diagnostics of an open policy', async () => {
    s = new Session();
    await s.initialize();
    await s.waitForIndex((st) => st.files === 5);
    const uri = s.ws.uri('policies/cart-policy.yaml');
    const clean = s.client.waitForDiagnostics(uri);
    await s.client.open(uri, s.ws.read('policies/cart-policy.yaml'));
    assert.deepStrictEqual(selectsNothing(await clean), []);

    // Edited on disk: the cart pod becomes a checkout pod, so the policy selects nothing.
    s.ws.write('pods/cart.yaml', podYaml('checkout', 'shop', { app: 'checkout' }));
    let next = s.client.waitForDiagnostics(uri, (p) => selectsNothing(p).length > 0);
    await s.events([2, 'pods/cart.yaml']);
    const edited = selectsNothing(await next);
    assert.strictEqual(edited.length, 1);
    assert.match(edited[0], new RegExp(`^${POD_SELECTOR_LINE}: Selects no pod: none of the 2 pods the workspace defines in namespace shop \\((checkout, web|web, checkout)\\)`));

    // Created: another pod labelled app=cart, in a new folder.
    s.ws.write('extra/cart-2.yaml', podYaml('cart-2', 'shop', { app: 'cart' }));
    next = s.client.waitForDiagnostics(uri, (p) => selectsNothing(p).length === 0);
    await s.events([1, 'extra/cart-2.yaml']);
    await next;

    // Renamed (a delete and a create in one batch): still there.
    s.ws.rename('extra/cart-2.yaml', 'extra/cart-two.yaml');
    next = s.client.waitForDiagnostics(uri);
    await s.events([3, 'extra/cart-2.yaml'], [1, 'extra/cart-two.yaml']);
    assert.deepStrictEqual(selectsNothing(await next), []);
    assert.strictEqual((await s.waitForIndex(() => true)).files, 6);

    // The folder is deleted: one event for the folder removes the file under it.
    s.ws.remove('extra');
    next = s.client.waitForDiagnostics(uri, (p) => selectsNothing(p).length > 0);
    await s.events([3, 'extra']);
    assert.match(selectsNothing(await next)[0], /none of the 2 pods the workspace defines in namespace shop \((checkout, web|web, checkout)\)/);

    // Deleted: the web pod goes, so the peer matches no pod either.
    s.ws.remove('pods/web.yaml');
    next = s.client.waitForDiagnostics(uri, (p) => selectsNothing(p).length === 2);
    await s.events([3, 'pods/web.yaml']);
    const both = selectsNothing(await next);
    assert.match(both[0], new RegExp(`^${POD_SELECTOR_LINE}: Selects no pod: none of the 1 pod the workspace defines in namespace shop \\(checkout\\)`));
    assert.match(both[1], new RegExp(`^${PEER_LINE}: Matches no pod: the workspace defines 1 pod in namespace shop`));
    assert.strictEqual((await s.waitForIndex(() => true)).files, 4);
  });

  it('lets unsaved editor text win over the disk copy, and brings the disk copy back on close', async () => {
    s = new Session();
    await s.initialize();
    await s.waitForIndex((st) => st.files === 5);
    const policy = s.ws.uri('policies/cart-policy.yaml');
    const cart = s.ws.uri('pods/cart.yaml');
    const clean = s.client.waitForDiagnostics(policy);
    await s.client.open(policy, s.ws.read('policies/cart-policy.yaml'));
    assert.deepStrictEqual(selectsNothing(await clean), []);

    // The cart pod relabelled in the editor, not saved: the policy sees the editor's text.
    let next = s.client.waitForDiagnostics(policy, (p) => selectsNothing(p).length > 0);
    await s.client.open(cart, podYaml('cart-unsaved', 'shop', { app: 'unsaved' }));
    assert.match(selectsNothing(await next)[0], /none of the 2 pods .*\bcart-unsaved\b/);

    // Something else writes the file on disk meanwhile: the editor's text still wins.
    s.ws.write('pods/cart.yaml', podYaml('cart-on-disk', 'shop', { app: 'on-disk' }));
    await s.events([2, 'pods/cart.yaml']);
    await s.waitForIndex(() => true);
    const still = s.client.waitForDiagnostics(policy, (p) => p.version === 2);
    await s.client.change(policy, 2, [{ range: { start: { line: 3, character: 8 }, end: { line: 3, character: 12 } }, text: 'cart' }]);
    assert.match(selectsNothing(await still)[0], /none of the 2 pods .*\bcart-unsaved\b/);

    // Closed without saving: the disk copy (labelled on-disk) comes back.
    next = s.client.waitForDiagnostics(policy, (p) => selectsNothing(p).some((m) => /none of the 2 pods .*\bcart-on-disk\b/.test(m)));
    await s.client.close(cart);
    await next;

    // Saved with app=cart and closed: the policy selects it again.
    s.ws.write('pods/cart.yaml', podYaml('cart', 'shop', { app: 'cart' }));
    next = s.client.waitForDiagnostics(policy, (p) => selectsNothing(p).length === 0);
    await s.events([2, 'pods/cart.yaml']);
    await next;
  });

  it('shows work-done progress for a long scan, ending with a summary', async () => {
    s = new Session(0);
    for (let i = 0; i < 40; i++) s.ws.write(`many/pod-${i}.yaml`, podYaml(`pod-${i}`, 'many', { app: `a${i}` }));
    await s.initialize(true);
    await s.waitForIndex((st) => st.files === 45);
    const ended = () => s.progress.some((p) => p.value.kind === 'end');
    for (let i = 0; i < 100 && !ended(); i++) await s.status();
    assert.strictEqual(s.progressCreated.length, 1, JSON.stringify(s.progress));
    const token = s.progressCreated[0];
    const values = s.progress.filter((p) => p.token === token).map((p) => p.value);
    assert.strictEqual(values[0].kind, 'begin');
    assert.strictEqual(values[values.length - 1].kind, 'end');
    assert.match(values[values.length - 1].message ?? '', /^Indexed 45 YAML files in \d+ ms \(3 template files skipped\), 2 excluded\.$/);
    for (const report of values.filter((v) => v.kind === 'report')) assert.match(report.message ?? '', /^(Looking for YAML files \(\d+ found\)|Indexing \d+ of 48 YAML files)$/);
  });

  it('shows no progress when the client cannot show it', async () => {
    s = new Session(0);
    await s.initialize(false);
    await s.waitForIndex((st) => st.files === 5);
    assert.deepStrictEqual(s.progressCreated, []);
  });
});
