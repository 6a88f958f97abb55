import * as assert from 'assert';
import { createLanguageService } from '../../server/src/service/languageService';
import type { ParsedFile } from '../../server/src/service/parse/parseFile';
import { defaultIndexOptions, FileEvent, IndexOptions, ScanProgress, WorkspaceIndex } from '../../server/src/workspaceIndex';
import { podYaml, TempWorkspace } from '../helpers/tempWorkspace';

const service = createLanguageService();

/** An index over a copy of a fixture workspace, recording what it tells its host. */
class Harness {
  readonly ws: TempWorkspace;
  readonly index: WorkspaceIndex;
  readonly logs: string[] = [];
  readonly changes: (readonly string[] | 'all')[] = [];
  readonly progress: string[] = [];
  parses = 0;
  incrementalParses = 0;

  constructor(name = 'shop', progressDelayMs?: number) {
    this.ws = new TempWorkspace(name);
    this.index = new WorkspaceIndex({
      parse: (text, previous) => {
        this.parses++;
        if (previous) this.incrementalParses++;
        return service.parse(text, previous);
      },
      log: (message) => this.logs.push(message),
      onChange: (uris) => this.changes.push(uris),
      createProgress:
        progressDelayMs === undefined
          ? undefined
          : async (): Promise<ScanProgress> => ({
              report: (message, percentage) => this.progress.push(`report ${message} ${percentage ?? ''}`.trim()),
              done: (message) => this.progress.push(`end ${message}`),
            }),
      progressDelayMs,
    });
  }

  options(extra: Partial<IndexOptions> = {}): IndexOptions {
    return { ...defaultIndexOptions, exclude: ['**/generated/**'], filesExclude: { '': ['**/build'] }, ...extra };
  }

  scan(extra: Partial<IndexOptions> = {}): Promise<void> {
    return this.index.scan([this.ws.dir], this.options(extra));
  }

