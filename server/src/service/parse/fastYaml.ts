import { Document, DocumentOptions, isScalar, ScalarTag, SchemaOptions } from 'yaml';
import { CompactEntry, CompactMap, CompactScalar, CompactSeq, detach, fit, scalarKey, scalarValue, Span, YEntry, YMap, YNode, YScalar, YSeq } from './yamlView';

/**
 * A fast reader for the YAML that Kubernetes manifests are nearly always written in: block
 * mappings and sequences, single-line plain and quoted scalars, single-line flow collections
 * and comments. It reads one chunk (at most one document, see parseFile.ts) straight into the
 * view that the rest of the service reads, about twenty times faster than the `yaml` package's
 * document model.
 *
 * It gives up (returns undefined) on everything else: anchors, aliases, tags, block scalars,
 * multi-line scalars and flow collections, complex and merge keys, directives, tabs, escapes,
 * and anything the `yaml` package would report as an error. The caller then parses the chunk
 * with the `yaml` package, so errors are always reported by it, in its words. The test in
 * test/unit/fastYaml.test.ts checks, on every fixture and on random mutations of them, that
 * whatever this reader accepts the `yaml` package reads without error into the same view.
 */
export interface FastDocument {
  /** [start, end) of the document in the chunk. */
  span: Span;
  root: YNode;
}

/**
 * The documents of the chunk text[from, to) (none for a chunk of comments), with offsets in
 * `text`, or undefined to leave the chunk to `yaml`.
 */
export function fastParseChunk(text: string, from: number, to: number, tags: ScalarTag[], maxDepth: number): FastDocument[] | undefined {
  if (UNSUPPORTED.test(from === 0 && to === text.length ? text : text.slice(from, to))) return undefined;
  try {
    return new Reader(text, from, to, tags, maxDepth).read();
  } catch (error) {
    if (error === GIVE_UP) return undefined;
    throw error;
  }
}

/** Characters this reader leaves to the full parser: tabs, CR, BOM, control characters and other line breaks. */
// eslint-disable-next-line no-control-regex
const UNSUPPORTED = /[\t\r\ufeff\ufffe\uffff\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]/;

const GIVE_UP = Symbol('give up');

function giveUp(): never {
  throw GIVE_UP;
}

const SPACE = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const NEWLINE = 10;

/** Characters a plain scalar may not start with (besides `-`, `?` and `:` before a space). */
const PLAIN_START_FORBIDDEN = new Set([',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`', '?', ':']);

/** Whether a plain scalar in block context may start at `at` (`::1` may; `: ` may not). */
function blockPlainStart(text: string, at: number, end: number): boolean {
  const c = text[at];
  if (c === ':') return at + 1 < end && text.charCodeAt(at + 1) !== SPACE;
  if (c === '-') return at + 1 < end && text.charCodeAt(at + 1) !== SPACE;
  return !PLAIN_START_FORBIDDEN.has(c);
}
const FLOW_INDICATOR = new Set([',', '[', ']', '{', '}']);

class Reader {
  /** Offsets where each line starts, and one past the end. */
  private readonly starts: number[] = [];
  /** For each line: the column of its first character that is not a space; -1 for blank and comment lines. */
  private readonly indents: number[] = [];
  private depth = 0;

  constructor(
    private readonly text: string,
    from: number,
    private readonly to: number,
    private readonly tags: ScalarTag[],
    private readonly maxDepth: number,
  ) {
    let start = from;
    const length = to;
    while (start < length) {
      this.starts.push(start);
      let i = start;
      while (i < length && text.charCodeAt(i) === SPACE) i++;
      const c = i < length ? text.charCodeAt(i) : NEWLINE;
      this.indents.push(c === NEWLINE || c === HASH ? -1 : i - start);
      const newline = text.indexOf('\n', i);
      start = newline < 0 || newline >= length ? length : newline + 1;
    }
    this.starts.push(length);
  }

