import type { TextEdit } from 'vscode-languageserver-types';
import type { LineIndex } from '../text/lineIndex';
import type { YMap, YNode, YSeq } from '../parse/yamlView';
import type { ParsedFile } from '../parse/parseFile';

/**
 * Text edits that insert YAML into an existing document the way its author writes it: the
 * same indentation unit, sequences indented under their key or not, the same line ends,
 * and flow collections kept in flow style. Nothing outside the inserted text changes, so
 * comments and other documents stay as they are.
 */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

export interface IndentStyle {
  /** Spaces per level. */
  unit: number;
  /** Whether a block sequence under a key is indented (`key:\n  - a`) or not (`key:\n- a`). */
  indentSequences: boolean;
  eol: string;
}

/** A text's indentation style, from the keys that open blocks and the lines under them. */
export function detectStyle(text: string): IndentStyle {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r\n|\r|\n/);
  const tally = emptyTally();
  scanLines(lines.length, (i) => lines[i], tally);
  return styleOf(tally, eol);
}

/**
 * What the lines of a stretch of text say about its style: for each key that opens a block
 * (or an empty flow collection about to be filled), how far the next line that is neither
 * blank nor a comment is indented from it, and whether that line is a sequence item.
 */
interface StyleTally {
  deltas: Map<number, number>;
  indented: number;
  flush: number;
}

/** A stretch's own tally, and what pairs with the stretches around it. */
interface RegionStyle {
  /** The first line that is neither blank nor a comment: its indentation and whether it is a sequence item. */
  first?: { indent: number; item: boolean };
  /** When the last such line is a key that opens a block: its key's column, to pair with the next stretch's first line. */
  openKey?: number;
}

const emptyTally = (): StyleTally => ({ deltas: new Map(), indented: 0, flush: 0 });

