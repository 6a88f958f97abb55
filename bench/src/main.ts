import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { generateFileOfLines, generateManifestFile, generateMatrixInput, generateWorkspace, GeneratedFile, GeneratedWorkspace, invalidPolicyText } from './generate';
import { networkPolicyJsonSchema } from './jsonSchema';
import { LspServer } from './lsp';
import { Rng } from './rng';
import { formatBytes, formatMs, formatRatio, median, summarize, Summary } from './stats';

/**
 * `npm run bench`: the performance benchmark of issue 9. Every editor figure is taken over a
 * real language server process driven through stdio JSON-RPC; every figure is the median of
 * several runs, and every comparison is a ratio of figures measured in this same run, run by
 * run where the contenders take turns on the same input. The run keeps to a time budget: a
 * section that would not fit is recorded as skipped.
 * Options: --quick (sizes up to 1,000 policies, fewer runs), --no-yamlls, --budget-min N,
 * --only bundles,activation,open,workspace,matrix (a subset of the sections), --report (judges
 * the figures of bench/results.json against the budgets below again, without measuring).
 */

const repoRoot = path.resolve(__dirname, '..', '..');
const dist = path.join(repoRoot, 'dist');
const workers = path.join(__dirname, 'workers');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const withYamlls = !argv.includes('--no-yamlls');
const onlyIndex = argv.indexOf('--only');
const only = onlyIndex >= 0 ? new Set(argv[onlyIndex + 1].split(',')) : undefined;
const wanted = (name: string) => !only || only.has(name);
const budgetIndex = argv.indexOf('--budget-min');
const budgetMs = (budgetIndex >= 0 ? Number(argv[budgetIndex + 1]) : 14) * 60000;
const started = performance.now();
const sizes = quick ? [10, 100, 1000] : [10, 100, 1000, 5000];
const largest = sizes[sizes.length - 1];
const runsFor = (size: number) => (quick ? 3 : size <= 100 ? 7 : 5);
/** How long the paired open runs of one size may take before fewer runs are made. */
const openCapMs = (size: number) => (size <= 100 ? 40000 : size <= 1000 ? 90000 : 300000);
const NA = 'n/a';

interface Row {
  section: string;
  label: string;
  value: string;
}

const rows: Row[] = [];
const results: Record<string, unknown> = {};
const notes: string[] = [];

function elapsed(): number {
  return performance.now() - started;
}

function timeLeft(): number {
  return budgetMs - elapsed();
}

function row(section: string, label: string, value: string): void {
  rows.push({ section, label, value });
  process.stderr.write(`  ${section} | ${label}: ${value}\n`);
}

function log(message: string): void {
  process.stderr.write(`[bench ${(elapsed() / 1000).toFixed(0)}s] ${message}\n`);
}

function ratio(numerator: number | undefined, denominator: number | undefined): number | undefined {
  return typeof numerator === 'number' && typeof denominator === 'number' && denominator > 0 ? numerator / denominator : undefined;
}

function fileUri(file: string): string {
  return pathToFileURL(file).toString();
}

