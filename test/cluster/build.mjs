#!/usr/bin/env node
// Builds the kube-apiserver and etcd binaries that the cluster tests run, from the Go
// modules in test/cluster/apiserver and test/cluster/etcd (their go.mod and go.sum pin every
// dependency, so a build is reproducible).
//
// The binaries go to a cache folder keyed by version:
//   $NETPOL_CLUSTER_CACHE/<key>/bin/{kube-apiserver,etcd}
// with NETPOL_CLUSTER_CACHE defaulting to $HOME/.cache/netpol-inspector/cluster and <key>
// naming both versions (k8s-v1.37.2_etcd-v3.7.0). A stamp file records a hash of the go.mod
// and go.sum files used; when both binaries exist and the stamp matches, nothing is built.
//
// Go is taken from PATH, else from $GOROOT/bin or /usr/local/go/bin. GOCACHE, GOMODCACHE and
// GOPATH keep Go's own defaults when HOME is set (so an existing Go cache is reused), and
// otherwise live under the cache folder.
//
// Usage: node test/cluster/build.mjs [--force] [--quiet]
// As a module: import { ensureBinaries } from './build.mjs'; await ensureBinaries().
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The two Go modules we build, and the package each binary comes from. ldflags stamp the
 * version that release builds carry (plain `go build` would report v0.0.0-master in /version).
 */
const targets = [
  {
    name: 'kube-apiserver', moduleDir: path.join(here, 'apiserver'), pkg: 'k8s.io/kubernetes/cmd/kube-apiserver', versionOf: 'k8s.io/kubernetes',
    ldflags: (version) => {
      const [major, minor] = version.replace(/^v/, '').split('.');
      const v = 'k8s.io/component-base/version';
      return [`-X ${v}.gitVersion=${version}`, `-X ${v}.gitMajor=${major}`, `-X ${v}.gitMinor=${minor}`, `-X ${v}.gitTreeState=clean`];
    },
  },
  { name: 'etcd', moduleDir: path.join(here, 'etcd'), pkg: 'go.etcd.io/etcd/server/v3', versionOf: 'go.etcd.io/etcd/server/v3', ldflags: () => [] },
];

/** The version a go.mod requires for a module (a `require` line, single or in a block). */
function requiredVersion(goModText, modulePath) {
  const escaped = modulePath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(goModText);
  if (!match) throw new Error(`cannot find the version of ${modulePath} in go.mod`);
  return match[1];
}

function ldflagsOf(target, version) {
  return ['-s', '-w', ...target.ldflags(version)].join(' ');
}

/** Versions, cache key and paths, without building anything. */
export function clusterVersions() {
  const versions = {};
  const hash = createHash('sha256');
  for (const target of targets) {
    const goMod = fs.readFileSync(path.join(target.moduleDir, 'go.mod'), 'utf8');
    versions[target.name] = requiredVersion(goMod, target.versionOf);
    hash.update(goMod);
    hash.update(fs.readFileSync(path.join(target.moduleDir, 'go.sum'), 'utf8'));
    hash.update(ldflagsOf(target, versions[target.name]));
  }
  const key = `k8s-${versions['kube-apiserver']}_etcd-${versions.etcd}`;
  return { versions, key, stamp: hash.digest('hex') };
}

export function cacheRoot() {
  if (process.env.NETPOL_CLUSTER_CACHE) return path.resolve(process.env.NETPOL_CLUSTER_CACHE);
  return path.join(os.homedir(), '.cache', 'netpol-inspector', 'cluster');
}

/** The go command: from PATH, else $GOROOT/bin, else /usr/local/go/bin. */
export function findGo() {
  const candidates = [];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir) candidates.push(path.join(dir, 'go'));
  if (process.env.GOROOT) candidates.push(path.join(process.env.GOROOT, 'bin', 'go'));
  candidates.push('/usr/local/go/bin/go');
  for (const candidate of candidates) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error('the go command was not found on PATH, in $GOROOT/bin or in /usr/local/go/bin; install Go 1.26 or newer');
}

