#!/usr/bin/env node
// Installs code-server (the real VS Code workbench, served to a browser) on first use into a
// cache folder, and reuses it afterwards, the way @vscode/test-electron caches VS Code in
// .vscode-test/. It is deliberately not an npm dependency: `npm ci` stays light.
//
// The install works offline (only the npm registry and Debian's packages are reachable):
// code-server's own postinstall would run `npm install` in lib/vscode, where @vscode/ripgrep
// downloads a binary from the internet. So this script does what that postinstall does, step by
// step, with `--ignore-scripts`, then rebuilds the native modules from source against the local
// Node headers and links Debian's ripgrep.
//
//   node scripts/code-server.mjs install     install if missing (and Debian packages), print the path
//   node scripts/code-server.mjs path        print the entry point, or exit 1 when not installed
//   node scripts/code-server.mjs -- ARGS     run code-server with ARGS (installing first)
//
// Environment:
//   NETPOL_CODE_SERVER_CACHE   cache folder (default: <repo>/.cache/code-server); each version
//                              gets its own subfolder
//   NETPOL_SKIP_APT=1          never run apt-get (fail with the list of missing packages instead)

import { spawnSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
/** The VS Code version that this code-server carries (engines.vscode is set from it). */
export const VSCODE_VERSION = '1.100.3';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages: ripgrep for the workbench's search, libkrb5-dev to build `kerberos`. */
export const CODE_SERVER_APT_PACKAGES = ['ripgrep', 'libkrb5-dev'];
/** Debian packages the browser tests need in addition. */
export const BROWSER_APT_PACKAGES = ['chromium', 'fonts-dejavu-core'];

/** The native modules of lib/vscode, rebuilt from source (their prebuilt download is offline). */
const VSCODE_NATIVE_MODULES = ['@parcel/watcher', '@vscode/spdlog', 'kerberos', 'native-watchdog', 'node-pty', '@vscode/deviceid'];

const MARKER = '.netpol-install.json';

function defaultLog(message) {
  process.stderr.write(`[code-server] ${message}\n`);
}

export function cacheRoot() {
  const fromEnv = process.env.NETPOL_CODE_SERVER_CACHE;
  return fromEnv ? path.resolve(fromEnv) : path.join(repoRoot, '.cache', 'code-server');
}

export function installDir(version = CODE_SERVER_VERSION) {
  return path.join(cacheRoot(), version);
}

function packageDir(dir) {
  return path.join(dir, 'node_modules', 'code-server');
}

export function entryPoint(dir = installDir()) {
  return path.join(packageDir(dir), 'out', 'node', 'entry.js');
}

/** The installed entry point, or undefined when this version is not (completely) installed. */
export function findCodeServer(version = CODE_SERVER_VERSION) {
  const dir = installDir(version);
  if (fs.existsSync(path.join(dir, MARKER)) && fs.existsSync(entryPoint(dir))) return entryPoint(dir);
  return undefined;
}

function run(command, args, options = {}) {
  const { cwd, env, log = defaultLog, quiet = false } = options;
  log(`$ ${[command, ...args].join(' ')}${cwd ? `   (in ${path.relative(repoRoot, cwd) || '.'})` : ''}`);
  const stepStarted = Date.now();
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, ...env },
    // The tools' own output goes to stderr: stdout carries only what this script prints.
    stdio: quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 2, 2],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new Error(`${command} could not be started: ${result.error.message}`);
  if (result.status !== 0) {
    const output = quiet ? `\n${result.stdout ?? ''}${result.stderr ?? ''}` : '';
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}${output}`);
  }
  log(`  (${((Date.now() - stepStarted) / 1000).toFixed(1)} s)`);
  return result;
}

function isInstalledDeb(name) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${db:Status-Status}', name], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.trim() === 'installed';
}

/**
 * Installs the Debian packages that are missing (apt-get update first). Does nothing when all
 * are there; fails with a clear message when it may not or cannot install them.
 */
export function ensureAptPackages(names, { log = defaultLog } = {}) {
  const hasDpkg = spawnSync('dpkg-query', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!hasDpkg) {
    log(`dpkg-query not found: not a Debian system, assuming ${names.join(', ')} are provided.`);
    return [];
  }
  const missing = names.filter((name) => !isInstalledDeb(name));
  if (missing.length === 0) return [];
  const hint = `Install them with: apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.env.NETPOL_SKIP_APT === '1') throw new Error(`Missing Debian packages: ${missing.join(', ')}. ${hint}`);
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = root ? [] : spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0 ? ['sudo', '-n'] : undefined;
  if (!sudo) throw new Error(`Missing Debian packages: ${missing.join(', ')}, and this user cannot run apt-get. ${hint}`);
  const prefix = sudo.length ? [...sudo, 'env', 'DEBIAN_FRONTEND=noninteractive'] : ['env', 'DEBIAN_FRONTEND=noninteractive'];
  const aptGet = (args) => run(prefix[0], [...prefix.slice(1), 'apt-get', ...args], { log });
  const started = Date.now();
  log(`Installing missing Debian packages: ${missing.join(', ')}`);
  // apt-get update first: before it, a new machine's package lists may be empty or stale.
  aptGet(['update', '-q']);
  aptGet(['install', '-y', '-q', '--no-install-recommends', ...missing]);
  log(`Debian packages installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return missing;
}

/** The folder holding Node's C headers (include/node/common.gypi), so node-gyp never downloads them. */
function nodeHeadersDir() {
  const candidates = [path.resolve(path.dirname(process.execPath), '..'), '/usr', '/usr/local'];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'include', 'node', 'common.gypi')));
}

function symlink(target, linkPath) {
  fs.rmSync(linkPath, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(linkPath), { recursive: true });
  fs.symlinkSync(target, linkPath);
}

function which(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

/**
 * Returns the code-server entry point, installing this version into the cache on first use.
 * Safe to run concurrently: each install works in its own folder and the first to finish wins.
 */
export function ensureCodeServer({ version = CODE_SERVER_VERSION, log = defaultLog, apt = true } = {}) {
  removeStalePartials(installDir(version), log);
  const found = findCodeServer(version);
  if (found) {
    return { entry: found, dir: installDir(version), version, installed: false, seconds: 0 };
  }
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) {
    throw new Error(`code-server ${version} needs Node.js 20; this is Node.js ${process.versions.node}.`);
  }
  const started = Date.now();
  log(`code-server ${version} is not in ${path.relative(process.cwd(), installDir(version)) || installDir(version)}: installing it (a few minutes, once).`);
  if (apt) ensureAptPackages(CODE_SERVER_APT_PACKAGES, { log });
  const rg = fs.existsSync('/usr/bin/rg') ? '/usr/bin/rg' : which('rg');
  if (!rg) throw new Error('ripgrep (rg) is not installed: apt-get install ripgrep');

  const finalDir = installDir(version);
  const work = `${finalDir}.partial-${process.pid}`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const headers = nodeHeadersDir();
  const env = {
    // As root, npm refuses to run code-server's and the native modules' scripts without it.
    npm_config_unsafe_perm: 'true',
    npm_config_yes: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    // node-gyp: use the local headers instead of downloading them.
    ...(headers ? { npm_config_nodedir: headers } : {}),
    // Some install scripts look for these to skip downloads.
    VSCODE_RIPGREP_SKIP_DOWNLOAD: '1',
  };
  try {
    fs.writeFileSync(path.join(work, 'package.json'), `${JSON.stringify({ name: 'netpol-code-server-cache', private: true, description: `code-server ${version} for the NetworkPolicy Inspector editor tests` }, null, 2)}\n`);
    // 1. code-server itself, without its postinstall (that one would download ripgrep).
    run('npm', ['install', '--ignore-scripts', '--omit=dev', '--no-package-lock', '--loglevel=error', `code-server@${version}`], { cwd: work, env, log });
    // argon2 (password hashing) is loaded at start even with --auth none: build it.
    run('npm', ['rebuild', '--loglevel=error', 'argon2'], { cwd: work, env, log });

    // 2. What code-server's postinstall.sh does, offline.
    const vscodeDir = path.join(packageDir(work), 'lib', 'vscode');
    run('npm', ['install', '--ignore-scripts', '--omit=dev', '--loglevel=error'], { cwd: vscodeDir, env, log });
    run('npm', ['rebuild', '--loglevel=error', ...VSCODE_NATIVE_MODULES], { cwd: vscodeDir, env, log });
    symlink(rg, path.join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'));
    symlink('node_modules', path.join(vscodeDir, 'node_modules.asar'));
    symlink('code-linux.sh', path.join(vscodeDir, 'bin', 'remote-cli', 'code-server'));
    symlink('browser-linux.sh', path.join(vscodeDir, 'bin', 'helpers', 'browser.sh'));
    const extensionsDir = path.join(vscodeDir, 'extensions');
    run('npm', ['install', '--ignore-scripts', '--omit=dev', '--loglevel=error'], { cwd: extensionsDir, env, log });
    run(process.execPath, ['postinstall.mjs'], { cwd: extensionsDir, env, log, quiet: true });

    // 3. It must start.
    const check = run(process.execPath, [entryPoint(work), '--version'], { cwd: work, log, quiet: true });
    if (!check.stdout.includes(version)) throw new Error(`code-server --version printed ${JSON.stringify(check.stdout)}`);
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    fs.writeFileSync(path.join(work, MARKER), `${JSON.stringify({ version, node: process.versions.node, installedAt: new Date().toISOString(), seconds }, null, 2)}\n`);
    try {
      fs.renameSync(work, finalDir);
    } catch (error) {
      // Another run finished first: use its install.
      if (!findCodeServer(version)) throw error;
      fs.rmSync(work, { recursive: true, force: true });
    }
    log(`code-server ${version} installed in ${seconds} s`);
    return { entry: entryPoint(finalDir), dir: finalDir, version, installed: true, seconds };
  } catch (error) {
    fs.rmSync(work, { recursive: true, force: true });
    throw error;
  }
}

/** Removes what interrupted installs left behind (folders of processes that no longer run). */
function removeStalePartials(finalDir, log) {
  const parent = path.dirname(finalDir);
  if (!fs.existsSync(parent)) return;
  const prefix = `${path.basename(finalDir)}.partial-`;
  for (const name of fs.readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = pid !== process.pid;
    } catch {
      alive = false;
    }
    if (!alive) {
      log(`removing ${name}, left by an interrupted install`);
      fs.rmSync(path.join(parent, name), { recursive: true, force: true });
    }
  }
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export async function freePort() {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Writes the user settings and starts code-server on 127.0.0.1. Returns the child process
 * (leader of its own process group, so that stop() ends it and everything it started), the
 * URL, and the log collected so far.
 */
export async function startCodeServer({ entry, workspace, extensionsDir, userDataDir, port, settings = {}, extraArgs = [], env = {}, log = defaultLog, inheritOutput = false }) {
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  const args = [
    entry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--extensions-dir', extensionsDir,
    '--user-data-dir', userDataDir,
    ...extraArgs,
    workspace,
  ];
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', ...env },
  });
  const output = [];
  const onData = (chunk) => {
    const text = chunk.toString();
    output.push(text);
    if (inheritOutput) process.stderr.write(text);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const url = `http://127.0.0.1:${port}/`;
  await waitForHttp(url, 90_000, child, output);
  log(`code-server is serving ${url}`);
  return {
    child,
    url,
    output,
    stop: () => stopProcessGroup(child),
  };
}

