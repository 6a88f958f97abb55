// `npm run test:differential [-- --sets N --seed S --only INDEX --jobs J --keep]`: installs the
// peer when needed, bundles the comparer with esbuild, and runs it. Exit 0 only when every
// disagreement with the peer is explained.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { ensurePeer } from './install-peer.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const bundle = path.join(repoRoot, 'out', 'differential', 'main.js');

let peer;
try {
  peer = ensurePeer();
} catch (error) {
  console.error(`cannot install the peer: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}

await esbuild.build({
  entryPoints: [path.join(here, 'src', 'main.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  logLevel: 'warning',
});

const result = spawnSync(process.execPath, ['--enable-source-maps', bundle, '--peer', peer.binary, ...process.argv.slice(2)], { cwd: repoRoot, stdio: 'inherit' });
process.exit(result.status ?? 1);
