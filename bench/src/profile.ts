import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { spawnSync } from 'child_process';
import { generateFileOfLines, generateManifestFile, generateMatrixInput, generateWorkspace } from './generate';
import { LspServer } from './lsp';

/**
 * `node bench/run.mjs --profile [--case server|matrix|check] [--policies N]`: runs a slow case
 * under `node --cpu-prof` and prints where the time went: self and inclusive time per
 * function and self time per source file. Lines of a bundle are mapped back to their source
 * file through the `// path` comments esbuild writes into an unminified bundle.
 * - server: dist/server.js over stdio, opening the N-policy file, typing in it and in a
 *   300-line file, code actions.
 * - matrix: the matrix worker (model and matrix for 1,000 pods, 300 policies, 2 ports).
 * - matrix-cli: `netpol matrix` on the same input, JSON to /dev/null.
 * - check: `netpol check` on the workspace of 1,000 files (`--files N`: N files, 10 N manifests).
 */

const repoRoot = path.resolve(__dirname, '..', '..');
const argv = process.argv.slice(2);
const policiesIndex = argv.indexOf('--policies');
const policies = policiesIndex >= 0 ? Number(argv[policiesIndex + 1]) : 5000;
const caseIndex = argv.indexOf('--case');
const profileCase = caseIndex >= 0 ? argv[caseIndex + 1] : 'server';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** For each line of a bundle, the source module it came from. */
function moduleLines(bundle: string): (line: number) => string {
  const starts: { line: number; module: string }[] = [];
  const lines = fs.readFileSync(bundle, 'utf8').split('\n');
  lines.forEach((text, i) => {
    const match = /^\s*\/\/ ((?:node_modules|server|client)\/\S+\.(?:ts|js|mjs|cjs))$/.exec(text);
    if (match) starts.push({ line: i, module: match[1] });
  });
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = '(bundle prelude)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid].line <= line) {
        found = starts[mid].module;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

function analyse(profile: CpuProfile, bundle: string, top = 25): string {
  const moduleOf = moduleLines(bundle);
  const bundleUrl = pathToFileURL(bundle).toString();
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const c of node.children ?? []) parent.set(c, node.id);
  }
  const where = (node: ProfileNode): { key: string; module: string } => {
    const f = node.callFrame;
    const module = f.url === bundleUrl || f.url === bundle ? moduleOf(f.lineNumber) : f.url ? f.url.replace(/^.*\/node_modules\//, 'node_modules/').replace(/^file:\/\//, '') : `(${f.functionName || 'native'})`;
    const name = f.functionName || '(anonymous)';
    return { key: `${name}  ${module}:${f.lineNumber + 1}`, module };
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const moduleSelf = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const node = byId.get(id)!;
    const here = where(node);
    self.set(here.key, (self.get(here.key) ?? 0) + dt);
    moduleSelf.set(here.module, (moduleSelf.get(here.module) ?? 0) + dt);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = where(byId.get(at)!).key;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
  });
  const table = (title: string, map: Map<string, number>, filter: (key: string) => boolean = () => true) => {
    const entries = [...map.entries()].filter(([k]) => filter(k)).sort((a, b) => b[1] - a[1]).slice(0, top);
    return [`${title}`, ...entries.map(([k, v]) => `  ${v.toFixed(0).padStart(7)} ms ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)].join('\n');
  };
  const ours = (key: string) => / (server|client)\//.test(key);
  return [
    `profile: ${total.toFixed(0)} ms sampled`,
    table('self time by source file', moduleSelf),
    table('self time by function', self),
    table('self time, our code only', self, ours),
    table('inclusive time, our code only', inclusive, ours),
  ].join('\n\n');
}

function readProfile(dir: string): CpuProfile {
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile was written in ${dir}`);
  process.stderr.write(`profile kept at ${path.join(dir, file)}\n`);
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
}

function profileProcess(dir: string, script: string, args: string[]): void {
  const start = performance.now();
  const run = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '200', script, ...args], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  process.stderr.write(`${path.basename(script)} ${args.slice(0, 2).map((a) => path.basename(a)).join(' ')}: ${(performance.now() - start).toFixed(0)} ms, exit ${run.status}\n`);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-profile-'));
  if (profileCase === 'matrix') {
    const input = path.join(dir, 'matrix.yaml');
    fs.writeFileSync(input, generateMatrixInput(1000, 300).text);
    const script = path.join(__dirname, 'workers', 'matrix.js');
    profileProcess(dir, script, [input, '1', '80,443']);
    process.stdout.write(`${analyse(readProfile(dir), script)}\n`);
    return;
  }
  if (profileCase === 'matrix-cli') {
    const input = path.join(dir, 'matrix.yaml');
    fs.writeFileSync(input, generateMatrixInput(1000, 300).text);
    const script = path.join(repoRoot, 'dist', 'cli.js');
    profileProcess(dir, script, ['matrix', input, '--ports', '80,443', '--format', 'json']);
    process.stdout.write(`${analyse(readProfile(dir), script)}\n`);
    return;
  }
  if (profileCase === 'check') {
    const filesIndex = argv.indexOf('--files');
    const files = filesIndex >= 0 ? Number(argv[filesIndex + 1]) : 1000;
    const workspace = generateWorkspace(path.join(dir, 'workspace'), files, files * 10);
    const script = path.join(repoRoot, 'dist', 'cli.js');
    profileProcess(dir, script, ['check', workspace.dir, '--format', 'json']);
    process.stdout.write(`${analyse(readProfile(dir), script)}\n`);
    return;
  }
  const big = generateManifestFile(policies);
  const small = generateFileOfLines(300);
  const server = new LspServer({
    args: [path.join(repoRoot, 'dist', 'server.js'), '--stdio'],
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '200'],
    configuration: (s) => (s === 'netpol' ? { diagnostics: { delay: 0 }, maxFileSize: 1 << 30 } : null),
  });
  await server.initialize();
  const bigUri = pathToFileURL(path.join(dir, 'big.yaml')).toString();
  let start = performance.now();
  const openWait = server.waitForDiagnostics(bigUri, (p) => p.version === 1, 600000);
  await server.open(bigUri, big.text);
  const opened = await openWait;
  process.stderr.write(`open ${policies} policies: ${(performance.now() - start).toFixed(0)} ms to the first diagnostics (${opened.diagnostics.length})\n`);
  // Large files get their semantic rules after a pause: let that run too.
  await new Promise((r) => setTimeout(r, 1000));
  await server.ping();
  await server.idle();
  const all = server.publications(bigUri).filter((p) => p.version === 1);
  process.stderr.write(`  complete: ${(all[all.length - 1].at - start).toFixed(0)} ms (${all[all.length - 1].count} diagnostics, ${all.length} publications)\n`);
  const typeInto = async (uri: string, text: string, count: number) => {
    const lines = text.split('\n');
    const line = lines.findIndex((l, i) => i > lines.length / 2 && /^\s+app: [a-z-]+$/.test(l));
    const times: number[] = [];
    const began = performance.now();
    for (let i = 0; i < count; i++) {
      if (i >= 3 && performance.now() - began > 60000) break;
      const version = i + 2;
      const position = { line, character: lines[line].length + i };
      const wait = server.waitForDiagnostics(uri, (p) => p.version === version, 600000);
      const t = performance.now();
      await server.change(uri, version, [{ range: { start: position, end: position }, text: 'x' }]);
      await wait;
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b);
  };
  const bigTimes = await typeInto(bigUri, big.text, 30);
  process.stderr.write(`typing in ${policies} policies: median ${bigTimes[bigTimes.length >> 1].toFixed(1)} ms, max ${bigTimes[bigTimes.length - 1].toFixed(1)} ms (${bigTimes.length} keystrokes)\n`);
  await new Promise((r) => setTimeout(r, 1000));
  await server.ping();
  await server.idle();
  start = performance.now();
  for (const d of (server.lastDiagnostics(bigUri) ?? opened.diagnostics).slice(0, 50)) {
    await server.request('textDocument/codeAction', { textDocument: { uri: bigUri }, range: d.range, context: { diagnostics: [d] } });
  }
  process.stderr.write(`50 code actions: ${(performance.now() - start).toFixed(0)} ms\n`);
  await server.close(bigUri);
  const smallUri = pathToFileURL(path.join(dir, 'small.yaml')).toString();
  const smallWait = server.waitForDiagnostics(smallUri, (p) => p.version === 1);
  await server.open(smallUri, small.text);
  await smallWait;
  const smallTimes = await typeInto(smallUri, small.text, 100);
  process.stderr.write(`typing in 300 lines: median ${smallTimes[smallTimes.length >> 1].toFixed(2)} ms, p95 ${smallTimes[Math.ceil(smallTimes.length * 0.95) - 1].toFixed(2)} ms\n`);
  await server.shutdown(60000);
  process.stdout.write(`${analyse(readProfile(dir), path.join(repoRoot, 'dist', 'server.js'))}\n`);
}

main().catch((error) => {
  process.stderr.write(`profile: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