/** Ends the process group that `child` leads (code-server and its extension host, pty host, watcher). */
export async function stopProcessGroup(child, graceMs = 5000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const signal = (name) => {
    try {
      process.kill(-child.pid, name);
    } catch {
      try {
        child.kill(name);
      } catch {
        // already gone
      }
    }
  };
  signal('SIGTERM');
  const timer = new Promise((resolve) => setTimeout(() => resolve('timeout'), graceMs));
  if ((await Promise.race([exited, timer])) === 'timeout') {
    signal('SIGKILL');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
  }
  // Children that outlived the leader are still in its group.
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // none left
  }
}

async function waitForHttp(url, timeoutMs, child, output) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited (${child.exitCode ?? child.signalCode}) before serving ${url}:\n${output.join('')}`);
    }
    try {
      const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
      if (response.status < 500) return;
      lastError = new Error(`HTTP ${response.status}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`code-server did not answer on ${url} within ${timeoutMs / 1000} s (${lastError?.message ?? 'no answer'}):\n${output.join('')}`);
}

async function main(argv) {
  const [command = 'install', ...rest] = argv;
  if (command === 'path') {
    const found = findCodeServer();
    if (!found) {
      process.stderr.write(`code-server ${CODE_SERVER_VERSION} is not installed in ${installDir()}\n`);
      return 1;
    }
    process.stdout.write(`${found}\n`);
    return 0;
  }
  if (command === 'install') {
    const result = ensureCodeServer();
    if (rest.includes('--browser')) ensureAptPackages(BROWSER_APT_PACKAGES);
    process.stderr.write(result.installed ? `Installed in ${result.seconds} s.\n` : `Already installed (cached).\n`);
    process.stdout.write(`${result.entry}\n`);
    return 0;
  }
  if (command === '--') {
    const { entry } = ensureCodeServer();
    const child = spawn(process.execPath, [entry, ...rest], { stdio: 'inherit' });
    return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  }
  process.stderr.write('Usage: node scripts/code-server.mjs install [--browser] | path | -- ARGS\n');
  return 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