/** Runs a section; a failure is recorded and the run goes on. */
async function section<T>(name: string, needMs: number, body: () => Promise<T>): Promise<T | string> {
  if (timeLeft() < needMs) {
    const reason = `skipped: ${Math.round(timeLeft() / 1000)} s left of the time budget, the section needs about ${Math.round(needMs / 1000)} s`;
    log(`${name}: ${reason}`);
    notes.push(`${name}: ${reason}`);
    return reason;
  }
  const start = performance.now();
  log(`${name}...`);
  try {
    const value = await body();
    log(`${name}: done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    return value;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`${name}: failed: ${message}`);
    notes.push(`${name} failed: ${message}`);
    return `error: ${message}`;
  }
}

/** Spawns a process and resolves with its wall time; output goes to /dev/null unless kept. */
function timeProcess(args: string[], keepStdout = false, timeoutMs = 300000): Promise<{ ms: number; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', keepStdout ? 'pipe' : 'ignore', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ').slice(0, 120)} timed out after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - start, code, stdout, stderr });
    });
  });
}

async function runWorker<T>(name: string, args: string[], timeoutMs = 600000): Promise<T> {
  const script = path.join(workers, `${name}.js`);
  if (!fs.existsSync(script)) throw new Error(`the ${name} worker was not built (see the build messages above)`);
  const result = await timeProcess([script, ...args], true, timeoutMs);
  if (result.code !== 0) throw new Error(`${name} worker exited with ${result.code}: ${result.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as T;
}

// ---------------------------------------------------------------------------------------
// Inputs

interface Inputs {
  dir: string;
  files: Map<number, { path: string; info: GeneratedFile }>;
  small: { path: string; info: GeneratedFile };
  invalid: string;
  workspace?: GeneratedWorkspace;
  matrix: Map<number, { path: string; info: GeneratedFile }>;
  schemaPath: string;
}

function generateInputs(): Inputs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-bench-'));
  const files = new Map<number, { path: string; info: GeneratedFile }>();
  const describe: Record<string, unknown> = {};
  for (const size of sizes) {
    const info = generateManifestFile(size);
    const file = path.join(dir, `policies-${size}.yaml`);
    fs.writeFileSync(file, info.text);
    files.set(size, { path: file, info });
    describe[String(size)] = { lines: info.lines, bytes: info.bytes, policies: info.policies, manifests: info.manifests };
  }
  const smallInfo = generateFileOfLines(300);
  const small = { path: path.join(dir, 'small-300-lines.yaml'), info: smallInfo };
  fs.writeFileSync(small.path, smallInfo.text);
  describe['300 lines'] = { lines: smallInfo.lines, bytes: smallInfo.bytes, policies: smallInfo.policies, manifests: smallInfo.manifests };
  const invalid = path.join(dir, 'invalid.yaml');
  fs.writeFileSync(invalid, invalidPolicyText);
  const matrix = new Map<number, { path: string; info: GeneratedFile }>();
  for (const pods of [100, 1000]) {
    const info = generateMatrixInput(pods, 300);
    const file = path.join(dir, `matrix-${pods}-pods.yaml`);
    fs.writeFileSync(file, info.text);
    matrix.set(pods, { path: file, info });
  }
  const schemaText = `${JSON.stringify(networkPolicyJsonSchema(), null, 2)}\n`;
  const schemaPath = path.join(repoRoot, 'bench', 'networkpolicy.schema.json');
  if (!fs.existsSync(schemaPath) || fs.readFileSync(schemaPath, 'utf8') !== schemaText) fs.writeFileSync(schemaPath, schemaText);
  results.files = describe;
  return { dir, files, small, invalid, matrix, schemaPath };
}

// ---------------------------------------------------------------------------------------
// Servers

const oursSettings = { diagnostics: { delay: 0 }, maxFileSize: 1 << 30 };

function startOurs(nodeArgs: string[] = []): LspServer {
  return new LspServer({
    args: [path.join(dist, 'server.js'), '--stdio'],
    nodeArgs,
    configuration: (s) => (s === 'netpol' ? oursSettings : null),
  });
}

function startYamlls(schemaPath: string): LspServer {
  const yamlSettings = {
    validate: true,
    hover: true,
    completion: true,
    format: { enable: false },
    schemas: { [fileUri(schemaPath)]: ['*.yaml', '*.yml'] },
    schemaStore: { enable: false },
    kubernetesCRDStore: { enable: false },
    yamlVersion: '1.1',
    maxItemsComputed: 5000,
  };
  return new LspServer({
    args: [path.join(workers, 'yamllsServer.js'), '--stdio'],
    configuration: (s) => (s === 'yaml' ? yamlSettings : s === 'http' ? { proxy: '', proxyStrictSSL: false } : s === '[yaml]' ? {} : s === 'editor' ? {} : null),
  });
}

/**
 * Opens a document and resolves with the time to its first diagnostics. With `complete`, it
 * also finds when the last publication for the same version arrived: our server publishes
 * the API-server checks of a large file at once and its semantic rules after a pause, so it
 * waits out a pause longer than the server's, then for the server to go idle (see settleServer).
 */
async function timeOpen(server: LspServer, uri: string, text: string, versioned: boolean, timeoutMs = 300000, complete = false): Promise<{ ms: number; completeMs: number; diagnostics: Diagnostic[]; completeDiagnostics: number }> {
  const wait = server.waitForDiagnostics(uri, (p) => !versioned || p.version === 1, timeoutMs);
  const start = performance.now();
  await server.open(uri, text);
  const published = await wait;
  const ms = performance.now() - start;
  let completeMs = ms;
  let completeDiagnostics = published.diagnostics.length;
  if (complete) {
    await settleServer(server);
    const same = server.publications(uri).filter((p) => p.version === 1);
    const last = same[same.length - 1];
    if (last) {
      completeMs = last.at - start;
      completeDiagnostics = last.count;
    }
  }
  return { ms, completeMs, diagnostics: published.diagnostics, completeDiagnostics };
}

/**
 * Lets work the server has scheduled after a pause (its semantic rules) run before going on.
 * The rules run in slices between messages, so a round trip alone does not wait for them:
 * the server's CPU time must also stay still for a while.
 */
async function settleServer(server: LspServer): Promise<void> {
  await new Promise((r) => setTimeout(r, 1000));
  await server.ping();
  await server.idle();
}

async function closeAndWait(server: LspServer, uri: string): Promise<void> {
  const wait = server.waitForDiagnostics(uri, (p) => p.diagnostics.length === 0, 60000).catch(() => undefined);
  await server.close(uri);
  await wait;
}

/** Where a typist works: the end of an `app:` label value inside a NetworkPolicy near the middle of the file. */
function typingSpot(text: string): { line: number; character: number } {
  const lines = text.split('\n');
  const middle = Math.floor(lines.length / 2);
  let inPolicy = false;
  let best: { line: number; character: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('---')) inPolicy = false;
    if (lines[i] === 'kind: NetworkPolicy') inPolicy = true;
    if (inPolicy && /^\s+app: [a-z-]+$/.test(lines[i])) {
      best = { line: i, character: lines[i].length };
      if (i >= middle) break;
    }
  }
  if (!best) throw new Error('no label value to type into');
  return best;
}

/**
 * Types `count` characters one by one, each as an incremental didChange, and times each to
 * its diagnostics. The first `warmup` keystrokes are not recorded. After `stopAfterMs` it
 * stops early, once it has `minSamples`.
 */
async function timeTyping(server: LspServer, uri: string, text: string, count: number, versioned: boolean, warmup = 2, perChangeTimeoutMs = 300000, stopAfterMs = Infinity, minSamples = 3): Promise<number[]> {
  const spot = typingSpot(text);
  const times: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count + warmup; i++) {
    const version = i + 2;
    const position = { line: spot.line, character: spot.character + i };
    const wait = server.waitForDiagnostics(uri, (p) => !versioned || p.version === version, perChangeTimeoutMs);
    const start = performance.now();
    await server.change(uri, version, [{ range: { start: position, end: position }, text: String.fromCharCode(97 + (i % 26)) }]);
    await wait;
    if (i >= warmup) times.push(performance.now() - start);
    if (!versioned) await server.settle(uri, 30);
    if (performance.now() - started > stopAfterMs && times.length >= minSamples) break;
  }
  return times;
}

function policyPositions(text: string, count: number, seed: number): { line: number; character: number }[] {
  const lines = text.split('\n');
  const candidates: number[] = [];
  let inPolicy = false;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('---')) inPolicy = false;
    if (lines[i] === 'kind: NetworkPolicy') inPolicy = true;
    if (inPolicy && /\S/.test(lines[i]) && !lines[i].trimStart().startsWith('#')) candidates.push(i);
  }
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const line = rng.pick(candidates);
    const text = lines[line];
    const indent = text.length - text.trimStart().length;
    return { line, character: Math.min(text.length, indent + rng.int(0, Math.max(0, text.trimEnd().length - indent))) };
  });
}

function messageText(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

function contains(d: Diagnostic, p: { line: number; character: number }): boolean {
  const { start, end } = d.range;
  const after = p.line > start.line || (p.line === start.line && p.character >= start.character);
  const before = p.line < end.line || (p.line === end.line && p.character <= end.character);
  return after && before;
}

async function timeRequests(server: LspServer, uri: string, text: string, diagnostics: Diagnostic[]): Promise<Record<string, unknown>> {
  const count = quick ? 40 : 100;
  const positions = policyPositions(text, count, 17);
  const out: Record<string, unknown> = {};
  const caps = server.capabilities;
  const run = async (name: string, enabled: unknown, method: string, params: (p: { line: number; character: number }, i: number) => unknown) => {
    if (!enabled) {
      out[name] = `${NA} (the server does not offer ${method})`;
      return;
    }
    const times: number[] = [];
    let nonEmpty = 0;
    const began = performance.now();
    for (let i = 0; i < positions.length; i++) {
      // Bounded in time as well as in count: at least ten samples, then 15 s at most.
      if (i >= 10 && performance.now() - began > 15000) break;
      const start = performance.now();
      const result = await server.request<unknown>(method, params(positions[i], i));
      times.push(performance.now() - start);
      if (result && (!Array.isArray(result) || result.length > 0)) nonEmpty++;
    }
    out[name] = { ...summarize(times), p50: median(times), nonEmpty };
  };
  await run('hover', caps.hoverProvider, 'textDocument/hover', (position) => ({ textDocument: { uri }, position }));
  await run('completion', caps.completionProvider, 'textDocument/completion', (position) => ({ textDocument: { uri }, position, context: { triggerKind: 1 } }));
  // As VS Code asks on every cursor move: the range is the cursor, the context the diagnostics
  // under it. Every fifth request is made on a diagnostic, so quick fixes are computed too.
  await run('codeAction', caps.codeActionProvider, 'textDocument/codeAction', (position, i) => {
    const target = i % 5 === 0 && diagnostics.length > 0 ? diagnostics[(i / 5) % diagnostics.length] : undefined;
    const at = target ? target.range.start : position;
    return {
      textDocument: { uri },
      range: { start: at, end: at },
      context: { diagnostics: target ? [target] : diagnostics.filter((d) => contains(d, at)), triggerKind: 2 },
    };
  });
  return out;
}

// ---------------------------------------------------------------------------------------
// Sections

/** A long-lived process that times the floor and our core in-process (see workers/core.ts). */
class CoreWorker {
  private readonly process = spawn(process.execPath, [path.join(workers, 'core.js')], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] });
  private readonly queue: ((answer: Record<string, number | string>) => void)[] = [];
  private buffer = '';

  constructor() {
    if (!fs.existsSync(path.join(workers, 'core.js'))) throw new Error('the core worker was not built (see the build messages above)');
    this.process.stdout!.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        this.queue.shift()?.(JSON.parse(line) as Record<string, number | string>);
      }
    });
  }

  run(op: 'yaml' | 'ours', file: string): Promise<Record<string, number>> {
    return new Promise((resolve, reject) => {
      this.queue.push((answer) => (typeof answer.error === 'string' ? reject(new Error(answer.error)) : resolve(answer as Record<string, number>)));
      this.process.stdin!.write(`${JSON.stringify({ op, file })}\n`);
    });
  }

  close(): void {
    this.process.stdin!.end();
  }
}

