// Builds the benchmark (bench/src, TypeScript) into out/bench with esbuild and runs it:
// `node bench/run.mjs [--quick] [--no-yamlls] [--budget-min N]`, or `--profile` for the
// CPU profile of the slow cases. `npm run bench` builds dist/ first.
import * as esbuild from 'esbuild';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'out', 'bench');
// The workers import the code under test; one that does not build (work in progress
// elsewhere) only loses its own figures.
const entries = [
  { name: 'main', source: 'bench/src/main.ts', required: true },
  { name: 'profile', source: 'bench/src/profile.ts', required: true },
  { name: 'workers/yamllsServer', source: 'bench/src/yamllsServer.ts', required: true },
  { name: 'workers/core', source: 'bench/src/workers/core.ts' },
  { name: 'workers/matrix', source: 'bench/src/workers/matrix.ts' },
  { name: 'workers/activation', source: 'bench/src/workers/activation.ts' },
];

for (const entry of entries) {
  try {
    await esbuild.build({
      entryPoints: [path.join(root, entry.source)],
      outfile: path.join(out, `${entry.name}.js`),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'external',
      sourcemap: true,
      logLevel: 'silent',
    });
  } catch (error) {
    const message = (error.errors ?? []).map((e) => `${e.location?.file ?? ''}:${e.location?.line ?? ''} ${e.text}`).join('; ') || String(error);
    if (entry.required) {
      console.error(`bench: cannot build ${entry.source}: ${message}`);
      process.exit(1);
    }
    console.error(`bench: warning: ${entry.source} does not build, its figures will be missing: ${message}`);
  }
}

const args = process.argv.slice(2);
const script = args.includes('--profile') ? 'profile.js' : 'main.js';
const child = spawn(process.execPath, ['--enable-source-maps', path.join(out, script), ...args.filter((a) => a !== '--profile')], { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