  relative(uri: string): string {
    return uri.slice(this.ws.uri('').length).replace(/^\//, '');
  }

  /** Indexed files as workspace-relative paths, sorted. */
  files(): string[] {
    return this.index
      .uris()
      .map((uri) => this.relative(uri))
      .sort();
  }

  events(...events: [FileEvent['kind'], string][]): Promise<void> {
    return this.index.applyChanges(events.map(([kind, relative]) => ({ kind, uri: this.ws.uri(relative) })));
  }

  /** The indexed parse of a file. */
  parsedOf(relative: string): ParsedFile | undefined {
    return this.index.fileFor(this.ws.uri(relative));
  }
}

describe('workspace index', () => {
  let h: Harness;
  afterEach(() => h?.ws.dispose());

  it('indexes the YAML files, skips templates and node_modules, and counts the excluded', async () => {
    h = new Harness();
    await h.scan();
    assert.deepStrictEqual(h.files(), ['chart/Chart.yaml', 'pods/cart.yaml', 'pods/web.yaml', 'policies/cart-policy.yaml', 'staging/db.yml']);
    assert.strictEqual(h.index.skippedTemplates, 3);
    assert.deepStrictEqual(
      h.index.skipped().templates.map((u) => h.relative(u)),
      ['chart/templates/pod.yaml', 'chart/templates/service.yaml', 'inline-template.yaml'],
    );
    assert.strictEqual(h.index.excluded, 2, 'generated/cart-copy.yaml by netpol.exclude, build/pod.yaml by files.exclude');
    assert.strictEqual(h.index.scanning, false);
    assert.deepStrictEqual(h.changes, ['all']);
    assert.ok(h.logs.some((l) => /^Indexed 5 YAML files in \d+ ms \(3 template files skipped\), 2 excluded\.$/.test(l)), h.logs.join('\n'));
  });

  it('applies files.exclude per folder, and netpol.exclude everywhere', async () => {
    h = new Harness();
    await h.scan({ exclude: ['staging/*.yml', '**/*-policy.yaml'], filesExclude: { [h.ws.dir]: ['pods'], '': ['chart'] } });
    assert.deepStrictEqual(h.files(), ['build/pod.yaml', 'chart/Chart.yaml', 'generated/cart-copy.yaml']);
    assert.strictEqual(h.index.excluded, 4);
    assert.strictEqual(h.index.skippedTemplates, 3);
  });

  it('counts each template once, however often it is scanned or changed', async () => {
    h = new Harness();
    await h.scan();
    await h.scan({ maxFiles: 4999 });
    await h.events(['changed', 'chart/templates/pod.yaml'], ['changed', 'chart/templates/pod.yaml'], ['created', 'inline-template.yaml']);
    assert.strictEqual(h.index.skippedTemplates, 3);
    // A template that loses its markers becomes an indexed file, and the other way round.
    h.ws.write('inline-template.yaml', podYaml('inline', 'shop', { app: 'inline' }));
    h.ws.write('pods/web.yaml', `${h.ws.read('pods/web.yaml')}# {{ .Values.extra }}\n`);
    await h.events(['changed', 'inline-template.yaml'], ['changed', 'pods/web.yaml']);
    assert.strictEqual(h.index.skippedTemplates, 3);
    assert.deepStrictEqual(h.files(), ['chart/Chart.yaml', 'inline-template.yaml', 'pods/cart.yaml', 'policies/cart-policy.yaml', 'staging/db.yml']);
  });

  it('does nothing when asked to scan again with the same folders and options', async () => {
    h = new Harness();
    await h.scan();
    const parses = h.parses;
    await h.scan();
    assert.strictEqual(h.index.scans, 1);
    assert.strictEqual(h.parses, parses);
  });

  it('reuses the parse of unchanged files when the options change, and parses changed ones', async () => {
    h = new Harness();
    await h.scan();
    const web = h.parsedOf('pods/web.yaml');
    h.ws.write('pods/cart.yaml', podYaml('cart', 'shop', { app: 'cart', tier: 'backend' }));
    const parses = h.parses;
    await h.scan({ exclude: [] });
    assert.strictEqual(h.index.scans, 2);
    assert.strictEqual(h.parsedOf('pods/web.yaml'), web);
    assert.strictEqual(h.parses - parses, 2, 'pods/cart.yaml (changed) and generated/cart-copy.yaml (no longer excluded)');
    assert.strictEqual(h.index.excluded, 1);
  });

  it('runs one scan at a time: a scan asked for while one runs stops it and runs after it', async () => {
    h = new Harness();
    for (let i = 0; i < 60; i++) h.ws.write(`many/pod-${i}.yaml`, podYaml(`pod-${i}`, 'many', { app: `a${i}` }));
    const first = h.scan();
    await new Promise((resolve) => setImmediate(resolve));
    assert.strictEqual(h.index.scanning, true);
    const second = h.scan({ exclude: ['many/**'] });
    const third = h.scan({ exclude: ['many/**'] });
    await Promise.all([first, second, third]);
    assert.strictEqual(h.index.scanning, false);
    // The first scan was stopped, the second ran once, the third was the same as the second.
    assert.strictEqual(h.logs.filter((l) => l.startsWith('Indexing restarted')).length, 1, h.logs.join('\n'));
    assert.strictEqual(h.logs.filter((l) => l.startsWith('Indexed')).length, 1, h.logs.join('\n'));
    assert.strictEqual(h.index.scans, 1);
    assert.ok(h.parses <= 66, `${h.parses} parses: the second scan reuses what the first one parsed`);
    assert.strictEqual(h.index.excluded, 61, 'the last options win: many/** and build/pod.yaml');
    assert.deepStrictEqual(h.files(), ['chart/Chart.yaml', 'generated/cart-copy.yaml', 'pods/cart.yaml', 'pods/web.yaml', 'policies/cart-policy.yaml', 'staging/db.yml']);
  });

  it('follows files created, changed, deleted and renamed, reusing unchanged documents', async () => {
    h = new Harness();
    await h.scan();
    h.changes.length = 0;

    h.ws.write('pods/api.yaml', podYaml('api', 'shop', { app: 'api' }));
    await h.events(['created', 'pods/api.yaml']);
    assert.ok(h.files().includes('pods/api.yaml'));
    assert.deepStrictEqual(h.changes, [[h.ws.uri('pods/api.yaml')]]);

    // Two documents; a change to the second keeps the first one's parse.
    h.ws.write('pods/two.yaml', `${podYaml('one', 'shop', { app: 'one' })}---\n${podYaml('two', 'shop', { app: 'two' })}`);
    await h.events(['created', 'pods/two.yaml']);
    const before = h.parsedOf('pods/two.yaml')!;
    const firstDocument = before.documents[0];
    h.ws.write('pods/two.yaml', `${podYaml('one', 'shop', { app: 'one' })}---\n${podYaml('two', 'shop', { app: 'changed' })}`);
    const incremental = h.incrementalParses;
    await h.events(['changed', 'pods/two.yaml']);
    const after = h.parsedOf('pods/two.yaml')!;
    assert.notStrictEqual(after, before);
    assert.strictEqual(after.documents[0], firstDocument);
    assert.match(after.text, /app: changed/);
    assert.strictEqual(h.incrementalParses, incremental + 1);

    // The same text again (a save without changes, a touch) is no change.
    h.changes.length = 0;
    await h.events(['changed', 'pods/two.yaml']);
    assert.deepStrictEqual(h.changes, []);

    h.ws.remove('pods/api.yaml');
    await h.events(['deleted', 'pods/api.yaml']);
    assert.ok(!h.files().includes('pods/api.yaml'));

    // A rename is a delete and a create.
    const cart = h.parsedOf('pods/cart.yaml');
    h.ws.rename('pods/cart.yaml', 'pods/cart-renamed.yaml');
    await h.events(['deleted', 'pods/cart.yaml'], ['created', 'pods/cart-renamed.yaml']);
    assert.ok(!h.files().includes('pods/cart.yaml'));
    assert.ok(h.files().includes('pods/cart-renamed.yaml'));
    assert.strictEqual(h.parsedOf('pods/cart-renamed.yaml')!.text, cart!.text);

    // Files outside the workspace folders, and under node_modules, are never indexed.
    await h.index.applyChanges([{ kind: 'created', uri: 'file:///elsewhere/pod.yaml' }]);
    h.ws.write('node_modules/pkg/other.yaml', podYaml('dep', 'shop', { app: 'dep' }));
    await h.events(['created', 'node_modules/pkg/other.yaml']);
    assert.deepStrictEqual(h.files(), ['chart/Chart.yaml', 'pods/cart-renamed.yaml', 'pods/two.yaml', 'pods/web.yaml', 'policies/cart-policy.yaml', 'staging/db.yml']);
  });

  it('removes every file under a deleted folder and walks a created one (a folder rename)', async () => {
    h = new Harness();
    await h.scan();
    h.ws.rename('pods', 'workloads');
    h.changes.length = 0;
    await h.events(['deleted', 'pods'], ['created', 'workloads']);
    assert.deepStrictEqual(h.files(), ['chart/Chart.yaml', 'policies/cart-policy.yaml', 'staging/db.yml', 'workloads/cart.yaml', 'workloads/web.yaml']);
    assert.strictEqual(h.changes.length, 1, 'one notification for the batch');

    h.ws.remove('chart');
    await h.events(['deleted', 'chart']);
    assert.strictEqual(h.index.skippedTemplates, 1, 'the chart templates went with their folder');
    assert.ok(!h.files().includes('chart/Chart.yaml'));

    // A created folder that an exclusion matches is counted, not read.
    h.ws.write('more/build/x.yaml', podYaml('x', 'shop', { app: 'x' }));
    h.ws.write('more/y.yaml', podYaml('y', 'shop', { app: 'y' }));
    await h.events(['created', 'more']);
    assert.ok(h.files().includes('more/y.yaml'));
    assert.strictEqual(h.index.excluded, 3);
    h.ws.remove('more');
    await h.events(['deleted', 'more']);
    assert.strictEqual(h.index.excluded, 2);
  });

  it('counts a created file that an exclusion matches, and forgets it when deleted', async () => {
    h = new Harness();
    await h.scan();
    h.ws.write('generated/more.yaml', podYaml('more', 'shop', { app: 'more' }));
    await h.events(['created', 'generated/more.yaml']);
    assert.strictEqual(h.index.excluded, 3);
    assert.ok(!h.files().includes('generated/more.yaml'));
    h.ws.remove('generated/more.yaml');
    await h.events(['deleted', 'generated/more.yaml']);
    assert.strictEqual(h.index.excluded, 2);
  });

  it('puts open documents in place of their disk copies, and keeps the snapshot when a hidden copy changes', async () => {
    h = new Harness();
    await h.scan();
    const uri = h.ws.uri('pods/web.yaml');
    const unsaved = service.parse(podYaml('web', 'shop', { app: 'unsaved' }));
    const open = new Map([[uri, { version: 3, parsed: unsaved }]]);
    const files = h.index.files(open);
    assert.strictEqual(files.filter((f) => f.uri === uri).length, 1);
    assert.strictEqual(files.find((f) => f.uri === uri)!.parsed, unsaved);
    assert.strictEqual(h.index.files(open), files, 'the same array until something changes');

    // Saved elsewhere while open: the index takes the new disk text, the editor's copy still wins.
    h.ws.write('pods/web.yaml', podYaml('web', 'shop', { app: 'saved' }));
    await h.events(['changed', 'pods/web.yaml']);
    assert.match(h.index.fileFor(uri)!.text, /app: saved/);
    assert.strictEqual(h.index.files(open), files, 'nothing the analyses see changed');

    // Closed: the disk copy comes back.
    const closed = h.index.files(new Map());
    assert.match(closed.find((f) => f.uri === uri)!.parsed.text, /app: saved/);
  });

  it('reports progress for a long scan and ends it with a summary', async () => {
    h = new Harness('shop', 0);
    for (let i = 0; i < 30; i++) h.ws.write(`many/pod-${i}.yaml`, podYaml(`pod-${i}`, 'many', { app: `a${i}` }));
    await h.scan();
    await new Promise((resolve) => setImmediate(resolve));
    const reports = h.progress.filter((p) => p.startsWith('report'));
    assert.ok(reports.length > 0, h.progress.join('\n'));
    for (const report of reports) assert.match(report, /^report (Looking for YAML files \(\d+ found\)|Indexing \d+ of 38 YAML files \d+)$/);
    assert.match(h.progress[h.progress.length - 1], /^end Indexed 35 YAML files in \d+ ms \(3 template files skipped\), 2 excluded\.$/);
    assert.strictEqual(h.progress.filter((p) => p.startsWith('end')).length, 1);
  });

  it('stops at netpol.workspace.maxFiles and says so', async () => {
    h = new Harness();
    await h.scan({ maxFiles: 2 });
    // Read in order: inline-template.yaml (a template), then chart/Chart.yaml.
    assert.deepStrictEqual(h.files(), ['chart/Chart.yaml']);
    assert.strictEqual(h.index.skippedTemplates, 1);
    assert.ok(h.logs.some((l) => /only the first 2 are read/.test(l)), h.logs.join('\n'));
    h.ws.write('pods/api.yaml', podYaml('api', 'shop', { app: 'api' }));
    h.ws.write('pods/db.yaml', podYaml('db', 'shop', { app: 'db' }));
    await h.events(['created', 'pods/api.yaml'], ['created', 'pods/db.yaml']);
    assert.strictEqual(h.index.size, 2);
    assert.ok(h.logs.some((l) => /new files are not read/.test(l)), h.logs.join('\n'));
  });

  it('leaves out files larger than netpol.maxFileSize', async () => {
    h = new Harness();
    h.ws.write('big.yaml', `${podYaml('big', 'shop', { app: 'big' })}# ${'x'.repeat(4000)}\n`);
    await h.scan({ maxFileSize: 2048 });
    assert.ok(!h.files().includes('big.yaml'));
    assert.ok(h.files().includes('pods/web.yaml'));
  });
});
