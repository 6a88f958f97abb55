import * as assert from 'assert';
import { defaultParseOptions, fastChunk, ParsedFile, parseFile, splitChunks, yamlChunk } from '../../server/src/service/parse/parseFile';
import { defaultViewLimits } from '../../server/src/service/parse/yamlView';
import { mutate, seeded } from './mutate';

export interface ReaderComparison {
  /** Chunks seen. */
  chunks: number;
  /** Chunks the fast reader took (the rest it left to the `yaml` package). */
  fast: number;
  /** Chunks the `yaml` package reads without error. */
  valid: number;
}

/**
 * Parses `text` with the fast reader taking the chunks it can, and with the `yaml` package
 * alone, and throws where the two differ in any document's span, errors, view or manifests.
 * A chunk the fast reader takes must therefore be one the `yaml` package reads without error.
 */
export function compareReaders(text: string, what: string): void {
  const fast = parseFile(text, defaultParseOptions);
  const full = parseFile(text, { ...defaultParseOptions, reader: 'yaml' });
  assert.deepStrictEqual(plain(fast), plain(full), `${what}: the readers disagree on:\n${text}`);
}

/** How many chunks of `text` the fast reader takes, counted into `into`. */
export function countFastChunks(text: string, into: ReaderComparison): void {
  for (const chunk of splitChunks(text, 0, text.length)) {
    const chunkText = text.slice(chunk.start, chunk.end);
    into.chunks++;
    if (yamlChunk(chunkText, defaultViewLimits).every((d) => d.errors.length === 0)) into.valid++;
    if (fastChunk(chunkText, defaultViewLimits)) into.fast++;
  }
}

function plain(file: ParsedFile): unknown {
  const documents = file.documents.map((d) => ({ span: d.span, errors: d.errors, view: d.view, manifests: d.manifests, kinds: d.kinds }));
  return JSON.parse(JSON.stringify(documents, (_key, value) => (typeof value === 'bigint' ? `${value}n` : value)));
}

/** Compares the readers on `cases` seeded mutations of the seed texts. */
export function compareOnMutations(seeds: string[], cases: number, firstSeed: number): ReaderComparison {
  const result: ReaderComparison = { chunks: 0, fast: 0, valid: 0 };
  for (let n = 0; n < cases; n++) {
    const seed = firstSeed + n;
    const random = seeded(seed);
    const text = mutate(seeds[Math.floor(random() * seeds.length)], random);
    compareReaders(text, `mutation seed ${seed}`);
    countFastChunks(text, result);
  }
  return result;
}