const openingKey = /^(\s*)(?:- )?[^\s#][^:#]*:\s*(?:\[\]|\{\})?\s*(?:#.*)?$/;
const blankOrComment = /^\s*(#.*)?$/;

/** A key line pairs with the next line that is neither blank nor a comment. */
function pair(tally: StyleTally, keyIndent: number, next: { indent: number; item: boolean }): void {
  if (next.item) {
    if (next.indent > keyIndent) tally.indented++;
    else if (next.indent === keyIndent) tally.flush++;
  }
  const delta = next.indent - keyIndent;
  if (delta > 0 && delta <= 8) tally.deltas.set(delta, (tally.deltas.get(delta) ?? 0) + 1);
}

function contentLine(line: string): { indent: number; item: boolean } {
  return { indent: line.length - line.trimStart().length, item: line.trimStart().startsWith('- ') || line.trim() === '-' };
}

/** Adds the pairs within `count` lines to `tally`; the key line at the end, if any, is left open for what follows. */
function scanLines(count: number, lineAt: (i: number) => string, tally: StyleTally): RegionStyle {
  const region: RegionStyle = {};
  let open: number | undefined;
  for (let i = 0; i < count; i++) {
    const line = lineAt(i);
    if (blankOrComment.test(line)) continue;
    const shape = contentLine(line);
    region.first ??= shape;
    if (open !== undefined) pair(tally, open, shape);
    open = undefined;
    if (openingKey.test(line)) {
      const lead = line.length - line.trimStart().length;
      open = line.trimStart().startsWith('- ') ? lead + 2 : lead;
    }
  }
  region.openKey = open;
  return region;
}

function styleOf(tally: StyleTally, eol: string): IndentStyle {
  let unit = 2;
  let best = 0;
  for (const [delta, count] of tally.deltas) {
    if (count > best || (count === best && delta < unit)) {
      unit = delta;
      best = count;
    }
  }
  return { unit, indentSequences: tally.indented >= tally.flush, eol };
}

/**
 * The tally of a document's lines and of the lines between it and the document before it
 * (markers, comments), kept with the document, which the parser replaces when its text changes.
 */
interface DocumentStyle extends RegionStyle {
  tally: StyleTally;
  lines: number;
  /** The length of the text the tally read, and fingerprints of what of it lies before and after the document. */
  length: number;
  before: string;
  after: string;
}

const STYLE_MEMO = 'edit.style';

/** A fingerprint of text[from, to) (its length and two hashes), so that the memo holds no slice of the file's text. */
function fingerprint(text: string, from: number, to: number): string {
  let a = 0;
  let b = 7;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    a = (Math.imul(a, 31) + code) | 0;
    b = (Math.imul(b, 1000003) ^ code) | 0;
  }
  return `${to - from}:${a}:${b}`;
}

const isBreak = (code: number) => code === 10 || code === 13;

/** The start of the line holding the offset (an offset inside a line break belongs to the line it ends). */
function lineStartAt(text: string, offset: number): number {
  let at = offset;
  if (at > 0 && at < text.length && text.charCodeAt(at) === 10 && text.charCodeAt(at - 1) === 13) at--;
  while (at > 0 && !isBreak(text.charCodeAt(at - 1))) at--;
  return at;
}

/** The end of the line holding the offset, before its line break. */
function lineEndAt(text: string, offset: number): number {
  let at = offset;
  if (at > 0 && at < text.length && text.charCodeAt(at) === 10 && text.charCodeAt(at - 1) === 13) return at - 1;
  while (at < text.length && !isBreak(text.charCodeAt(at))) at++;
  return at;
}

/** Just past the line break at `end` (the end of a line that has one). */
function afterBreak(text: string, end: number): number {
  return text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
}

/** Tallies whole lines text[from, to) (to at a line end); the line count and what pairs with the text around them. */
function scanText(text: string, from: number, to: number, tally: StyleTally): RegionStyle & { lines: number } {
  const lines = text.slice(from, to).split(/\r\n|\r|\n/);
  return { ...scanLines(lines.length, (i) => lines[i], tally), lines: lines.length };
}

/**
 * `detectStyle` of a parsed file's text, read document by document: the lines of each document,
 * with those between it and the document before, are tallied once and the tally kept with the
 * document, so that after a keystroke in a file of thousands of documents only the edited one
 * is read again. A key at the end of one stretch pairs with the first line of the next, so the
 * result is the same as reading the whole text.
 */
export function detectFileStyle(file: ParsedFile): IndentStyle {
  const steps = detectFileStyleSteps(file);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Documents read between two yields of `detectFileStyleSteps`. */
const STYLE_DOCUMENTS_PER_STEP = 100;

/** `detectFileStyle` in steps: it yields between documents, for a caller that reads a large file ahead of need. */
export function* detectFileStyleSteps(file: ParsedFile): Generator<void, IndentStyle> {
  const { text } = file;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const tally = emptyTally();
  let open: number | undefined;
  let lineCount = 0;
  const add = (region: RegionStyle, own?: StyleTally) => {
    if (own) {
      for (const [delta, count] of own.deltas) tally.deltas.set(delta, (tally.deltas.get(delta) ?? 0) + count);
      tally.indented += own.indented;
      tally.flush += own.flush;
    }
    if (!region.first) return;
    if (open !== undefined) pair(tally, open, region.first);
    open = region.openKey;
  };
  // The start of the first line not yet read.
  let from = 0;
  let read = 0;
  for (const document of file.documents) {
    if (++read % STYLE_DOCUMENTS_PER_STEP === 0) yield;
    const [spanStart, spanEnd] = document.span;
    const end = Math.max(lineEndAt(text, spanEnd > spanStart ? spanEnd - 1 : spanStart), spanStart);
    // Documents one after the other, each starting on a line after the one before ends, as the
    // parser makes them; anything else is read the plain way.
    if (spanEnd < spanStart || lineStartAt(text, spanStart) < from) return detectStyle(text);
    const before = fingerprint(text, from, spanStart);
    const after = fingerprint(text, Math.min(spanEnd, end), end);
    let own = document.memo.get(STYLE_MEMO) as DocumentStyle | undefined;
    if (!own || own.length !== end - from || own.before !== before || own.after !== after) {
      const documentTally = emptyTally();
      own = { ...scanText(text, from, end, documentTally), tally: documentTally, length: end - from, before, after };
      document.memo.set(STYLE_MEMO, own);
    }
    lineCount += own.lines;
    add(own, own.tally);
    // Past the document's last line and its line break; past the end when the text ends there.
    from = end < text.length ? afterBreak(text, end) : text.length + 1;
  }
  if (from <= text.length) {
    const rest = scanText(text, from, text.length, tally);
    lineCount += rest.lines;
    add(rest);
  }
  // Every line read exactly once, or the whole text is read the plain way.
  if (lineCount !== file.lines.lineCount) return detectStyle(text);
  return styleOf(tally, eol);
}

const plainSafe = /^[A-Za-z0-9_./-][A-Za-z0-9_./ -]*$/;
const yaml11Special = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|[-+]?[0-9][0-9_.:eE+-]*|0x[0-9a-fA-F]+|\.inf|\.nan)$/;

export function scalarText(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value !== 'string') return String(value);
  if (value === '' || !plainSafe.test(value) || yaml11Special.test(value) || value.endsWith(' ')) return JSON.stringify(value);
  return value;
}

