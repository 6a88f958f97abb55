import crypto = require('crypto');
import fs = require('fs');
import Module = require('module');
import path = require('path');
import vm = require('vm');
import type * as vscode from 'vscode';

/**
 * dist/extension.js, the extension's `main`: loads the client (dist/client-main.js, built from
 * extension.ts) with a V8 code cache, then hands activation to it.
 *
 * Requiring the client's 400 KB bundle costs V8 most of the activation time: compiling the
 * script, then compiling each function the first time it runs. A code cache made after a start
 * (`script.createCachedData()` once activation has run, so the functions compiled lazily are in
 * it) lets the next start skip both. VS Code does not cache extension code itself.
 *
 * The cache is one file under the extension's global storage, code-cache/client-main.KEY.bin,
 * where KEY hashes the bundle's text, the wrapper, V8's version and the architecture: V8 checks
 * only the length of the source against the cache (microsoft/vscode#105512, stale code after an
 * update of the same length), so the key decides. The file starts with a header holding the key
 * and a SHA-256 of the payload: V8 does not verify its own checksum in release builds, and a
 * damaged payload makes it abort the process (the whole extension host), so a file that fails
 * the check is never given to V8.
 *
 * With no usable cache (none, damaged, or rejected by V8), the bundle is compiled without one,
 * and the cache is written a few seconds after activation (or at deactivation, if that comes
 * first), to a temporary name then renamed; files of other keys are deleted then. A cache
 * problem never stops activation: a failure while loading the client this way falls back to a
 * plain `require` (and deletes the cache file), and a failed write is only logged.
 *
 * Not cached, required as before:
 * - with NETPOL_NO_CODE_CACHE=1 in the extension host's environment;
 * - a bundle with a source map (`npm run build`; the .vsix is built without): Node maps stack
 *   traces (`--enable-source-maps`) only for code it loaded with `require`;
 * - when the global storage is not a local folder.
 */

const MAIN = 'client-main.js';
const CACHE_DIR = 'code-cache';
const CACHE_NAME = /^client-main\.[0-9a-f]{32}\.bin$/;
/** Node's CommonJS wrapper, spelled out: the compiled text must not depend on Module.wrapper patches. */
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAPPER_TAIL = '\n});';
const HEADER_TAG = 'netpol-inspector code cache 1 ';
/** How long after activation the cache is made: the functions compiled by then are in it. */
const WRITE_DELAY_MS = 5000;
/** A temporary file older than this was left by a write that did not finish. */
const STALE_TEMP_MS = 10 * 60 * 1000;

interface MainModule {
  activate(context: vscode.ExtensionContext): unknown;
  deactivate?(): unknown;
}

/** How the client was loaded; for the benchmark, the tests and bug reports. */
export interface CodeCacheStatus {
  /**
   * - `off`: not cached (`reason` says why), required as before;
   * - `missing`: no cache file for this bundle yet;
   * - `used`: compiled from the cache;
   * - `rejected`: V8 refused the cache (another V8 build or flags);
   * - `invalid`: the file failed the loader's own check (damaged, or another key);
   * - `failed`: loading it this way threw (`reason`); it was required instead.
   */
  status: 'off' | 'missing' | 'used' | 'rejected' | 'invalid' | 'failed';
  reason?: string;
  /** The cache file of this bundle. */
  file?: string;
  /** Writing a new cache: `pending` until the timer or deactivation, then `written` or `failed`. */
  write?: 'pending' | 'written' | 'failed';
  writeError?: string;
  /** Time taken to load the client (read, hash, compile, run its module body), ms. */
  loadMs?: number;
}

let main: MainModule | undefined;
let state: CodeCacheStatus = { status: 'off', reason: 'not activated' };
/** The compiled script while a cache is to be written from it. */
let pending: { script: vm.Script; file: string; key: string; timer?: NodeJS.Timeout } | undefined;
let writing: Promise<void> | undefined;

export function codeCacheStatus(): CodeCacheStatus {
  return { ...state };
}

export async function activate(context: vscode.ExtensionContext): Promise<unknown> {
  const started = performance.now();
  main = load(context);
  state.loadMs = performance.now() - started;
  const api = await main.activate(context);
  if (pending) {
    state.write = 'pending';
    pending.timer = setTimeout(() => void flush(), WRITE_DELAY_MS);
    pending.timer.unref();
  }
  return api;
}

export async function deactivate(): Promise<void> {
  // A start shorter than the delay still leaves a cache for the next one.
  const written = flush();
  try {
    await main?.deactivate?.();
  } finally {
    await written;
  }
}

function warn(message: string, error?: unknown): void {
  console.warn(`[netpol-inspector] code cache: ${message}${error === undefined ? '' : `: ${error instanceof Error ? error.message : String(error)}`}`);
}