  read(): FastDocument[] | undefined {
    const text = this.text;
    let line = this.nextContent(0);
    let docStart = -1;
    let emptyAt = -1;
    if (line < this.lineCount && this.indents[line] === 0 && text.startsWith('---', this.starts[line])) {
      const after = this.starts[line] + 3;
      if (after < this.to && text.charCodeAt(after) !== SPACE && text.charCodeAt(after) !== NEWLINE) {
        // `---x` is a plain scalar, not a marker; leave such oddities to the full parser.
        giveUp();
      }
      docStart = this.starts[line];
      const end = this.lineEnd(line);
      emptyAt = this.skipSpaces(after, end);
      this.expectLineRest(emptyAt, end, true);
      line = this.nextContent(line + 1);
    }
    if (line >= this.lineCount) {
      if (docStart < 0) return [];
      return [{ span: [docStart, this.to], root: nullScalar(emptyAt) }];
    }
    const first = this.starts[line] + this.indents[line];
    if (text.charCodeAt(this.starts[line]) === 37 /* % */ || text.startsWith('---', first) || text.startsWith('...', first)) giveUp();
    const [root, next] = this.blockNode(line, this.indents[line], -1);
    if (this.nextContent(next) < this.lineCount) giveUp();
    return [{ span: [docStart >= 0 ? docStart : this.starts[line], this.to], root }];
  }

  private get lineCount(): number {
    return this.indents.length;
  }

  /** The first line at or after `line` that holds content. */
  private nextContent(line: number): number {
    const indents = this.indents;
    while (line < indents.length && indents[line] < 0) line++;
    return line;
  }

  /** The offset of the line's break (or the end of the text). */
  private lineEnd(line: number): number {
    const end = this.starts[line + 1];
    return end > this.starts[line] && this.text.charCodeAt(end - 1) === NEWLINE ? end - 1 : end;
  }

  private skipSpaces(i: number, end: number): number {
    while (i < end && this.text.charCodeAt(i) === SPACE) i++;
    return i;
  }