interface OpenCase {
  ours: number[];
  oursComplete: number[];
  check: number[];
  yaml: number[];
  core: number[];
  coreParse: number[];
  coreApi: number[];
  coreSemantic: number[];
  yamlls: number[];
  diagnostics: { ours?: number; oursComplete?: number; yamlls?: number };
}

interface Session {
  ours: LspServer;
  oursBigUri: string;
  yamlls?: LspServer;
  yamllsBigUri?: string;
}

/** Checks that yaml-language-server really validates against the schema: a broken policy must get schema errors. */
async function checkYamllsValidates(server: LspServer, inputs: Inputs): Promise<Record<string, unknown>> {
  const uri = fileUri(inputs.invalid);
  const opened = await timeOpen(server, uri, invalidPolicyText, false, 60000);
  let diagnostics: Diagnostic[] = opened.diagnostics;
  if (diagnostics.length === 0) {
    // The schema may still have been loading: give it one more publication.
    diagnostics = (await server.waitForDiagnostics(uri, (p: PublishDiagnosticsParams) => p.diagnostics.length > 0, 10000).catch(() => ({ diagnostics: [] as Diagnostic[] }))).diagnostics;
  }
  await closeAndWait(server, uri);
  const messages = diagnostics.map((d) => `${d.range.start.line + 1}: ${messageText(d)}`);
  const schemaErrors = diagnostics.filter((d) => /not allowed|Incorrect type|Value is not accepted|Expected/i.test(messageText(d)));
  if (schemaErrors.length < 2) throw new Error(`yaml-language-server did not report the schema errors of the invalid policy: ${JSON.stringify(messages)}`);
  row('yamlls', 'validates against the schema (invalid policy)', `${diagnostics.length} errors: ${schemaErrors.map((d) => messageText(d).split('\n')[0]).join('; ').slice(0, 160)}`);
  return { diagnostics: diagnostics.length, messages };
}

/**
 * Opening files, paired: in each run every contender handles the same file one after the
 * other (our server, the floor, our core in-process, yaml-language-server, netpol check), so
 * that load from elsewhere on the machine hits all of them alike, and ratios are also taken
 * run by run. The last run of the largest file stays open in both servers for the typing,
 * request and memory figures that follow.
 */
