// Builds np-guard's netpol-analyzer (the `netpolicy` command) from the Go module proxy into a
// cache folder, and reuses it when it is already there. Usable alone: `node install-peer.mjs`.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const moduleDir = path.join(here, 'peer');
const peerPackage = 'github.com/np-guard/netpol-analyzer/cmd/netpolicy';

/** The version that peer/go.mod requires: the one place where it is written. */
export function peerVersion() {
  const goMod = fs.readFileSync(path.join(moduleDir, 'go.mod'), 'utf8');
  const match = /^require\s+github\.com\/np-guard\/netpol-analyzer\s+(v\S+)/m.exec(goMod);
  if (!match) throw new Error('test/differential/peer/go.mod does not require github.com/np-guard/netpol-analyzer');
  return match[1];
}

function findGo() {
  const candidates = [process.env.GO, 'go', '/usr/local/go/bin/go'].filter(Boolean);
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['version'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  throw new Error('the Go toolchain is needed to build the peer (netpolicy); none was found on PATH or at /usr/local/go/bin/go');
}

function works(binary) {
  if (!fs.existsSync(binary)) return false;
  return spawnSync(binary, ['--help'], { encoding: 'utf8' }).status === 0;
}

/**
 * Returns the path of the netpolicy binary, building it first when the cache lacks it.
 * The cache is NETPOLICY_CACHE, else .cache/netpolicy under the repository (gitignored).
 */
export function ensurePeer(log = (line) => console.log(line)) {
  const version = peerVersion();
  const cacheRoot = process.env.NETPOLICY_CACHE ? path.resolve(process.env.NETPOLICY_CACHE) : path.join(repoRoot, '.cache', 'netpolicy');
  const dir = path.join(cacheRoot, version);
  const binary = path.join(dir, 'netpolicy');
  if (works(binary)) {
    log(`peer: netpolicy ${version} from ${path.relative(repoRoot, binary) || binary}`);
    return { binary, version, built: false, seconds: 0 };
  }
  const go = findGo();
  const started = Date.now();
  log(`peer: building netpolicy ${version} with ${execFileSync(go, ['version'], { encoding: 'utf8' }).trim()} (a first build takes minutes)`);
  // Build in a copy of the module so that the go command never rewrites the tracked go.mod/go.sum.
  const work = path.join(dir, 'module');
  fs.mkdirSync(work, { recursive: true });
  for (const name of ['go.mod', 'go.sum', 'tools.go']) fs.copyFileSync(path.join(moduleDir, name), path.join(work, name));
  const env = {
    ...process.env,
    GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=mod`.trim(),
    // The checksum database has no record of github.com/np-guard/models v0.5.7; go.sum pins its
    // hash (the one the module proxy reports), so the database is not asked about np-guard modules.
    GONOSUMDB: [process.env.GONOSUMDB, 'github.com/np-guard'].filter(Boolean).join(','),
  };
  const temporary = `${binary}.${process.pid}.tmp`;
  const result = spawnSync(go, ['build', '-trimpath', '-ldflags=-s -w', '-o', temporary, peerPackage], { cwd: work, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    fs.rmSync(temporary, { force: true });
    throw new Error(`go build ${peerPackage}@${version} failed (exit ${result.status ?? result.signal})`);
  }
  fs.renameSync(temporary, binary);
  if (!works(binary)) throw new Error(`the built ${binary} does not run`);
  const seconds = (Date.now() - started) / 1000;
  log(`peer: built ${path.relative(repoRoot, binary) || binary} in ${seconds.toFixed(1)} s`);
  return { binary, version, built: true, seconds };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensurePeer();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
