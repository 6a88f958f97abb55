import * as fs from 'fs';
import * as path from 'path';
import { createLanguageService } from '../../server/src/service/languageService';
import { LspClient, repoRoot } from '../helpers/lspClient';
import { diagnosticsProblem, rangeProblem } from './check';
import { mutate, seeded } from './mutate';
import { compareOnMutations } from './readers';

export interface FuzzReport {
  cases: number;
  slowest: { ms: number; seed: number; what: string };
}

/** Valid manifests to start from: the examples and the fixtures. */
export function seedTexts(): string[] {
  const texts: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const name of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (fs.statSync(full).isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(name)) texts.push(fs.readFileSync(full, 'utf8'));
    }
  };
  walk(path.join(repoRoot, 'examples'));
  walk(path.join(repoRoot, 'test', 'fixtures'));
  if (texts.length === 0) throw new Error('no seed manifests found under examples/ or test/fixtures/');
  return texts;
}

function saveFailure(kind: string, seed: number, text: string): string {
  const dir = path.join(repoRoot, 'test-results', 'fuzz');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${kind}-seed-${seed}.yaml`);
  fs.writeFileSync(file, text);
  return file;
}

/** Feeds mutated manifests to the pure core: parse, validate, code actions. */
export function fuzzCore(cases: number, firstSeed = 1): FuzzReport {
  const seeds = seedTexts();
  const service = createLanguageService();
  const report: FuzzReport = { cases: 0, slowest: { ms: 0, seed: 0, what: 'core' } };
  for (let seed = firstSeed; seed < firstSeed + cases; seed++) {
    const random = seeded(seed);
    const text = mutate(seeds[Math.floor(random() * seeds.length)], random);
    const started = performance.now();
    try {
      const parsed = service.parse(text);
      const diagnostics = service.validate(parsed);
      const problem = diagnosticsProblem(text, diagnostics);
      if (problem) throw new Error(problem);
      for (const action of service.codeActions(parsed, 'file:///fuzz.yaml', diagnostics)) {
        for (const edit of action.edit?.changes?.['file:///fuzz.yaml'] ?? []) {
          const editProblem = rangeProblem(text, edit.range);
          if (editProblem) throw new Error(`code action "${action.title}": ${editProblem}`);
        }
      }
    } catch (error) {
      const file = saveFailure('core', seed, text);
      throw new Error(`core fuzz case seed ${seed} failed (input saved to ${file}): ${error instanceof Error ? error.stack : String(error)}`);
    }
    const ms = performance.now() - started;
    if (ms > report.slowest.ms) report.slowest = { ms, seed, what: 'core parse+validate+codeActions' };
    report.cases++;
  }
  return report;
}

const REQUEST_BUDGET_MS = 1000;

async function timed<T>(what: string, seed: number, report: FuzzReport, work: Promise<T>): Promise<T> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} was not answered within ${REQUEST_BUDGET_MS} ms (seed ${seed})`)), REQUEST_BUDGET_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    const ms = performance.now() - started;
    if (ms > report.slowest.ms) report.slowest = { ms, seed, what };
  }
}

/**
 * Feeds mutated manifests to the running language server: didOpen, then a stream of
 * didChange, with hover, code action and completion requests at random positions. Every
 * request must be answered (a result or an error) within the budget, every published range
 * must lie inside the document, and the server must still be up at the end.
 */
export async function fuzzServer(cases: number, firstSeed = 1): Promise<FuzzReport> {
  const seeds = seedTexts();
  const client = new LspClient({ diagnostics: { delay: 0 } });
  const report: FuzzReport = { cases: 0, slowest: { ms: 0, seed: 0, what: 'server' } };
  try {
    await client.initialize();
    for (let seed = firstSeed; seed < firstSeed + cases; seed++) {
      const random = seeded(seed);
      const uri = `file:///fuzz/${seed}.yaml`;
      let text = seeds[Math.floor(random() * seeds.length)];
      let version = 1;
      await client.open(uri, text, version);
      const changes = 1 + Math.floor(random() * 4);
      for (let c = 0; c < changes; c++) {
        text = mutate(text, random);
        version++;
        const published = client.waitForDiagnostics(uri, (p) => p.version === version, 5000);
        await client.change(uri, version, [{ text }]);
        const { diagnostics } = await timed('diagnostics', seed, report, published);
        const problem = diagnosticsProblem(text, diagnostics);
        if (problem) throw new Error(`seed ${seed} (saved to ${saveFailure('server', seed, text)}): ${problem}`);
        const lines = text.split(/\r\n|\r|\n/);
        const line = Math.floor(random() * (lines.length + 2));
        const character = Math.floor(random() * ((lines[line]?.length ?? 0) + 3));
        const position = { line, character };
        const range = { start: position, end: position };
        const requests: [string, unknown][] = [
          ['textDocument/hover', { textDocument: { uri }, position }],
          ['textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics } }],
          ['textDocument/completion', { textDocument: { uri }, position }],
        ];
        for (const [method, params] of requests) {
          await timed(method, seed, report, client.connection.sendRequest(method, params).catch((error: unknown) => error));
        }
      }
      await client.close(uri);
      report.cases++;
      if (client.exited !== undefined) throw new Error(`the server exited (code ${client.exited}) during seed ${seed}`);
    }
    if (client.exited !== undefined) throw new Error(`the server exited (code ${client.exited})`);
    await client.shutdown();
  } finally {
    client.kill();
  }
  return report;
}

async function cli(): Promise<void> {
  const args = process.argv.slice(2);
  const value = (name: string, fallback: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const cases = value('--cases', 10000);
  const serverCases = value('--server-cases', Math.ceil(cases / 10));
  const seed = value('--seed', 1);
  const started = Date.now();
  const core = fuzzCore(cases, seed);
  console.log(`core: ${core.cases} cases, slowest ${core.slowest.ms.toFixed(1)} ms (seed ${core.slowest.seed})`);
  const readers = compareOnMutations(seedTexts(), cases, seed);
  console.log(`readers: ${cases} cases agree; the fast reader took ${readers.fast} of ${readers.valid} valid chunks (${readers.chunks} in all)`);
  const server = await fuzzServer(serverCases, seed);
  console.log(`server: ${server.cases} cases, slowest ${server.slowest.what} ${server.slowest.ms.toFixed(1)} ms (seed ${server.slowest.seed})`);
  console.log(`fuzz: ${core.cases + cases + server.cases} cases in ${((Date.now() - started) / 1000).toFixed(1)} s, no crash, hang or out-of-range position`);
  console.log(`${core.cases + cases + server.cases} passed, 0 failed`);
}

if (require.main === module) {
  cli().catch((error) => {
    console.error(error instanceof Error ? error.message : String(error));
    console.log('0 passed, 1 failed');
    process.exit(1);
  });
}