async function benchOpen(inputs: Inputs, session: Partial<Session>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const ours = startOurs();
  session.ours = ours;
  await ours.initialize();
  out.capabilities = Object.keys(ours.capabilities);
  const warm = inputs.files.get(100) ?? inputs.files.get(sizes[0])!;
  // A first document settles the settings (delay 0) and warms the server up; it is not measured.
  const warmUri = fileUri(path.join(inputs.dir, 'warmup.yaml'));
  await timeOpen(ours, warmUri, warm.info.text, true);
  await closeAndWait(ours, warmUri);
  if (ours.configurationRequests === 0) throw new Error('our server never asked for its settings, so the diagnostics delay may not be 0');

  let yamlls: LspServer | undefined;
  if (withYamlls) {
    // Without a peer that really validates there is no comparison, but our figures still count.
    try {
      yamlls = startYamlls(inputs.schemaPath);
      session.yamlls = yamlls;
      const version = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules', 'yaml-language-server', 'package.json'), 'utf8')) as { version: string }).version;
      await yamlls.initialize();
      out.yamlls = { version, validates: await checkYamllsValidates(yamlls, inputs) };
      const yamllsWarm = fileUri(path.join(inputs.dir, 'yamlls-warmup.yaml'));
      await timeOpen(yamlls, yamllsWarm, warm.info.text, false);
      await yamlls.settle(yamllsWarm, 50);
      await closeAndWait(yamlls, yamllsWarm);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      out.yamlls = `error: ${message}`;
      notes.push(`yaml-language-server left out: ${message}`);
      row('yamlls', 'left out', message);
      await yamlls?.shutdown();
      yamlls = undefined;
      session.yamlls = undefined;
    }
  }

  const core = new CoreWorker();
  try {
    for (let i = 0; i < 2; i++) {
      await core.run('yaml', warm.path);
      await core.run('ours', warm.path);
    }
    for (const size of sizes) {
      const { path: file, info } = inputs.files.get(size)!;
      const c: OpenCase = { ours: [], oursComplete: [], check: [], yaml: [], core: [], coreParse: [], coreApi: [], coreSemantic: [], yamlls: [], diagnostics: {} };
      const runs = runsFor(size);
      const sizeStart = performance.now();
      let previous: { ours: string; yamlls?: string } | undefined;
      let extras = true;
      for (let r = 0; r < runs; r++) {
        // The documents of a run stay open until the next run starts, so that the last run's
        // copies of the largest file can serve the typing and memory figures.
        if (previous) {
          await closeAndWait(ours, previous.ours);
          if (yamlls && previous.yamlls) await closeAndWait(yamlls, previous.yamlls);
        }
        const uri = fileUri(path.join(inputs.dir, `open-${size}-${r}.yaml`));
        const opened = await timeOpen(ours, uri, info.text, true, 600000, true);
        c.ours.push(opened.ms);
        c.oursComplete.push(opened.completeMs);
        c.diagnostics.ours = opened.diagnostics.length;
        c.diagnostics.oursComplete = opened.completeDiagnostics;
        previous = { ours: uri };

        c.yaml.push((await core.run('yaml', file)).ms);
        if (extras) {
          const extrasStart = performance.now();
          const mine = await core.run('ours', file);
          c.core.push(mine.ms);
          c.coreParse.push(mine.parse);
          c.coreApi.push(mine.api);
          c.coreSemantic.push(mine.semantic);
          const check = await timeProcess([path.join(dist, 'cli.js'), 'check', file, '--format', 'json', '--max-file-size', String(1 << 30)], false, 600000);
          if (check.code !== 0 && check.code !== 1) throw new Error(`netpol check exited with ${check.code}: ${check.stderr.slice(0, 300)}`);
          c.check.push(check.ms);
          // When our core and netpol check take long, they are timed once: the open figures matter more.
          if (performance.now() - extrasStart > 30000) extras = false;
        }

        if (yamlls) {
          const yamllsUri = fileUri(path.join(inputs.dir, `yamlls-open-${size}-${r}.yaml`));
          const theirs = await timeOpen(yamlls, yamllsUri, info.text, false, 600000);
          c.yamlls.push(theirs.ms);
          c.diagnostics.yamlls = theirs.diagnostics.length;
          await yamlls.settle(yamllsUri, 50);
          previous.yamlls = yamllsUri;
        }

        // Bounded in time as well as in count: past the size's cap once three runs are in, and
        // whenever another run would eat into the six minutes kept for the sections after this one.
        const spent = performance.now() - sizeStart;
        const perRun = spent / (r + 1);
        if (r + 1 >= 3 && spent + perRun > openCapMs(size)) break;
        if (elapsed() + perRun > budgetMs - 360000) break;
      }
      if (size === largest && previous) {
        session.oursBigUri = previous.ours;
        session.yamllsBigUri = previous.yamlls;
      } else if (previous) {
        await closeAndWait(ours, previous.ours);
        if (yamlls && previous.yamlls) await closeAndWait(yamlls, previous.yamlls);
      }
      const paired = (a: number[], b: number[]) => median(a.map((v, i) => v / b[i]).filter((v) => Number.isFinite(v)));
      row('open', `${size} policies: runs`, `${c.ours.length} (our core and netpol check: ${c.core.length})`);
      out[String(size)] = {
        runs: c.ours.length,
        ours: summarize(c.ours),
        oursComplete: summarize(c.oursComplete),
        yaml: summarize(c.yaml),
        core: { total: summarize(c.core), parse: summarize(c.coreParse), api: summarize(c.coreApi), semantic: summarize(c.coreSemantic) },
        check: summarize(c.check),
        yamlls: c.yamlls.length > 0 ? summarize(c.yamlls) : NA,
        diagnostics: c.diagnostics,
        pairedRatios: {
          oursOverYaml: paired(c.ours, c.yaml),
          oursCompleteOverYaml: paired(c.oursComplete, c.yaml),
          coreOverYaml: paired(c.core, c.yaml),
          checkOverYaml: paired(c.check, c.yaml),
          yamllsOverOurs: c.yamlls.length > 0 ? paired(c.yamlls, c.ours) : undefined,
          yamllsOverOursComplete: c.yamlls.length > 0 ? paired(c.yamlls, c.oursComplete) : undefined,
        },
      };
      const complete = median(c.oursComplete) - median(c.ours) > 1 ? `; complete ${formatMs(median(c.oursComplete))} with the semantic rules, which a large file gets in a second publication, ${c.diagnostics.oursComplete} diagnostics` : '';
      row('open', `${size} policies: ours over LSP`, `${formatMs(median(c.ours))}  (first publication, ${c.diagnostics.ours} diagnostics${complete})`);
      row('open', `${size} policies: yaml parseAllDocuments (floor)`, formatMs(median(c.yaml)));
      row('open', `${size} policies: our core in-process`, `${formatMs(median(c.core))}  (parseFile ${formatMs(median(c.coreParse))}, API checks ${formatMs(median(c.coreApi))}, semantic rules ${formatMs(median(c.coreSemantic))})`);
      row('open', `${size} policies: netpol check (process)`, formatMs(median(c.check)));
      if (yamlls) row('open', `${size} policies: yaml-language-server`, `${formatMs(median(c.yamlls))}  (${c.diagnostics.yamlls} diagnostics)`);
    }
  } finally {
    core.close();
  }
  const startup: number[] = [];
  for (let r = 0; r < 5; r++) startup.push((await timeProcess([path.join(dist, 'cli.js'), '--version'])).ms);
  out.cliStartup = summarize(startup);
  row('open', 'netpol --version (process start alone)', formatMs(median(startup)));
  return out;
}

async function benchOursEditing(inputs: Inputs, session: Partial<Session>): Promise<Record<string, unknown>> {
  const server = session.ours;
  if (!server || !session.oursBigUri) throw new Error('the largest file is not open in our server (the open section did not finish)');
  const out: Record<string, unknown> = {};
  const big = inputs.files.get(largest)!;
  // A keystroke costs at most about what opening the file cost; skip if even one would not fit.
  const estimate = num(results.open, String(largest), 'ours', 'median') ?? 0;
  if (timeLeft() - estimate < 300000) {
    out[`typing ${largest}`] = `skipped: one keystroke may take ${formatMs(estimate)} and ${Math.round(timeLeft() / 1000)} s are left`;
    notes.push(`ours typing in ${largest} policies: ${out[`typing ${largest}`] as string}`);
  } else {
    const typingBig = await timeTyping(server, session.oursBigUri, big.info.text, quick ? 10 : 30, true, 0, 300000, 45000, 1);
    out[`typing ${largest}`] = { ...summarize(typingBig), p50: median(typingBig) };
    row('typing', `ours: ${largest} policies`, `p50 ${formatMs(median(typingBig))}, p95 ${formatMs(summarize(typingBig).p95)} (${typingBig.length} keystrokes)`);
  }
  await settleServer(server);
  out.requests = await timeRequests(server, session.oursBigUri, big.info.text, server.lastDiagnostics(session.oursBigUri) ?? []);
  for (const [name, value] of Object.entries(out.requests as Record<string, unknown>)) {
    row('requests', `${name} in ${largest} policies`, typeof value === 'string' ? value : `p50 ${formatMs((value as Summary).median)}, p95 ${formatMs((value as Summary).p95)}`);
  }
  out.memory = server.memory();
  const memory = out.memory as { rss: number; peak: number } | undefined;
  row('memory', `ours: RSS with the ${largest}-policy file open`, `${formatBytes(memory?.rss)} (peak ${formatBytes(memory?.peak)})`);
  await closeAndWait(server, session.oursBigUri);
  const smallUri = fileUri(inputs.small.path);
  await timeOpen(server, smallUri, inputs.small.info.text, true);
  const typingSmall = await timeTyping(server, smallUri, inputs.small.info.text, quick ? 30 : 60, true, 2, 60000, 20000, 10);
  out['typing 300 lines'] = { ...summarize(typingSmall), p50: median(typingSmall) };
  row('typing', 'ours: 300-line file', `p50 ${formatMs(median(typingSmall))}, p95 ${formatMs(summarize(typingSmall).p95)}`);
  await closeAndWait(server, smallUri);
  return out;
}