function load(context: vscode.ExtensionContext): MainModule {
  const filename = path.join(__dirname, MAIN);
  const plain = (reason: string): MainModule => {
    state = { status: 'off', reason };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(filename) as MainModule;
  };
  if (process.env.NETPOL_NO_CODE_CACHE && process.env.NETPOL_NO_CODE_CACHE !== '0') return plain('NETPOL_NO_CODE_CACHE is set');
  const storage = context.globalStorageUri;
  if (!storage || storage.scheme !== 'file') return plain('the global storage is not a local folder');
  let source: string;
  try {
    source = fs.readFileSync(filename, 'utf8');
  } catch (error) {
    return plain(`cannot read ${MAIN}: ${error instanceof Error ? error.message : String(error)}`);
  }
  // esbuild ends a bundle with its source map comment.
  if (/\n\/\/# sourceMappingURL=[^\n]*\s*$/.test(source.slice(-1000))) return plain('the bundle has a source map');
  let file: string | undefined;
  try {
    const key = crypto
      .createHash('sha256')
      .update(`${process.versions.v8}\0${process.arch}\0${WRAPPER_HEAD}\0${WRAPPER_TAIL}\0`)
      .update(source)
      .digest('hex')
      .slice(0, 32);
    file = path.join(storage.fsPath, CACHE_DIR, `client-main.${key}.bin`);
    const cached = readCache(file, key);
    const script = new vm.Script(WRAPPER_HEAD + source + WRAPPER_TAIL, {
      filename,
      // Stack traces give the bundle's own columns on its first line.
      columnOffset: -WRAPPER_HEAD.length,
      cachedData: cached.data,
      // As `require` would: an `import()` in the bundle uses Node's loader.
      importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    } as vm.ScriptOptions);
    state = { status: cached.data ? (script.cachedDataRejected ? 'rejected' : 'used') : cached.status, file };
    if (cached.reason) state.reason = cached.reason;
    const exports = run(script, filename);
    if (state.status !== 'used') pending = { script, file, key };
    return exports;
  } catch (error) {
    warn(`loading ${MAIN} through the cache failed, requiring it instead`, error);
    // The file may be what broke it: the next start makes a new one.
    if (file) fs.rm(file, { force: true }, () => undefined);
    pending = undefined;
    state = { status: 'failed', reason: error instanceof Error ? error.message : String(error), file };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(filename) as MainModule;
  }
}

/** The cache payload of `file` if it is whole and made for `key`. */
function readCache(file: string, key: string): { data?: Buffer; status: 'missing' | 'invalid'; reason?: string } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { status: 'missing', reason: code === 'ENOENT' ? undefined : `cannot read it: ${code ?? String(error)}` };
  }
  const header = Buffer.from(`${HEADER_TAG}${key}\n`, 'latin1');
  const digestEnd = header.length + 32;
  if (bytes.length <= digestEnd || !bytes.subarray(0, header.length).equals(header)) return { status: 'invalid', reason: 'not a cache of this bundle' };
  const data = bytes.subarray(digestEnd);
  if (!crypto.createHash('sha256').update(data).digest().equals(bytes.subarray(header.length, digestEnd))) return { status: 'invalid', reason: 'checksum mismatch' };
  return { data, status: 'missing' };
}

/** Runs the compiled wrapper as Node runs a CommonJS module, as the module `filename`. */
function run(script: vm.Script, filename: string): MainModule {
  const dirname = path.dirname(filename);
  type NodeModule = Module & { filename: string; paths: string[]; loaded: boolean; exports: unknown };
  const ModuleClass = Module as unknown as { new (id: string, parent?: unknown): NodeModule; _nodeModulePaths?(dir: string): string[]; _cache: Record<string, unknown> };
  const mod = new ModuleClass(filename, module);
  mod.filename = filename;
  mod.paths = ModuleClass._nodeModulePaths?.(dirname) ?? [];
  // `require` is relative to the bundle, and its requests come from a module inside the
  // extension's folder: VS Code gives `require('vscode')` the API of the extension whose
  // folder holds the requiring module.
  const requireFromMain = Module.createRequire(filename);
  const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => void;
  ModuleClass._cache[filename] = mod;
  try {
    wrapper.call(mod.exports, mod.exports, requireFromMain, mod, filename, dirname);
  } catch (error) {
    delete ModuleClass._cache[filename];
    throw error;
  }
  mod.loaded = true;
  return mod.exports as MainModule;
}

/** Writes the pending cache now, if there is one; never rejects. */
function flush(): Promise<void> {
  if (!pending) return writing ?? Promise.resolve();
  const { script, file, key, timer } = pending;
  pending = undefined;
  if (timer) clearTimeout(timer);
  writing = write(script, file, key).then(
    () => {
      state.write = 'written';
    },
    (error: unknown) => {
      state.write = 'failed';
      state.writeError = error instanceof Error ? error.message : String(error);
      warn(`cannot write ${file}`, error);
    },
  );
  return writing;
}

async function write(script: vm.Script, file: string, key: string): Promise<void> {
  const data = script.createCachedData();
  const header = Buffer.from(`${HEADER_TAG}${key}\n`, 'latin1');
  const digest = crypto.createHash('sha256').update(data).digest();
  const dir = path.dirname(file);
  await fs.promises.mkdir(dir, { recursive: true });
  const temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.promises.writeFile(temp, Buffer.concat([header, digest, data]));
    await fs.promises.rename(temp, file);
  } catch (error) {
    await fs.promises.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  // The caches of earlier versions of the bundle (or of another V8) are not needed again.
  const name = path.basename(file);
  for (const entry of await fs.promises.readdir(dir)) {
    if (entry === name) continue;
    const other = path.join(dir, entry);
    try {
      if (CACHE_NAME.test(entry)) await fs.promises.rm(other, { force: true });
      else if (entry.endsWith('.tmp') && Date.now() - (await fs.promises.stat(other)).mtimeMs > STALE_TEMP_MS) await fs.promises.rm(other, { force: true });
    } catch (error) {
      warn(`cannot delete ${other}`, error);
    }
  }
}