export function flowText(value: YamlValue): string {
  if (Array.isArray(value)) return `[${value.map(flowText).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length === 0 ? '{}' : `{${entries.map(([k, v]) => `${scalarText(k)}: ${flowText(v)}`).join(', ')}}`;
  }
  return scalarText(value);
}

function isEmptyCollection(value: YamlValue): boolean {
  return (Array.isArray(value) && value.length === 0) || (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0);
}

/** Block lines for a map's entries, each starting at `indent`. */
export function blockMapLines(value: { [key: string]: YamlValue }, indent: number, style: IndentStyle): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    if (item === null || typeof item !== 'object' || isEmptyCollection(item)) {
      lines.push(`${pad}${scalarText(key)}: ${flowText(item)}`);
    } else if (Array.isArray(item)) {
      lines.push(`${pad}${scalarText(key)}:`);
      lines.push(...blockSeqLines(item, indent + (style.indentSequences ? style.unit : 0), style));
    } else {
      lines.push(`${pad}${scalarText(key)}:`);
      lines.push(...blockMapLines(item, indent + style.unit, style));
    }
  }
  return lines;
}

/** Block lines for a sequence, the dashes at `indent`. */
export function blockSeqLines(items: YamlValue[], indent: number, style: IndentStyle): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  for (const item of items) {
    if (item !== null && typeof item === 'object' && !Array.isArray(item) && !isEmptyCollection(item)) {
      // The first entry shares the dash's line; the rest align with it.
      const inner = blockMapLines(item, indent + 2, style);
      lines.push(`${pad}- ${inner[0].trimStart()}`, ...inner.slice(1));
    } else if (Array.isArray(item) && item.length > 0) {
      lines.push(`${pad}-`, ...blockSeqLines(item, indent + style.unit, style));
    } else {
      lines.push(`${pad}- ${flowText(item)}`);
    }
  }
  return lines;
}

/** The column a node starts at. */
function columnOf(lines: LineIndex, offset: number): number {
  return lines.positionAt(offset).character;
}

/** Offset just after the last line a node occupies, before that line's break. */
function endOfLastLine(lines: LineIndex, node: YNode): number {
  const end = Math.max(node.span[0], node.span[1] - 1);
  let line = lines.positionAt(end).line;
  // A block node's span may end at the start of the next line.
  if (lines.positionAt(node.span[1]).character === 0 && node.span[1] > node.span[0]) line = lines.positionAt(node.span[1] - 1).line;
  return lines.lineEnd(line);
}

/** Appends items to a sequence, block or flow. */
export function appendToSequence(seq: YSeq, items: YamlValue[], lines: LineIndex, style: IndentStyle): TextEdit {
  if (seq.flow) {
    const closing = seq.span[1] - 1;
    const body = items.map(flowText).join(', ');
    const hasItems = seq.items.length > 0;
    return { range: lines.range(closing, closing), newText: hasItems ? `, ${body}` : body };
  }
  const last = seq.items[seq.items.length - 1];
  const dashColumn = columnOf(lines, seq.span[0]);
  const insertAt = last ? endOfLastLine(lines, last) : endOfLastLine(lines, seq);
  const text = blockSeqLines(items, dashColumn, style).join(style.eol);
  return { range: lines.range(insertAt, insertAt), newText: `${style.eol}${text}` };
}

/** Adds an entry to a map, block or flow; the map must not already hold the key. */
export function addToMap(map: YMap, key: string, value: YamlValue, lines: LineIndex, style: IndentStyle): TextEdit {
  if (map.flow) {
    const closing = map.span[1] - 1;
    const entry = `${scalarText(key)}: ${flowText(value)}`;
    return { range: lines.range(closing, closing), newText: map.entries.length > 0 ? `, ${entry}` : entry };
  }
  const column = map.entries.length > 0 ? columnOf(lines, map.entries[0].keySpan[0]) : columnOf(lines, map.span[0]);
  const lastValue = map.entries[map.entries.length - 1]?.value;
  const insertAt = lastValue ? endOfLastLine(lines, lastValue) : lines.lineEnd(lines.positionAt(map.span[1]).line);
  const text = blockMapLines({ [key]: value }, column, style).join(style.eol);
  return { range: lines.range(insertAt, insertAt), newText: `${style.eol}${text}` };
}

/** Replaces a node (a value) with new YAML, keeping the node's style where it can. */
export function replaceValue(node: YNode, value: YamlValue, lines: LineIndex, style: IndentStyle, keyColumn: number): TextEdit {
  const simple = value === null || typeof value !== 'object' || isEmptyCollection(value);
  const emptyFlow = node.kind !== 'scalar' && node.flow && (node.kind === 'seq' ? node.items.length === 0 : node.entries.length === 0);
  if (simple || (node.kind !== 'scalar' && node.flow && !emptyFlow)) {
    return { range: lines.range(node.span[0], node.span[1]), newText: flowText(value) };
  }
  // `key: []`, `key: {}` or `key: value` becoming a block: the block starts on the next line.
  // A block collection is replaced from the end of its key's line through its last line.
  let start: number;
  let end: number;
  if (node.kind === 'scalar' || emptyFlow) {
    start = node.span[0];
    while (start > 0 && lines.text[start - 1] === ' ') start--;
    end = node.span[1];
  } else {
    start = lines.lineEnd(lines.positionAt(node.span[0]).line - 1);
    end = endOfLastLine(lines, node);
  }
  const body = Array.isArray(value)
    ? blockSeqLines(value, keyColumn + (style.indentSequences ? style.unit : 0), style)
    : blockMapLines(value, keyColumn + style.unit, style);
  return { range: lines.range(start, end), newText: `${style.eol}${body.join(style.eol)}` };
}