  /** What may follow a node on its line: spaces, then a comment after at least one space. */
  private expectLineRest(i: number, end: number, spaced: boolean): void {
    const j = this.skipSpaces(i, end);
    if (j === end) return;
    if (this.text.charCodeAt(j) === HASH && (j > i || spaced)) return;
    giveUp();
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) giveUp();
  }

  /**
   * The block node that starts at `column` of `line`, inside a collection indented at
   * `parentIndent`. Returns the node and the line after it.
   */
  private blockNode(line: number, column: number, parentIndent: number): [YNode, number] {
    const text = this.text;
    const at = this.starts[line] + column;
    const end = this.lineEnd(line);
    const c = text[at];
    if (c === '-' && (at + 1 === end || text.charCodeAt(at + 1) === SPACE)) return this.blockSeq(line, column);
    if (c === '[' || c === '{') {
      const [node, after] = this.flowCollection(at, end);
      const j = this.skipSpaces(after, end);
      if (j < end && text.charCodeAt(j) === COLON) giveUp();
      this.expectLineRest(after, end, false);
      this.noContinuation(line, parentIndent);
      return [node, line + 1];
    }
    const key = this.keyAt(at, end);
    if (key) return this.blockMap(line, column);
    const scalar = this.inlineScalar(at, end);
    this.noContinuation(line, parentIndent);
    return [scalar, line + 1];
  }

  /**
   * Gives up if a line after `line` is indented deeper than the enclosing collection: it would
   * continue the node (a multi-line scalar, say) or be an error.
   */
  private noContinuation(line: number, parentIndent: number): void {
    const next = this.nextContent(line + 1);
    if (next < this.lineCount && this.indents[next] > parentIndent) giveUp();
  }

  /** Reads a mapping whose keys are at `column`, starting at `line`. */
  private blockMap(line: number, column: number): [YMap, number] {
    this.enter();
    const text = this.text;
    const entries: YEntry[] = [];
    const mapStart = this.starts[line] + column;
    let mapEnd = mapStart;
    for (;;) {
      const lineStart = this.starts[line];
      const end = this.lineEnd(line);
      const at = lineStart + column;
      const key = this.keyAt(at, end);
      if (!key) giveUp();
      const [keyNode, colon] = key;
      if (keyNode.kind === 'scalar' && keyNode.style === 'PLAIN' && keyNode.source === '<<') giveUp();
      const afterColon = this.skipSpaces(colon + 1, end);
      let value: YNode;
      let next: number;
      if (afterColon === end || text.charCodeAt(afterColon) === HASH) {
        const following = this.nextContent(line + 1);
        const indent = following < this.lineCount ? this.indents[following] : -1;
        const dash = indent >= 0 ? this.starts[following] + indent : -1;
        if (indent > column) {
          [value, next] = this.blockNode(following, indent, column);
        } else if (indent === column && text.charCodeAt(dash) === DASH && (dash + 1 === this.lineEnd(following) || text.charCodeAt(dash + 1) === SPACE)) {
          [value, next] = this.blockSeq(following, column);
        } else {
          value = nullScalar(afterColon);
          next = line + 1;
        }
      } else {
        value = this.inlineValue(afterColon, end);
        this.noContinuation(line, column);
        next = line + 1;
      }
      entries.push(new CompactEntry(scalarKey(keyNode), keyNode.start, keyNode.end, value));
      mapEnd = value.span[1];
      const following = this.nextContent(next);
      if (following >= this.lineCount || this.indents[following] < column) {
        return [new CompactMap(mapStart, mapEnd, false, fit(entries)), this.leave(following)];
      }
      if (this.indents[following] > column) giveUp();
      line = following;
    }
  }

  private leave(line: number): number {
    this.depth--;
    return line;
  }

  /** Reads a sequence whose dashes are at `column`, starting at `line`. */
  private blockSeq(line: number, column: number): [YSeq, number] {
    this.enter();
    const text = this.text;
    const items: YNode[] = [];
    const seqStart = this.starts[line] + column;
    for (;;) {
      const end = this.lineEnd(line);
      const dash = this.starts[line] + column;
      if (text.charCodeAt(dash) !== DASH || (dash + 1 < end && text.charCodeAt(dash + 1) !== SPACE)) giveUp();
      const after = this.skipSpaces(dash + 1, end);
      let item: YNode;
      let next: number;
      if (after === end || text.charCodeAt(after) === HASH) {
        const following = this.nextContent(line + 1);
        const indent = following < this.lineCount ? this.indents[following] : -1;
        if (indent > column) {
          [item, next] = this.blockNode(following, indent, column);
        } else {
          item = nullScalar(after);
          next = line + 1;
        }
      } else {
        const c = text[after];
        if (c !== '-' && c !== '[' && c !== '{' && !this.keyAt(after, end)) {
          item = this.inlineValue(after, end);
          this.noContinuation(line, column);
          next = line + 1;
        } else {
          [item, next] = this.blockNode(line, after - this.starts[line], column);
        }
      }
      items.push(item);
      const following = this.nextContent(next);
      const indent = following < this.lineCount ? this.indents[following] : -1;
      const dashAt = indent >= 0 ? this.starts[following] + indent : -1;
      if (indent !== column || text.charCodeAt(dashAt) !== DASH || !(dashAt + 1 === this.lineEnd(following) || text.charCodeAt(dashAt + 1) === SPACE)) {
        if (indent > column) giveUp();
        return [new CompactSeq(seqStart, item.span[1], false, fit(items)), this.leave(following)];
      }
      line = following;
    }
  }

  /**
   * If a mapping key starts at `at`: the key and the offset of its `:`. A key is a plain or
   * quoted scalar on one line followed by `:` and a space or the line's end.
   */
  private keyAt(at: number, end: number): [CompactScalar, number] | undefined {
    const text = this.text;
    const c = text[at];
    if (c === '"' || c === "'") {
      const close = this.quotedEnd(at, end);
      if (close < 0) return undefined;
      const colon = this.skipSpaces(close, end);
      if (colon < end && text.charCodeAt(colon) === COLON && (colon + 1 === end || text.charCodeAt(colon + 1) === SPACE)) {
        if (close - at > 1000) giveUp();
        return [this.quoted(at, close), colon];
      }
      return undefined;
    }
    if (!blockPlainStart(text, at, end)) return undefined;
    // A plain key runs to the first `: ` (or `:` at the line's end) before any ` #`.
    for (let i = at + 1; i < end; i++) {
      const ch = text.charCodeAt(i);
      if (ch === HASH && text.charCodeAt(i - 1) === SPACE) return undefined;
      if (ch === COLON && (i + 1 === end || text.charCodeAt(i + 1) === SPACE)) {
        let keyEnd = i;
        while (keyEnd > at && text.charCodeAt(keyEnd - 1) === SPACE) keyEnd--;
        if (keyEnd - at > 1000) giveUp();
        return [this.plain(at, keyEnd, true), i];
      }
    }
    return undefined;
  }

  /** A value on the key's or the dash's line: a flow collection or a scalar. */
  private inlineValue(at: number, end: number): YNode {
    const c = this.text[at];
    if (c === '[' || c === '{') {
      const [node, after] = this.flowCollection(at, end);
      this.expectLineRest(after, end, false);
      return node;
    }
    return this.inlineScalar(at, end);
  }

  /** A scalar that fills the rest of its line (but for a comment). */
  private inlineScalar(at: number, end: number): CompactScalar {
    const text = this.text;
    const c = text[at];
    if (c === '"' || c === "'") {
      const close = this.quotedEnd(at, end);
      if (close < 0) giveUp();
      this.expectLineRest(close, end, false);
      return this.quoted(at, close);
    }
    if (!blockPlainStart(text, at, end)) giveUp();
    // The scalar runs to a comment (` #`) or the line's end; `a: b: c` is a mapping where YAML
    // allows none, which the full parser reports.
    let stop = end;
    for (let i = at + 1; i < end; i++) {
      const ch = text.charCodeAt(i);
      if (ch === HASH && text.charCodeAt(i - 1) === SPACE) {
        stop = i - 1;
        break;
      }
      if (ch === COLON && (i + 1 === end || text.charCodeAt(i + 1) === SPACE)) giveUp();
    }
    let valueEnd = stop;
    while (valueEnd > at && text.charCodeAt(valueEnd - 1) === SPACE) valueEnd--;
    return this.plain(at, valueEnd, false);
  }

  /** One past a quoted scalar's closing quote on this line, or -1 when it does not close here. */
  private quotedEnd(at: number, end: number): number {
    const text = this.text;
    const quote = text[at];
    let i = at + 1;
    for (;;) {
      const close = text.indexOf(quote, i);
      if (close < 0 || close >= end) return -1;
      if (quote === '"') {
        for (let j = at + 1; j < close; j++) if (text.charCodeAt(j) === 92 /* \\ */) giveUp();
        return close + 1;
      }
      if (text[close + 1] === "'") {
        i = close + 2;
        continue;
      }
      return close + 1;
    }
  }

  private quoted(at: number, close: number): CompactScalar {
    const text = this.text;
    const double = text[at] === '"';
    let value = text.slice(at + 1, close - 1);
    if (!double && value.includes("''")) value = value.replace(/''/g, "'");
    return new CompactScalar(at, close, value, value, double ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE');
  }

  private plain(at: number, end: number, atKey: boolean): CompactScalar {
    const source = intern(this.text.slice(at, end));
    return new CompactScalar(at, end, scalarValue(resolvePlain(source, atKey, this.tags), source, 'PLAIN'), source, 'PLAIN');
  }

  /**
   * A flow collection that closes on the line it starts on. Returns the node and the offset
   * after its closing bracket.
   */
  private flowCollection(at: number, end: number): [YMap | YSeq, number] {
    this.enter();
    const text = this.text;
    const map = text[at] === '{';
    const closer = map ? '}' : ']';
    const items: YNode[] = [];
    const entries: YEntry[] = [];
    let i = this.skipSpaces(at + 1, end);
    for (;;) {
      if (i >= end) giveUp();
      if (text[i] === closer) {
        this.depth--;
        return map ? [new CompactMap(at, i + 1, true, fit(entries)), i + 1] : [new CompactSeq(at, i + 1, true, fit(items)), i + 1];
      }
      if (map) {
        const [key, afterKey] = this.flowScalar(i, end, true);
        let j = this.skipSpaces(afterKey, end);
        if (text.charCodeAt(j) !== COLON || !(text.charCodeAt(j + 1) === SPACE)) giveUp();
        j = this.skipSpaces(j + 1, end);
        let value: YNode;
        if (text[j] === ',' || text[j] === '}') {
          value = nullScalar(j);
        } else {
          [value, j] = this.flowItem(j, end);
          j = this.skipSpaces(j, end);
        }
        entries.push(new CompactEntry(scalarKey(key), key.start, key.end, value));
        i = j;
      } else {
        const [item, after] = this.flowItem(i, end);
        const j = this.skipSpaces(after, end);
        if (text.charCodeAt(j) === COLON) giveUp();
        items.push(item);
        i = j;
      }
      if (text[i] === ',') {
        i = this.skipSpaces(i + 1, end);
        if (text[i] === ',') giveUp();
      } else if (text[i] !== closer) {
        giveUp();
      }
    }
  }

  private flowItem(at: number, end: number): [YNode, number] {
    const c = this.text[at];
    if (c === '[' || c === '{') return this.flowCollection(at, end);
    return this.flowScalar(at, end, false);
  }

  /** A scalar inside a flow collection, and the offset after it. */
  private flowScalar(at: number, end: number, atKey: boolean): [CompactScalar, number] {
    const text = this.text;
    const c = text[at];
    if (c === '"' || c === "'") {
      const close = this.quotedEnd(at, end);
      if (close < 0) giveUp();
      return [this.quoted(at, close), close];
    }
    if (PLAIN_START_FORBIDDEN.has(c) || c === '-' && text.charCodeAt(at + 1) === SPACE || c === undefined) giveUp();
    let i = at;
    while (i < end) {
      const ch = text[i];
      if (FLOW_INDICATOR.has(ch)) break;
      if (ch === ':' && (i + 1 === end || text.charCodeAt(i + 1) === SPACE || FLOW_INDICATOR.has(text[i + 1]))) break;
      if (ch === '#' && text.charCodeAt(i - 1) === SPACE) giveUp();
      i++;
    }
    let valueEnd = i;
    while (valueEnd > at && text.charCodeAt(valueEnd - 1) === SPACE) valueEnd--;
    if (valueEnd === at) giveUp();
    return [this.plain(at, valueEnd, atKey), i];
  }
}

