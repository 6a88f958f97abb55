import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * dist/extension.js, the loader of client/src/loader.ts: it loads dist/client-main.js with a V8
 * code cache kept in the extension's global storage. Here the loader is bundled as esbuild.mjs
 * does, next to a small stand-in for client-main.js, and each start is a new Node process (as
 * each start of the editor is): it activates, deactivates, and reports what it saw.
 */

const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** The stand-in client: a CommonJS bundle whose activate() reports where it runs. */
function clientSource(marker: string): string {
  // here() is on the first line, where Node's wrapper would shift columns if not accounted for.
  return `'use strict'; function here() { return new Error('here').stack.split('\\n')[1]; }
const path = require('path');
const helper = require('./helper.js');
const vscode = require('vscode');
function count(n) {
  let total = 0;
  for (let i = 0; i < n; i++) total += i % 7;
  return total;
}
function below() {
  return new Error('below').stack.split('\\n')[1];
}
exports.activate = async function (context) {
  return { marker: '${marker}', filename: __filename, dirname: __dirname, moduleFilename: module.filename, helper: helper.name, vscode: vscode.name, count: count(1000), storage: context.globalStorageUri.fsPath, stack: [here(), below()] };
};
exports.deactivate = async function () {
  await new Promise((resolve) => setTimeout(resolve, 10));
};
`;
}

/**
 * One start: requires the loader, activates, then deactivates (or, with `waitMs`, stays alive
 * that long without deactivating). Prints what activate() returned, the loader's status, the
 * warnings it logged, and the file of the module that required `vscode`.
 */
const driverSource = `'use strict';
const Module = require('module');
const [loaderPath, storage, waitMs] = process.argv.slice(2);
const warnings = [];
console.warn = (...args) => warnings.push(args.join(' '));
let vscodeRequiredFrom;
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'vscode') {
    vscodeRequiredFrom = parent && parent.filename;
    return { name: 'the vscode stand-in' };
  }
  return load.apply(this, arguments);
};
(async () => {
  const loader = require(loaderPath);
  const context = { globalStorageUri: { scheme: 'file', fsPath: storage }, extensionMode: 1, subscriptions: [] };
  const result = await loader.activate(context);
  const atActivation = loader.codeCacheStatus();
  if (waitMs) await new Promise((resolve) => setTimeout(resolve, Number(waitMs)));
  else await loader.deactivate();
  process.stdout.write(JSON.stringify({ result, atActivation, status: loader.codeCacheStatus(), warnings, vscodeRequiredFrom }));
})().catch((error) => process.stdout.write(JSON.stringify({ error: String((error && error.stack) || error), warnings })));
`;

interface Status {
  status: string;
  reason?: string;
  file?: string;
  write?: string;
  writeError?: string;
}

interface Start {
  result: { marker: string; filename: string; dirname: string; moduleFilename: string; helper: string; vscode: string; count: number; storage: string; stack: string[] };
  atActivation: Status;
  status: Status;
  warnings: string[];
  vscodeRequiredFrom?: string;
  error?: string;
}

