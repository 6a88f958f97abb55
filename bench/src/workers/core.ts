import * as fs from 'fs';
import * as readline from 'readline';
import { parseAllDocuments } from 'yaml';
import { createLanguageService } from '../../../server/src/service/languageService';

/**
 * A long-lived timing process, so that it is as warm as the language servers it is compared
 * with. Each line on stdin is a job, {"op":"yaml"|"ours","file":PATH}; each answer is one
 * JSON line on stdout. `yaml` is the floor: the `yaml` package's parseAllDocuments with its
 * defaults. `ours` is our core on the same text: parseFile, the API-server checks, then the
 * semantic rules. File reading is not timed.
 */
const service = createLanguageService({ parse: { maxFileSize: 1 << 30, limits: { maxAliasExpansions: 1000, maxDepth: 200 } } });
const texts = new Map<string, string>();

function textOf(file: string): string {
  let text = texts.get(file);
  if (text === undefined) {
    text = fs.readFileSync(file, 'utf8');
    texts.set(file, text);
  }
  return text;
}

function run(job: { op: string; file: string }): Record<string, number> {
  const text = textOf(job.file);
  if (job.op === 'yaml') {
    const start = performance.now();
    const docs = parseAllDocuments(text);
    return { ms: performance.now() - start, documents: Array.isArray(docs) ? docs.length : 1 };
  }
  const start = performance.now();
  const parsed = service.parse(text);
  const parsedAt = performance.now();
  service.validate(parsed, undefined, { semantic: false });
  const apiAt = performance.now();
  // Per-document API findings are memoised, so this second call adds the semantic rules.
  const diagnostics = service.validate(parsed).length;
  const end = performance.now();
  return { ms: end - start, parse: parsedAt - start, api: apiAt - parsedAt, semantic: end - apiAt, diagnostics };
}

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let answer: unknown;
  try {
    answer = run(JSON.parse(line) as { op: string; file: string });
  } catch (error) {
    answer = { error: error instanceof Error ? error.message : String(error) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
});
lines.on('close', () => process.exit(0));