const interned = new Map<string, string>();

/**
 * One copy of each short scalar: keys and values such as `apiVersion`, `TCP` or `app` repeat
 * thousands of times in a large file, and each would otherwise be a string of its own. The
 * table outlives every text it read, so it keeps its own copies (see `detach`).
 */
function intern(source: string): string {
  if (source.length > 32) return source;
  const known = interned.get(source);
  if (known !== undefined) return known;
  if (interned.size >= 50000) interned.clear();
  const own = detach(source);
  interned.set(own, own);
  return own;
}

function nullScalar(at: number): CompactScalar {
  return new CompactScalar(at, at, null, '', 'PLAIN');
}

const resolved = new Map<string, unknown>();
const resolvedKeys = new Map<string, unknown>();

/**
 * What a plain scalar means, by the same tags and in the same order as the `yaml` package's
 * composer (the first default tag whose pattern matches). Gives up where a tag reports an
 * error, so that the full parser reports it.
 */
function resolvePlain(source: string, atKey: boolean, tags: ScalarTag[]): unknown {
  // Every YAML 1.1 word that is not a string (`yes`, `FALSE`, `Null`...) has at most five
  // letters, and every number, timestamp and merge key starts with something else.
  if (source.length > 5 && isLetter(source.charCodeAt(0))) return source;
  const cache = atKey ? resolvedKeys : resolved;
  if (cache.has(source)) return cache.get(source);
  const tag = tags.find((t) => (t.default === true || (atKey && t.default === 'key')) && t.test?.test(source));
  let value: unknown = source;
  if (tag) {
    let failed = false;
    value = tag.resolve(source, () => (failed = true), { intAsBigInt: false } as never);
    // Booleans and null come back as Scalar nodes, as in the composer.
    if (isScalar(value)) value = value.value;
    if (failed || (typeof value === 'object' && value !== null && !(value instanceof Date)) || typeof value === 'symbol') giveUp();
  }
  // Only interned sources are kept (see intern): a longer one could be a view into a whole text.
  if (source.length > 32) return value;
  if (cache.size > 10000) cache.clear();
  cache.set(source, value);
  return value;
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

/** The scalar tags of a schema built with the given options, in the order the composer tries them. */
export function scalarTags(options: DocumentOptions & SchemaOptions): ScalarTag[] {
  const schema = new Document(null, options).schema;
  return schema.tags.filter((t): t is ScalarTag => !('collection' in t) || !t.collection) as ScalarTag[];
}