describe('the loader of the client with a V8 code cache (client/src/loader.ts)', function () {
  this.timeout(60000);
  let root: string;
  let dist: string;
  let storage: string;
  let driver: string;

  function start(options: { storage?: string; env?: Record<string, string>; waitMs?: number } = {}): Start {
    const args = [driver, path.join(dist, 'extension.js'), options.storage ?? storage];
    if (options.waitMs) args.push(String(options.waitMs));
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NETPOL_NO_CODE_CACHE;
    Object.assign(env, options.env);
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', env });
    assert.strictEqual(run.status, 0, `the start exited with ${run.status} ${run.signal ?? ''}: ${run.stderr}`);
    const out = JSON.parse(run.stdout) as Start;
    assert.strictEqual(out.error, undefined, out.error);
    return out;
  }

  function cacheFiles(dir = storage): string[] {
    const cacheDir = path.join(dir, 'code-cache');
    return fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).sort() : [];
  }

  function writeClient(marker: string): void {
    fs.writeFileSync(path.join(dist, 'client-main.js'), clientSource(marker));
  }

  before(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-loader-')));
    dist = path.join(root, 'extension', 'dist');
    fs.mkdirSync(dist, { recursive: true });
    esbuild.buildSync({
      entryPoints: [path.join(repoRoot, 'client', 'src', 'loader.ts')],
      outfile: path.join(dist, 'extension.js'),
      bundle: true,
      platform: 'node',
      target: 'node18',
      format: 'cjs',
      minify: true,
      logLevel: 'silent',
    });
    fs.writeFileSync(path.join(dist, 'helper.js'), "exports.name = 'the helper next to the bundle';\n");
    driver = path.join(root, 'driver.js');
    fs.writeFileSync(driver, driverSource);
  });

  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  beforeEach(() => {
    writeClient('MARK-A');
    storage = path.join(root, `storage-${Math.random().toString(36).slice(2)}`);
  });

  it('a first start compiles without a cache and writes code-cache/client-main.HASH.bin; the client runs as dist/client-main.js', () => {
    const first = start();
    assert.strictEqual(first.atActivation.status, 'missing');
    assert.strictEqual(first.atActivation.write, 'pending');
    assert.strictEqual(first.status.write, 'written');
    assert.deepStrictEqual(first.warnings, []);
    const files = cacheFiles();
    assert.strictEqual(files.length, 1, files.join(', '));
    assert.match(files[0], /^client-main\.[0-9a-f]{32}\.bin$/);
    assert.strictEqual(first.status.file, path.join(storage, 'code-cache', files[0]));

    const client = path.join(dist, 'client-main.js');
    assert.deepStrictEqual(
      { ...first.result, stack: undefined },
      { marker: 'MARK-A', filename: client, dirname: dist, moduleFilename: client, helper: 'the helper next to the bundle', vscode: 'the vscode stand-in', count: 2997, storage, stack: undefined },
    );
    // VS Code hands `require('vscode')` the API of the extension whose folder holds the requiring module.
    assert.strictEqual(first.vscodeRequiredFrom, client);
  });

  it('a later start uses the cache (V8 accepts it) and does not write it again', () => {
    start();
    const [file] = cacheFiles();
    const before = fs.statSync(path.join(storage, 'code-cache', file));
    const later = start();
    assert.strictEqual(later.status.status, 'used');
    assert.strictEqual(later.status.write, undefined);
    assert.strictEqual(later.result.marker, 'MARK-A');
    assert.strictEqual(later.result.count, 2997);
    assert.deepStrictEqual(cacheFiles(), [file]);
    const after = fs.statSync(path.join(storage, 'code-cache', file));
    assert.strictEqual(after.mtimeMs, before.mtimeMs);
    assert.strictEqual(after.ino, before.ino);
  });

  it('a changed bundle of the same length gets a new key: the old cache is not used, and is deleted once the new one is written', () => {
    start();
    const [old] = cacheFiles();
    const length = fs.statSync(path.join(dist, 'client-main.js')).size;
    writeClient('MARK-B');
    assert.strictEqual(fs.statSync(path.join(dist, 'client-main.js')).size, length);

    const changed = start();
    assert.strictEqual(changed.atActivation.status, 'missing');
    assert.strictEqual(changed.result.marker, 'MARK-B');
    assert.strictEqual(changed.status.write, 'written');
    const files = cacheFiles();
    assert.strictEqual(files.length, 1);
    assert.notStrictEqual(files[0], old);

    const again = start();
    assert.strictEqual(again.status.status, 'used');
    assert.strictEqual(again.result.marker, 'MARK-B');
  });

  it('a damaged or truncated cache file is never given to V8: the client is compiled without it and the file is replaced', () => {
    start();
    const [name] = cacheFiles();
    const file = path.join(storage, 'code-cache', name);
    const good = fs.readFileSync(file);

    // Bytes flipped in the payload, the length unchanged (V8 alone would abort the process).
    const damaged = Buffer.from(good);
    for (let i = Math.floor(damaged.length / 2); i < damaged.length; i += 97) damaged[i] ^= 0x5a;
    fs.writeFileSync(file, damaged);
    const afterDamage = start();
    assert.strictEqual(afterDamage.atActivation.status, 'invalid');
    assert.strictEqual(afterDamage.result.marker, 'MARK-A');
    assert.strictEqual(afterDamage.status.write, 'written');
    assert.strictEqual(start().status.status, 'used');

    fs.writeFileSync(file, good.subarray(0, Math.floor(good.length / 2)));
    const afterTruncation = start();
    assert.strictEqual(afterTruncation.atActivation.status, 'invalid');
    assert.strictEqual(afterTruncation.status.write, 'written');
    assert.strictEqual(start().status.status, 'used');

    fs.writeFileSync(file, 'not a cache');
    assert.strictEqual(start().atActivation.status, 'invalid');
    assert.strictEqual(start().status.status, 'used');
  });

  it('a storage folder that cannot be written: the client still activates, and the failed write is logged', () => {
    const blocker = path.join(root, 'a-file');
    fs.writeFileSync(blocker, '');
    const unwritable = path.join(blocker, 'storage');
    const run = start({ storage: unwritable });
    assert.strictEqual(run.result.marker, 'MARK-A');
    assert.strictEqual(run.atActivation.status, 'missing');
    assert.strictEqual(run.status.write, 'failed');
    assert.strictEqual(run.warnings.length, 1, run.warnings.join('\n'));
    assert.match(run.warnings[0], /code cache: cannot write/);
  });

  it('without a deactivation, the cache is written a few seconds after activation', () => {
    const run = start({ waitMs: 7000 });
    assert.strictEqual(run.atActivation.write, 'pending');
    assert.strictEqual(run.status.write, 'written');
    assert.strictEqual(cacheFiles().length, 1);
  });

  it('NETPOL_NO_CODE_CACHE=1, or a bundle with a source map, is required as before, without a cache', () => {
    const off = start({ env: { NETPOL_NO_CODE_CACHE: '1' } });
    assert.strictEqual(off.status.status, 'off');
    assert.match(off.status.reason ?? '', /NETPOL_NO_CODE_CACHE/);
    assert.strictEqual(off.result.marker, 'MARK-A');
    assert.deepStrictEqual(cacheFiles(), []);

    fs.appendFileSync(path.join(dist, 'client-main.js'), '//# sourceMappingURL=client-main.js.map\n');
    const mapped = start();
    assert.strictEqual(mapped.status.status, 'off');
    assert.match(mapped.status.reason ?? '', /source map/);
    assert.strictEqual(mapped.result.marker, 'MARK-A');
    assert.strictEqual(mapped.vscodeRequiredFrom, path.join(dist, 'client-main.js'));
    assert.deepStrictEqual(cacheFiles(), []);
  });

  it('stack traces name dist/client-main.js with the line and column that require gives', () => {
    const plain = start({ env: { NETPOL_NO_CODE_CACHE: '1' } }).result.stack;
    assert.match(plain[0], /client-main\.js:1:\d+\)$/);
    assert.match(plain[1], /client-main\.js:\d+:\d+\)$/);
    const first = start();
    assert.strictEqual(first.atActivation.status, 'missing');
    assert.deepStrictEqual(first.result.stack, plain);
    const later = start();
    assert.strictEqual(later.status.status, 'used');
    assert.deepStrictEqual(later.result.stack, plain);
  });
});