function goEnvironment(root, goBin) {
  const env = { ...process.env };
  // The go command's own directory first, so tools it runs find the same toolchain.
  env.PATH = [path.dirname(goBin), env.PATH ?? ''].filter(Boolean).join(path.delimiter);
  const home = env.HOME && fs.existsSync(env.HOME) ? env.HOME : undefined;
  if (!home) {
    env.GOPATH ??= path.join(root, 'go', 'path');
    env.GOMODCACHE ??= path.join(root, 'go', 'mod');
    env.GOCACHE ??= path.join(root, 'go', 'build');
  }
  // Static binaries need no C compiler; the go.mod files name go 1.26.0, which the machine's
  // Go satisfies, so no other toolchain is fetched unless GOTOOLCHAIN says so.
  env.CGO_ENABLED = '0';
  env.GOTOOLCHAIN ??= 'local';
  env.GOFLAGS = [env.GOFLAGS ?? '', '-mod=readonly', '-trimpath', '-modcacherw'].join(' ').trim();
  return env;
}

function run(command, args, options, log) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk) => {
      output += chunk.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
      log(chunk.toString());
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${output.split('\n').slice(-40).join('\n')}`));
    });
  });
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).size > 0;
  } catch {
    return false;
  }
}

/**
 * Makes sure both binaries exist in the cache and returns their paths. Builds only what is
 * missing or stale. `quiet` silences the go command's progress; `force` rebuilds.
 */
export async function ensureBinaries({ force = false, quiet = false } = {}) {
  const { versions, key, stamp } = clusterVersions();
  const root = cacheRoot();
  const dir = path.join(root, key);
  const binDir = path.join(dir, 'bin');
  const stampFile = path.join(dir, 'stamp');
  const paths = Object.fromEntries(targets.map((t) => [t.name, path.join(binDir, t.name)]));
  const log = quiet ? () => {} : (text) => process.stderr.write(text);
  const current = fs.existsSync(stampFile) ? fs.readFileSync(stampFile, 'utf8').trim() : '';
  const upToDate = !force && current === stamp && targets.every((t) => isExecutable(paths[t.name]));
  const result = { versions, key, dir, binDir, kubeApiserver: paths['kube-apiserver'], etcd: paths.etcd, built: false, seconds: {} };
  if (upToDate) return result;

  const goBin = findGo();
  const env = goEnvironment(root, goBin);
  fs.mkdirSync(binDir, { recursive: true });
  if (current !== stamp) fs.rmSync(stampFile, { force: true });
  for (const target of targets) {
    if (!force && current === stamp && isExecutable(paths[target.name])) continue;
    const started = Date.now();
    log(`netpol cluster: building ${target.name} ${versions[target.name]} into ${binDir} (takes minutes the first time)\n`);
    const temporary = `${paths[target.name]}.tmp-${process.pid}`;
    try {
      await run(goBin, ['build', '-ldflags', ldflagsOf(target, versions[target.name]), '-o', temporary, target.pkg], { cwd: target.moduleDir, env }, log);
      fs.renameSync(temporary, paths[target.name]);
    } finally {
      fs.rmSync(temporary, { force: true });
    }
    result.seconds[target.name] = (Date.now() - started) / 1000;
    log(`netpol cluster: built ${target.name} in ${result.seconds[target.name].toFixed(0)} s\n`);
  }
  fs.writeFileSync(stampFile, `${stamp}\n`);
  result.built = true;
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = new Set(process.argv.slice(2));
  const started = Date.now();
  ensureBinaries({ force: args.has('--force'), quiet: args.has('--quiet') }).then(
    (result) => {
      process.stdout.write(`${JSON.stringify({ ...result, totalSeconds: (Date.now() - started) / 1000 }, null, 2)}\n`);
    },
    (error) => {
      process.stderr.write(`netpol cluster: ${error.message}\n`);
      process.exit(1);
    },
  );
}

/** What a built binary says of its own version (for reports). */
export function binaryVersion(file) {
  const out = spawnSync(file, ['--version'], { encoding: 'utf8' });
  return (out.stdout || out.stderr || '').trim();
}