async function benchYamllsEditing(inputs: Inputs, session: Partial<Session>): Promise<Record<string, unknown>> {
  const server = session.yamlls;
  if (!server) throw new Error('yaml-language-server is not running');
  const out: Record<string, unknown> = {};
  out.memory = server.memory();
  const memory = out.memory as { rss: number; peak: number } | undefined;
  row('memory', `yamlls: RSS with the ${largest}-policy file open`, `${formatBytes(memory?.rss)} (peak ${formatBytes(memory?.peak)})`);
  const estimate = num(results.open, String(largest), 'yamlls', 'median') ?? 0;
  if (session.yamllsBigUri && timeLeft() - estimate < 300000) {
    out[`typing ${largest}`] = `skipped: one keystroke may take ${formatMs(estimate)} and ${Math.round(timeLeft() / 1000)} s are left`;
    notes.push(`yamlls typing in ${largest} policies skipped for time`);
    await closeAndWait(server, session.yamllsBigUri);
  } else if (session.yamllsBigUri) {
    // Each keystroke re-validates the whole file; the first one is representative, so none is
    // discarded, and one is enough when time is short.
    const budget = Math.max(0, Math.min(150000, timeLeft() - 300000));
    const big = inputs.files.get(largest)!;
    const times = await timeTyping(server, session.yamllsBigUri, big.info.text, 3, false, 0, 600000, budget, 1);
    out[`typing ${largest}`] = { ...summarize(times), p50: median(times) };
    row('typing', `yamlls: ${largest} policies`, `p50 ${formatMs(median(times))}, p95 ${formatMs(summarize(times).p95)} (${times.length} keystrokes)`);
    await closeAndWait(server, session.yamllsBigUri);
  } else {
    out[`typing ${largest}`] = `${NA} (the ${largest}-policy file is not open)`;
  }
  const smallUri = fileUri(inputs.small.path);
  await timeOpen(server, smallUri, inputs.small.info.text, false);
  await server.settle(smallUri, 50);
  const times = await timeTyping(server, smallUri, inputs.small.info.text, quick ? 20 : 40, false, 2, 60000, 20000, 10);
  out['typing 300 lines'] = { ...summarize(times), p50: median(times) };
  row('typing', 'yamlls: 300-line file', `p50 ${formatMs(median(times))}, p95 ${formatMs(summarize(times).p95)}`);
  return out;
}

/**
 * The workspace index, through the protocol. With a workspaceSymbolProvider: cold is
 * initialize until workspace/symbol finds a policy of the last file, update is
 * didChangeWatchedFiles until it finds a policy just added. Without one: cold is initialize
 * until the server logs "Indexed N YAML files", and update is didChangeWatchedFiles until
 * the diagnostics of an open workspace file are published again (which includes the
 * server's own delay for dependent documents).
 */
async function benchIndex(workspace: GeneratedWorkspace, out: Record<string, unknown>): Promise<void> {
  const server = new LspServer({
    args: [path.join(dist, 'server.js'), '--stdio'],
    configuration: (s) => (s === 'netpol' ? { ...oursSettings, workspace: { enabled: true, maxFiles: 100000 } } : null),
  });
  const waitLimit = Math.max(30000, Math.min(120000, timeLeft() - 180000));
  try {
    const initStart = performance.now();
    const indexedLog = server.waitForLog(/Indexed (\d+) YAML files in (\d+) ms/, waitLimit);
    indexedLog.catch(() => undefined);
    await server.initialize(fileUri(workspace.dir));
    const changedFile = workspace.files[Math.floor(workspace.files.length / 2)];
    const addPolicy = (name: string) =>
      fs.appendFileSync(changedFile, `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ${name}\n  namespace: bench\nspec:\n  podSelector: {}\n`);
    if (server.capabilities.workspaceSymbolProvider) {
      out.method = 'workspace/symbol';
      const lastFile = workspace.files[workspace.files.length - 1];
      const name = /name: (allow-[a-z0-9-]+|default-deny-\d+)/.exec(fs.readFileSync(lastFile, 'utf8'))?.[1] ?? 'allow';
      const poll = async (query: string, since: number, timeoutMs: number): Promise<number> => {
        for (;;) {
          const found = await server.request<unknown[] | null>('workspace/symbol', { query });
          if (found && found.length > 0) return performance.now() - since;
          if (performance.now() - since > timeoutMs) throw new Error(`workspace/symbol found no ${query} within ${timeoutMs / 1000} s`);
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      out.indexCold = await poll(name, initStart, waitLimit);
      out.indexMemory = server.memory();
      const updates: number[] = [];
      for (let r = 0; r < 5; r++) {
        const fresh = `bench-updated-${r}`;
        addPolicy(fresh);
        const since = performance.now();
        await server.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(changedFile), type: 2 }] });
        updates.push(await poll(fresh, since, 30000));
      }
      out.indexUpdate = summarize(updates);
    } else {
      let match: RegExpExecArray;
      try {
        match = await indexedLog;
      } catch {
        out.index = `${NA} (no workspaceSymbolProvider, and no "Indexed N YAML files" log within ${waitLimit / 1000} s)`;
        row('workspace', 'index', out.index as string);
        return;
      }
      out.method = 'log "Indexed N YAML files", then diagnostics of an open file';
      out.indexCold = performance.now() - initStart;
      out.indexServerReported = { files: Number(match[1]), ms: Number(match[2]) };
      out.indexMemory = server.memory();
      const openFile = workspace.files.find((f) => f !== changedFile && fs.readFileSync(f, 'utf8').includes('kind: NetworkPolicy'))!;
      const uri = fileUri(openFile);
      const opened = await timeOpen(server, uri, fs.readFileSync(openFile, 'utf8'), true, waitLimit);
      out.openWithWorkspace = opened.ms;
      await server.settle(uri, 500);
      const updates: number[] = [];
      const began = performance.now();
      for (let r = 0; r < 5; r++) {
        addPolicy(`bench-updated-${r}`);
        const wait = server.waitForDiagnostics(uri, () => true, 60000);
        const since = performance.now();
        await server.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(changedFile), type: 2 }] });
        await wait;
        updates.push(performance.now() - since);
        await server.settle(uri, 100);
        if (r >= 2 && performance.now() - began > 20000) break;
      }
      out.indexUpdate = summarize(updates);
      out.memoryAfter = server.memory();
      row('workspace', 'open a workspace file (first diagnostics, indexed)', formatMs(opened.ms));
    }
    const memory = out.indexMemory as { rss: number; peak: number } | undefined;
    row('workspace', `index cold (${out.method === 'workspace/symbol' ? 'initialize to first symbol' : 'initialize to the "Indexed" log'})`, `${formatMs(out.indexCold as number)}${out.indexServerReported ? ` (server: ${(out.indexServerReported as { ms: number }).ms} ms for ${(out.indexServerReported as { files: number }).files} files)` : ''}`);
    row('workspace', 'index update after one file changes', `p50 ${formatMs((out.indexUpdate as Summary).median)}, max ${formatMs((out.indexUpdate as Summary).max)}`);
    row('memory', 'ours: RSS with the workspace indexed', `${formatBytes(memory?.rss)} (peak ${formatBytes(memory?.peak)})`);
    const after = out.memoryAfter as { rss: number; peak: number } | undefined;
    if (after) row('memory', 'ours: RSS after the updates, one workspace file open', `${formatBytes(after.rss)} (peak ${formatBytes(after.peak)})`);
  } finally {
    await server.shutdown();
  }
}

async function benchWorkspace(inputs: Inputs): Promise<Record<string, unknown>> {
  const dir = path.join(inputs.dir, 'workspace');
  const start = performance.now();
  const workspace = generateWorkspace(dir, 1000, 10000);
  inputs.workspace = workspace;
  const out: Record<string, unknown> = {
    files: workspace.files.length,
    manifests: workspace.manifests,
    policies: workspace.policies,
    bytes: workspace.bytes,
    generateMs: performance.now() - start,
  };
  row('workspace', 'generated', `${workspace.files.length} files, ${workspace.manifests} manifests (${workspace.policies} policies), ${formatBytes(workspace.bytes)}`);
  try {
    await benchIndex(workspace, out);
  } catch (error) {
    out.index = `error: ${error instanceof Error ? error.message : String(error)}`;
    row('workspace', 'index', out.index as string);
  }

  // For scale: the same workspace through `netpol check` (read, parse, validate every file).
  const times: number[] = [];
  const began = performance.now();
  try {
    for (let r = 0; r < (quick ? 1 : 3); r++) {
      const limit = Math.max(20000, Math.min(60000, timeLeft() - 90000));
      const run = await timeProcess([path.join(dist, 'cli.js'), 'check', dir, '--format', 'json'], false, limit);
      if (run.code !== 0 && run.code !== 1) throw new Error(`netpol check exited with ${run.code}: ${run.stderr.slice(0, 300)}`);
      times.push(run.ms);
      if (performance.now() - began > 40000) break;
    }
    out.checkWorkspace = summarize(times);
    row('workspace', 'netpol check on the whole workspace', `${formatMs(median(times))} (${times.length} runs)`);
  } catch (error) {
    out.checkWorkspace = `error: ${error instanceof Error ? error.message : String(error)}`;
    row('workspace', 'netpol check on the whole workspace', out.checkWorkspace as string);
  }
  return out;
}

interface MatrixRuns {
  model: number[];
  matrix: number[];
  total: number[];
  pods: number;
  policies: number;
  allowed: number;
}

async function benchMatrix(inputs: Inputs): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const help = await timeProcess([path.join(dist, 'cli.js'), 'matrix', '--help']);
  const cliWired = help.code === 0;
  out.cli = cliWired ? 'netpol matrix' : `${NA} (netpol matrix is not a command of dist/cli.js yet; timed through the module API)`;
  for (const pods of [100, 1000]) {
    const input = inputs.matrix.get(pods)!;
    const entry: Record<string, unknown> = {};
    try {
      const runs = await runWorker<MatrixRuns>('matrix', [input.path, timeLeft() > 240000 ? '3' : '1', '80,443'], 180000);
      entry.api = { model: summarize(runs.model), matrix: summarize(runs.matrix), total: summarize(runs.total), pods: runs.pods, policies: runs.policies, allowedPairs: runs.allowed };
      row('matrix', `module API ${pods} pods, ${runs.policies} policies, 2 ports`, `${formatMs(median(runs.total))}  (model ${formatMs(median(runs.model))}, matrix ${formatMs(median(runs.matrix))}; ${runs.pods} pods)`);
    } catch (error) {
      entry.api = `error: ${error instanceof Error ? error.message : String(error)}`;
      row('matrix', `module API ${pods} pods`, entry.api as string);
    }
    if (cliWired) {
      const times: number[] = [];
      const began = performance.now();
      for (let r = 0; r < 3; r++) {
        if (r > 0 && performance.now() - began > 30000) break;
        const run = await timeProcess([path.join(dist, 'cli.js'), 'matrix', input.path, '--ports', '80,443', '--format', 'json'], false, 120000);
        if (run.code !== 0) throw new Error(`netpol matrix exited with ${run.code}: ${run.stderr.slice(0, 300)}`);
        times.push(run.ms);
      }
      entry.cli = summarize(times);
      row('matrix', `netpol matrix ${pods} pods (json to /dev/null)`, formatMs(median(times)));
    }
    out[String(pods)] = entry;
  }
  return out;
}

async function benchBundles(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const name of fs.readdirSync(dist).filter((f) => f.endsWith('.js')).sort()) {
    const size = fs.statSync(path.join(dist, name)).size;
    out[name] = size;
    row('bundle', `dist/${name}`, formatBytes(size));
  }
  // The size a release would ship: the same entry minified, without a source map.
  try {
    const esbuild = require('esbuild') as typeof import('esbuild');
    const outfile = path.join(os.tmpdir(), `netpol-bench-server-${process.pid}.js`);
    esbuild.buildSync({ entryPoints: [path.join(repoRoot, 'server', 'src', 'server.ts')], bundle: true, platform: 'node', target: 'node18', format: 'cjs', minify: true, outfile, logLevel: 'silent' });
    out['server.js (minified)'] = fs.statSync(outfile).size;
    row('bundle', 'dist/server.js minified (as --production builds it)', formatBytes(out['server.js (minified)'] as number));
    fs.rmSync(outfile, { force: true });
  } catch (error) {
    out['server.js (minified)'] = `error: ${error instanceof Error ? error.message : String(error)}`;
  }
  return out;
}

interface ActivationRun {
  requireMs: number;
  activateMs: number;
  totalMs: number;
  /** The part of activate() in which the loader loaded dist/client-main.js. */
  loadMainMs?: number;
  codeCache?: { status: string; reason?: string; write?: string; writeError?: string };
  error?: string;
  deactivateError?: string;
  serverExit?: { waitedMs: number; exited: boolean | 'unknown' };
  missingApi: string[];
}

/**
 * Activation of a production build (what users install), in two cases: a first start, with an
 * empty global storage, where the loader compiles dist/client-main.js and writes its V8 code
 * cache after activation; and a later start, which finds the cache a previous start wrote. The
 * later starts share one storage folder, primed by a start that is not counted; the two kinds
 * take turns, so that the load of the machine falls on both alike. Each worker waits until its
 * language server has exited before it exits, so no server is still stopping during the next
 * measured start.
 */
async function benchActivation(): Promise<Record<string, unknown>> {
  const runsPerKind = 5;
  const productionRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-bench-production-'));
  const storageRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-bench-storage-'));
  const first: ActivationRun[] = [];
  const later: ActivationRun[] = [];
  let cacheBytes: number | undefined;
  try {
    const built = spawnSync(process.execPath, ['esbuild.mjs', '--production', '--outdir', path.join(productionRoot, 'dist')], { cwd: repoRoot, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`the production build failed: ${built.stderr}`);
    const shared = path.join(storageRoot, 'later');
    const priming = await runWorker<ActivationRun>('activation', [productionRoot, shared], 60000);
    if (priming.error) throw new Error(`activation failed: ${priming.error}`);
    if (priming.codeCache?.write !== 'written') notes.push(`activation: the priming start wrote no code cache (${JSON.stringify(priming.codeCache)}); the later starts are first starts too`);
    const cacheDir = path.join(shared, 'code-cache');
    cacheBytes = fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).reduce((sum, f) => sum + fs.statSync(path.join(cacheDir, f)).size, 0) : undefined;
    for (let r = 0; r < runsPerKind; r++) {
      const fresh = path.join(storageRoot, `first-${r}`);
      first.push(await runWorker<ActivationRun>('activation', [productionRoot, fresh], 60000));
      fs.rmSync(fresh, { recursive: true, force: true });
      later.push(await runWorker<ActivationRun>('activation', [productionRoot, shared], 60000));
    }
  } finally {
    fs.rmSync(productionRoot, { recursive: true, force: true });
    fs.rmSync(storageRoot, { recursive: true, force: true });
  }
  const summary = (runs: ActivationRun[]) => {
    const statuses: Record<string, number> = {};
    for (const r of runs) {
      const key = `${r.codeCache?.status ?? 'no loader'}${r.codeCache?.write ? `, ${r.codeCache.write}` : ''}`;
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
    return {
      require: summarize(runs.map((r) => r.requireMs)),
      activate: summarize(runs.map((r) => r.activateMs)),
      loadMain: summarize(runs.map((r) => r.loadMainMs ?? NaN).filter(Number.isFinite)),
      total: summarize(runs.map((r) => r.totalMs)),
      codeCache: statuses,
      serverExitWait: summarize(runs.map((r) => r.serverExit?.waitedMs ?? NaN).filter(Number.isFinite)),
      serverNotExited: runs.filter((r) => r.serverExit?.exited === false).length,
    };
  };
  const all = [...first, ...later];
  const failed = all.find((r) => r.error);
  const out = {
    first: summary(first),
    later: summary(later),
    codeCacheBytes: cacheBytes,
    error: failed?.error,
    deactivateError: all.find((r) => r.deactivateError)?.deactivateError,
    missingApi: [...new Set(all.flatMap((r) => r.missingApi))],
  };
  const describe = (s: ReturnType<typeof summary>) =>
    `${formatMs(s.total.median)} (require of the loader ${formatMs(s.require.median)} + activate() ${formatMs(s.activate.median)}, of which loading client-main.js ${formatMs(s.loadMain.median)})`;
  const statuses = (s: ReturnType<typeof summary>) => Object.entries(s.codeCache).map(([k, n]) => `${k} ${n}/${runsPerKind}`).join('; ');
  if (failed) row('activation', 'error', failed.error ?? '');
  row('activation', 'first start, empty code cache: require dist/extension.js + activate()', describe(out.first));
  row('activation', 'later start, code cache from a previous start: require dist/extension.js + activate()', describe(out.later));
  row('activation', 'code cache found by the first / later starts', `${statuses(out.first)} / ${statuses(out.later)}`);
  row('activation', 'code cache file (production bundle)', cacheBytes === undefined ? NA : formatBytes(cacheBytes));
  row('activation', 'wait for the language server to exit after deactivate() (median)', `${formatMs(summarize(all.map((r) => r.serverExit?.waitedMs ?? NaN).filter(Number.isFinite)).median)}${out.first.serverNotExited + out.later.serverNotExited > 0 ? `; not exited after 10 s in ${out.first.serverNotExited + out.later.serverNotExited} runs` : ''}`);
  if (out.deactivateError) row('activation', 'deactivate() failed', out.deactivateError);
  return out;
}

// ---------------------------------------------------------------------------------------
// Budgets and the report

interface Budget {
  name: string;
  target: string;
  value: string;
  /** `shown`: a figure listed beside a budget, not judged. */
  met: boolean | 'n/a' | 'shown';
}

function get(object: unknown, ...keys: string[]): unknown {
  let at = object;
  for (const key of keys) {
    if (!at || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function num(object: unknown, ...keys: string[]): number | undefined {
  const value = get(object, ...keys);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function budgets(): Budget[] {
  const list: Budget[] = [];
  const add = (name: string, target: string, value: number | undefined, met: (v: number) => boolean, show: (v: number) => string = formatMs) => {
    list.push({ name, target, value: value === undefined ? NA : show(value), met: value === undefined ? 'n/a' : met(value) });
  };
  /** A figure shown beside a budget, not judged. */
  const show = (name: string, value: number | undefined) => {
    list.push({ name, target: '(shown)', value: value === undefined ? NA : formatMs(value), met: 'shown' });
  };
  const big = String(largest);
  const paired = (key: string) => num(results.open, big, 'pairedRatios', key);
  add(`open ${big}: ours first diagnostics / parseAllDocuments`, '<= 0.5x (issue: 1.3x)', paired('oursOverYaml'), (v) => v <= 0.5, formatRatio);
  add(`open ${big}: ours complete diagnostics / parseAllDocuments`, '<= 1x (issue: 1.3x)', paired('oursCompleteOverYaml'), (v) => v <= 1, formatRatio);
  add(`open ${big}: yamlls / ours first diagnostics`, '>= 10x (issue: 5x)', paired('yamllsOverOurs'), (v) => v >= 10, formatRatio);
  add(`open ${big}: yamlls / ours complete diagnostics`, '>= 5x', paired('yamllsOverOursComplete'), (v) => v >= 5, formatRatio);
  add(`typing ${big}: ours p95`, '< 50 ms', num(results.oursEditing, `typing ${big}`, 'p95'), (v) => v < 50);
  add('typing 300 lines: ours p95', '< 10 ms', num(results.oursEditing, 'typing 300 lines', 'p95'), (v) => v < 10);
  add(`typing ${big}: yamlls / ours (p50)`, '>= 500x (issue: 50x)', ratio(num(results.yamllsEditing, `typing ${big}`, 'p50'), num(results.oursEditing, `typing ${big}`, 'p50')), (v) => v >= 500, formatRatio);
  add(`hover p95 in ${big}`, '< 5 ms (issue: 10 ms)', num(results.oursEditing, 'requests', 'hover', 'p95'), (v) => v < 5);
  add(`code action p95 in ${big}`, '< 10 ms', num(results.oursEditing, 'requests', 'codeAction', 'p95'), (v) => v < 10);
  add('workspace index cold', '< 2.5 s (issue: 5 s)', num(results.workspace, 'indexCold'), (v) => v < 2500);
  add('workspace index update (p50)', '< 70 ms (issue: 100 ms)', num(results.workspace, 'indexUpdate', 'median'), (v) => v < 70);
  const matrixCli = num(results.matrix, '1000', 'cli', 'median');
  add(`netpol matrix 1,000 pods${matrixCli === undefined ? ' (module API)' : ''}`, '< 1.2 s (issue: 2 s)', matrixCli ?? num(results.matrix, '1000', 'api', 'total', 'median'), (v) => v < 1200);
  const rss = Math.max(num(results.oursEditing, 'memory', 'rss') ?? 0, num(results.workspace, 'indexMemory', 'rss') ?? 0, num(results.workspace, 'memoryAfter', 'rss') ?? 0) || undefined;
  add('server memory (RSS)', '< 300 MB', rss, (v) => v < 300 * 1024 * 1024, formatBytes);
  // Judged on a later start, which finds the code cache the first start wrote; the first start is shown beside it.
  add('activation, later start (code cache)', '< 75 ms (issue: 100 ms)', num(results.activation, 'later', 'total', 'median'), (v) => v < 75);
  show('activation, first start (no code cache yet)', num(results.activation, 'first', 'total', 'median'));
  add('dist/server.js', '< 1.5 MB', num(results.bundles, 'server.js'), (v) => v < 1.5 * 1024 * 1024, formatBytes);
  return list;
}

function comparisonRows(): void {
  for (const size of sizes) {
    const key = String(size);
    const r = (name: string) => num(results.open, key, 'pairedRatios', name);
    row('ratios (median of per-run ratios)', `${size} policies: ours / parseAllDocuments`, `LSP first ${formatRatio(r('oursOverYaml'))}, LSP complete ${formatRatio(r('oursCompleteOverYaml'))}, core ${formatRatio(r('coreOverYaml'))}, check ${formatRatio(r('checkOverYaml'))}`);
    row('ratios (median of per-run ratios)', `${size} policies: yamlls / ours (open)`, `first ${formatRatio(r('yamllsOverOurs'))}, complete ${formatRatio(r('yamllsOverOursComplete'))}`);
  }
  for (const key of [String(largest), '300 lines']) {
    row('ratios (median of per-run ratios)', `typing ${key}: yamlls / ours (p50s)`, formatRatio(ratio(num(results.yamllsEditing, `typing ${key}`, 'p50'), num(results.oursEditing, `typing ${key}`, 'p50'))));
  }
}

function machine(): Record<string, unknown> {
  const git = (args: string[]) => spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).stdout?.trim();
  const cpus = os.cpus();
  return {
    node: process.version,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model,
    memory: os.totalmem(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg(),
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: (git(['status', '--porcelain']) ?? '').length > 0,
    date: new Date().toISOString(),
  };
}

function printTable(budgetList: Budget[]): void {
  const width = Math.max(...rows.map((r) => r.label.length), ...budgetList.map((b) => b.name.length)) + 2;
  const lines: string[] = [];
  let current = '';
  for (const r of rows) {
    if (r.section !== current) {
      current = r.section;
      lines.push('', `## ${current}`);
    }
    lines.push(`  ${r.label.padEnd(width)} ${r.value}`);
  }
  lines.push('', '## budgets (issue 9)');
  for (const b of budgetList) lines.push(`  ${b.name.padEnd(width)} ${b.value.padEnd(10)} target ${b.target.padEnd(24)} ${b.met === 'n/a' || b.met === 'shown' ? b.met : b.met ? 'met' : 'MISSED'}`);
  if (notes.length > 0) lines.push('', '## notes', ...notes.map((n) => `  ${n}`));
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** --report: the budgets of the last run's figures, after a change of targets. */
function report(): void {
  const out = path.join(repoRoot, 'bench', 'results.json');
  Object.assign(results, JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, unknown>);
  const budgetList = budgets();
  results.budgets = budgetList;
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  printTable(budgetList);
}

async function main(): Promise<void> {
  if (argv.includes('--report')) return report();
  for (const required of ['server.js', 'cli.js', 'extension.js', 'client-main.js']) {
    if (!fs.existsSync(path.join(dist, required))) throw new Error(`dist/${required} is missing: run npm run build first`);
  }
  results.machine = machine();
  results.options = { quick, sizes, budgetMinutes: budgetMs / 60000, runs: Object.fromEntries(sizes.map((s) => [s, runsFor(s)])) };
  log(`generating inputs`);
  const inputs = generateInputs();
  log(`inputs in ${inputs.dir}`);
  try {
    if (wanted('bundles')) results.bundles = await section('bundles', 5000, () => benchBundles());
    if (wanted('activation')) results.activation = await section('activation', 30000, () => benchActivation());
    if (wanted('open')) {
      const session: Partial<Session> = {};
      try {
        results.open = await section('opening files (ours, floor, core, yaml-language-server, netpol check)', 120000, () => benchOpen(inputs, session));
        results.oursEditing = await section('our server: typing, requests, memory', 20000, () => benchOursEditing(inputs, session));
        await session.ours?.shutdown();
        session.ours = undefined;
        results.yamllsEditing = withYamlls ? await section('yaml-language-server: memory, typing', 60000, () => benchYamllsEditing(inputs, session)) : 'skipped (--no-yamlls)';
      } finally {
        await session.ours?.shutdown();
        await session.yamlls?.shutdown();
      }
    }
    if (wanted('workspace')) results.workspace = await section('workspace', 40000, () => benchWorkspace(inputs));
    if (wanted('matrix')) results.matrix = await section('matrix', 30000, () => benchMatrix(inputs));
  } finally {
    fs.rmSync(inputs.dir, { recursive: true, force: true });
  }
  comparisonRows();
  const budgetList = budgets();
  results.budgets = budgetList;
  results.notes = notes;
  results.durationSeconds = Math.round(elapsed() / 1000);
  const out = path.join(repoRoot, 'bench', 'results.json');
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  printTable(budgetList);
  const met = budgetList.filter((b) => b.met === true).length;
  const missed = budgetList.filter((b) => b.met === false).length;
  const na = budgetList.filter((b) => b.met === 'n/a').length;
  process.stdout.write(`\nbench: done in ${results.durationSeconds} s; budgets: ${met} met, ${missed} missed, ${na} not measurable; results in bench/results.json\n`);
}

main().catch((error) => {
  process.stderr.write(`bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
