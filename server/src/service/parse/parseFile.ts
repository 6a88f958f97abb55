import { isCollection, isPair, isScalar, parseAllDocuments, Document, DocumentOptions, ParseOptions as YamlParseOptions, SchemaOptions, ScalarTag, YAMLError } from 'yaml';
import { LineIndex } from '../text/lineIndex';
import { fastParseChunk, scalarTags } from './fastYaml';
import { buildView, child, defaultViewLimits, detach, Span, stringValue, ViewLimits, ViewResult, YMap, YNode } from './yamlView';

/** One YAML document of a file. */
export interface ParsedDocument {
  readonly index: number;
  /** Offsets of the document in the file text. */
  readonly span: Span;
  /** Syntax errors, in source order. */
  readonly errors: SyntaxProblem[];
  readonly view: ViewResult;
  /** Kubernetes objects in this document: the document itself, or the items of a `kind: List`. */
  readonly manifests: Manifest[];
  /** The `kind` of each manifest, readable without touching the nodes. */
  readonly kinds: readonly (string | undefined)[];
  /**
   * Results derived from this document's text alone (validation findings), kept with the
   * document so that a reused document is not analysed again. Offsets stored here must be
   * relative to `span[0]`, since the document may move.
   */
  readonly memo: Map<string, unknown>;
}

/**
 * A document as the parser keeps it. When an edit before it moves it, only its span and
 * errors move at once; its nodes are moved when someone first reads `view` or `manifests`,
 * so a keystroke near the top of a large file does not walk every document below it.
 */
class Document_ implements ParsedDocument {
  index = 0;
  /** The chunk of text the document was parsed from; every document of a chunk has the same. */
  chunk: { start: number; end: number };
  private pendingShift = 0;
  readonly kinds: readonly (string | undefined)[];
  readonly memo = new Map<string, unknown>();

  constructor(
    public span: Span,
    public errors: SyntaxProblem[],
    private view_: ViewResult,
    private manifests_: Manifest[],
    chunk: { start: number; end: number },
  ) {
    this.chunk = chunk;
    this.kinds = manifests_.map((m) => m.kind);
  }

  get view(): ViewResult {
    this.settle();
    return this.view_;
  }

  get manifests(): Manifest[] {
    this.settle();
    return this.manifests_;
  }

  setIndex(index: number): void {
    if (this.index === index) return;
    this.index = index;
    for (const manifest of this.manifests_) manifest.documentIndex = index;
  }

  move(delta: number): void {
    if (delta === 0) return;
    this.span = [this.span[0] + delta, this.span[1] + delta];
    this.chunk = { start: this.chunk.start + delta, end: this.chunk.end + delta };
    for (const error of this.errors) error.span = [error.span[0] + delta, error.span[1] + delta];
    this.pendingShift += delta;
  }

  private settle(): void {
    if (this.pendingShift === 0) return;
    shiftView(this.view_, this.pendingShift);
    this.pendingShift = 0;
  }
}

/**
 * What changed since the previous parse, when the caller knows it (the editor's change
 * events): the new text starts with `prefix` characters and ends with `suffix` characters of
 * the previous text. Without it, unchanged documents are found by comparing their text.
 */
export interface EditHint {
  prefix: number;
  suffix: number;
}

export interface SyntaxProblem {
  span: Span;
  message: string;
  code: string;
}

/** A Kubernetes object as written: its identifying fields and its node. */
export interface Manifest {
  node: YMap;
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  /** The document it was written in. */
  documentIndex: number;
  /** Set for items of a `kind: List`: the item's index. */
  listIndex?: number;
}

export interface ParsedFile {
  text: string;
  lines: LineIndex;
  documents: ParsedDocument[];
  /** True when the file has directives (`%YAML`) and is parsed as one piece. */
  whole?: boolean;
  /** Set instead of documents when the file exceeds the size limit. */
  tooLarge?: { size: number; limit: number };
}

export interface ParseOptions {
  /** Files larger than this many bytes (UTF-16 code units, close enough) are not analysed. */
  maxFileSize: number;
  limits: ViewLimits;
  /** 'yaml' reads every chunk with the `yaml` package; by default the fast reader takes the chunks it can. */
  reader?: 'fast' | 'yaml';
}

export const defaultParseOptions: ParseOptions = { maxFileSize: 5 * 1024 * 1024, limits: defaultViewLimits };

/**
 * Parses every YAML document of a file. kubectl reads YAML 1.1 (through go-yaml), where
 * `yes`, `on` and `off` are booleans, so scalars are resolved with the YAML 1.1 schema: a
 * label value written `yes` is a boolean to kubectl too.
 *
 * The text is cut into chunks at document markers (`---` or `...` in column 0, which YAML
 * never allows inside a node) and each chunk is parsed on its own. Given the previous parse
 * of the same file, chunks whose text did not change are reused and only moved, so a
 * keystroke in a file of thousands of documents re-parses one document. The previous
 * ParsedFile must not be used afterwards: its reused documents now belong to the new one.
 */
export function parseFile(text: string, options: ParseOptions = defaultParseOptions, previous?: ParsedFile, hint?: EditHint): ParsedFile {
  const usable = previous && !previous.tooLarge && !previous.whole ? previous : undefined;
  const edit = usable && hint ? clampHint(hint, usable.text.length, text.length) : undefined;
  const lines = edit && usable ? LineIndex.edited(usable.lines, text, edit.prefix, edit.suffix) : new LineIndex(text);
  if (text.length > options.maxFileSize) {
    return { text, lines, documents: [], tooLarge: { size: text.length, limit: options.maxFileSize } };
  }
  if (usable && edit) {
    const incremental = parseEdited(text, usable, edit, options);
    if (incremental) return { text, lines, documents: incremental };
  }
  const whole = /^%/m.test(text);
  const chunks = whole ? [{ start: 0, end: text.length }] : splitChunks(text, 0, text.length);
  const reusable = usable && !whole ? reusableByText(usable) : undefined;
  const documents: Document_[] = [];
  for (const chunk of chunks) {
    const chunkText = text.slice(chunk.start, chunk.end);
    const reused = reusable?.get(chunkText)?.shift();
    if (reused) {
      for (const document of reused) document.move(chunk.start - document.chunk.start);
      documents.push(...reused);
    } else {
      documents.push(...parseChunk(text, chunk, options.limits, !whole && options.reader !== 'yaml', reusable !== undefined));
    }
  }
  documents.forEach((document, i) => document.setIndex(i));
  return { text, lines, documents, whole: whole || undefined };
}

function clampHint(hint: EditHint, oldLength: number, newLength: number): EditHint {
  const prefix = Math.max(0, Math.min(hint.prefix, oldLength, newLength));
  const suffix = Math.max(0, Math.min(hint.suffix, oldLength - prefix, newLength - prefix));
  return { prefix, suffix };
}

/** The previous documents grouped by the chunk they came from, keyed by the chunk's text. */
function reusableByText(previous: ParsedFile): Map<string, Document_[][]> {
  const map = new Map<string, Document_[][]>();
  for (const group of chunkGroups(previous)) {
    const { start, end } = group[0].chunk;
    const key = previous.text.slice(start, end);
    const list = map.get(key);
    if (list) list.push(group);
    else map.set(key, [group]);
  }
  return map;
}

function chunkGroups(file: ParsedFile): Document_[][] {
  const groups: Document_[][] = [];
  for (const document of file.documents as Document_[]) {
    const last = groups[groups.length - 1];
    if (last && last[0].chunk.start === document.chunk.start) last.push(document);
    else groups.push([document]);
  }
  return groups;
}

/** The length of a document marker line's `---` plus the character that must follow it. */
const MARKER_CONTEXT = 4;

/**
 * Re-parses only the chunks an edit touched: chunks wholly inside the unchanged prefix stay
 * where they are, chunks wholly inside the unchanged suffix move by the length difference,
 * and the text between them is cut into chunks and parsed. Undefined when the edit makes that
 * unsafe (a directive appears), and the caller parses the usual way.
 */
function parseEdited(text: string, previous: ParsedFile, edit: EditHint, options: ParseOptions): Document_[] | undefined {
  const oldLength = previous.text.length;
  const delta = text.length - oldLength;
  const groups = chunkGroups(previous);
  let head = 0;
  // A chunk stays only if the marker line that ends it is unchanged too.
  while (head < groups.length && groups[head][0].chunk.end + MARKER_CONTEXT <= edit.prefix && groups[head][0].chunk.end < oldLength) head++;
  let tail = groups.length;
  // A chunk moves only if the line break before its marker is unchanged too.
  while (tail > head && groups[tail - 1][0].chunk.start > 0 && groups[tail - 1][0].chunk.start - 1 >= oldLength - edit.suffix) tail--;
  const middleStart = head > 0 ? groups[head - 1][0].chunk.end : 0;
  const middleEnd = tail < groups.length ? groups[tail][0].chunk.start + delta : text.length;
  if (middleEnd < middleStart) return undefined;
  if (/^%/m.test(text.slice(middleStart, middleEnd))) return undefined;
  const documents: Document_[] = [];
  for (let i = 0; i < head; i++) documents.push(...groups[i]);
  for (const chunk of splitChunks(text, middleStart, middleEnd)) documents.push(...parseChunk(text, chunk, options.limits, options.reader !== 'yaml', true));
  for (let i = tail; i < groups.length; i++) {
    for (const document of groups[i]) {
      document.move(delta);
      documents.push(document);
    }
  }
  documents.forEach((document, i) => document.setIndex(i));
  return documents;
}

interface ChunkBounds {
  start: number;
  end: number;
}

/**
 * The chunks of text[from, to): `from` and every line in between that is a document marker
 * start one. (`from` is the start of the text or of a marker line.)
 */
export function splitChunks(text: string, from: number, to: number): ChunkBounds[] {
  const starts = [from];
  const marker = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;
  marker.lastIndex = from;
  let match: RegExpExecArray | null;
  while ((match = marker.exec(text)) !== null && match.index < to) {
    if (match.index === from) continue;
    if (match[0] === '...') {
      // A document end marker closes the document before it; the next chunk starts after its line.
      const newline = text.indexOf('\n', match.index);
      const next = newline < 0 ? text.length : newline + 1;
      if (next < to) starts.push(next);
    } else {
      starts.push(match.index);
    }
  }
  const unique = [...new Set(starts)].sort((a, b) => a - b);
  return unique.map((start, i) => ({ start, end: i + 1 < unique.length ? unique[i + 1] : to }));
}

/**
 * Integers that go-yaml reads and the `yaml` package's YAML 1.1 schema does not: go-yaml
 * drops every `_` and hands the rest to Go's strconv.ParseInt (then ParseUint) with base 0,
 * which also takes the `0o`/`0O` octal prefix and the upper-case `0X` and `0B` prefixes. A
 * value that fits neither int64 nor uint64 stays a string, as in go-yaml.
 */
const goPrefixedInt: ScalarTag = {
  identify: (value) => typeof value === 'number' && Number.isInteger(value),
  default: true,
  tag: 'tag:yaml.org,2002:int',
  test: /^[-+]?0(?:[oO]_*[0-7][0-7_]*|X_*[0-9a-fA-F][0-9a-fA-F_]*|B_*[01][01_]*)$/,
  resolve(source: string): number | string {
    const negative = source.startsWith('-');
    const unsigned = source.replace(/^[-+]/, '').replace(/_/g, '').toLowerCase();
    const magnitude = BigInt(unsigned);
    if (negative ? magnitude > 2n ** 63n : magnitude >= 2n ** 64n) return source;
    return Number(negative ? -magnitude : magnitude);
  },
};

const parseOptions: YamlParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  customTags: (tags) => [...tags, goPrefixedInt],
  merge: true,
  uniqueKeys: false,
  prettyErrors: false,
  keepSourceTokens: false,
  strict: false,
};

let fastTags: ScalarTag[] | undefined;

/** The documents of one chunk as the fast reader reads them, or undefined when it leaves the chunk to `yaml`. */
export function fastChunk(chunkText: string, limits: ViewLimits): DocumentParts[] | undefined {
  return fastDocuments(chunkText, 0, chunkText.length, limits);
}

/** The fast reader's documents of text[start, end), with offsets in `text`. */
function fastDocuments(text: string, start: number, end: number, limits: ViewLimits): DocumentParts[] | undefined {
  const fast = fastParseChunk(text, start, end, (fastTags ??= scalarTags(parseOptions)), Math.floor(limits.maxDepth / 2));
  return fast?.map((doc, index) => ({ span: doc.span, errors: [], view: { root: doc.root }, manifests: manifestsOf(doc.root, index) }));
}

/** The documents of one chunk as the `yaml` package reads them, with offsets relative to the chunk. */
export function yamlChunk(chunkText: string, limits: ViewLimits): DocumentParts[] {
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(chunkText, parseOptions) as Document.Parsed[];
    if (!Array.isArray(docs)) docs = [docs as unknown as Document.Parsed];
  } catch (error) {
    // The parser should never throw, but a stack overflow on absurd nesting can.
    const message = error instanceof Error ? error.message : String(error);
    return [
      {
        span: [0, chunkText.length],
        errors: [{ span: [0, Math.min(chunkText.length, 1)], message: `The YAML parser gave up on this document: ${message}`, code: 'PARSER_FAILURE' }],
        view: { root: null },
        manifests: [],
      },
    ];
  }
  const parts = docs.map((doc, index) => toParsedDocument(doc, index, chunkText, limits));
  // The only document of a chunk owns the chunk to its end (the `yaml` package leaves out
  // trailing spaces at the end of the text), as the fast reader has it.
  if (parts.length === 1) parts[0].span = [parts[0].span[0], chunkText.length];
  return parts;
}

/**
 * The documents of one chunk. With `own`, they are read from a copy of the chunk's text: the
 * strings of a view are slices of the text they were read from and keep all of it in memory,
 * so a document re-read after an edit must not keep the whole file of that version (a 5 MB
 * file edited in fifty places would otherwise keep fifty versions).
 */
function parseChunk(text: string, chunk: ChunkBounds, limits: ViewLimits, allowFast: boolean, own = false): Document_[] {
  const bounds = { start: chunk.start, end: chunk.end };
  if (!own) {
    const fast = allowFast ? fastDocuments(text, chunk.start, chunk.end, limits) : undefined;
    if (fast) return fast.map((parsed) => new Document_(parsed.span, [], parsed.view, parsed.manifests, bounds));
  }
  const start = chunk.start;
  const chunkText = own ? detach(text.slice(chunk.start, chunk.end)) : text.slice(chunk.start, chunk.end);
  const parts = (own && allowFast ? fastDocuments(chunkText, 0, chunkText.length, limits) : undefined) ?? yamlChunk(chunkText, limits);
  return parts.map((parsed) => {
    shiftView(parsed.view, start);
    const move = (span: Span): Span => [span[0] + start, span[1] + start];
    for (const error of parsed.errors) error.span = move(error.span);
    return new Document_(move(parsed.span), parsed.errors, parsed.view, parsed.manifests, bounds);
  });
}

/** Moves every offset of a document's nodes by `delta`, in place. */
function shiftView(view: ViewResult, delta: number): void {
  if (delta === 0) return;
  const move = (span: Span): Span => [span[0] + delta, span[1] + delta];
  if (view.truncated) view.truncated.span = move(view.truncated.span);
  const seen = new Set<object>();
  const visit = (node: YNode | null) => {
    if (!node || seen.has(node)) return;
    seen.add(node);
    node.span = move(node.span);
    if (node.aliasSpan) node.aliasSpan = move(node.aliasSpan);
    if (node.kind === 'map') {
      for (const e of node.entries) {
        if (seen.has(e)) continue;
        seen.add(e);
        e.keySpan = move(e.keySpan);
        visit(e.value);
      }
    } else if (node.kind === 'seq') {
      for (const item of node.items) visit(item);
    }
  };
  visit(view.root);
}

export interface DocumentParts {
  span: Span;
  errors: SyntaxProblem[];
  view: ViewResult;
  manifests: Manifest[];
}

function toParsedDocument(doc: Document.Parsed, index: number, text: string, limits: ViewLimits): DocumentParts {
  const range = doc.range ?? [0, text.length, text.length];
  // The parser reports errors found at the end of the input (an unclosed quote or bracket)
  // just past it, which in a multi-document file is the next document's `---`. Such errors
  // are moved onto the last character of this document's last line that is not a comment.
  const lastChar = lastContentChar(text);
  const errors: SyntaxProblem[] = doc.errors.map((e: YAMLError) => {
    let start = lastChar >= 0 && e.pos[0] > lastChar ? lastChar : e.pos[0];
    let end = lastChar >= 0 && e.pos[0] > lastChar ? lastChar + 1 : Math.max(e.pos[0], e.pos[1]);
    // An error on a line break would be drawn across two lines; mark the character before it.
    if (end === start + 1 && (text[start] === '\n' || text[start] === '\r') && start > 0 && text[start - 1] !== '\n' && text[start - 1] !== '\r') {
      start--;
      end--;
    }
    return { span: [start, end] as Span, message: e.message.split('\n')[0], code: e.code };
  });
  const flowColons = flowColonProblems(doc, text);
  if (flowColons.length > 0) {
    errors.push(...flowColons);
    errors.sort((a, b) => a.span[0] - b.span[0]);
  }
  let view: ViewResult;
  try {
    view = buildView(doc, limits);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    view = { root: null };
    errors.push({ span: [range[0], range[0]], message: `This document could not be read: ${message}`, code: 'VIEW_FAILURE' });
  }
  return { span: [range[0], range[2] ?? range[1]], errors, view, manifests: manifestsOf(view.root, index) };
}

/**
 * Plain scalars that start with ':' inside a flow collection (`except: [::1/128]`). The
 * `yaml` package reads them as scalars, but go-yaml (kubectl, the API server) reads such a
 * ':' as a value indicator in flow context, and rejects the document.
 */
function flowColonProblems(doc: Document.Parsed, text: string): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const seen = new Set<unknown>();
  const visit = (node: unknown, inFlow: boolean, depth: number): void => {
    if (!node || typeof node !== 'object' || seen.has(node) || depth > 1000) return;
    seen.add(node);
    if (isScalar(node)) {
      const start = node.range?.[0];
      if (inFlow && node.type === 'PLAIN' && start !== undefined && text[start] === ':') {
        problems.push({ span: [start, Math.max(start + 1, node.range![1])], message: 'did not find expected node content', code: 'FLOW_VALUE_INDICATOR' });
      }
      return;
    }
    if (isCollection(node)) {
      const flow = inFlow || Boolean(node.flow);
      for (const item of node.items as unknown[]) {
        if (isPair(item)) {
          visit(item.key, flow, depth + 1);
          visit(item.value, flow, depth + 1);
        } else {
          visit(item, flow, depth + 1);
        }
      }
    }
  };
  visit(doc.contents, false, 0);
  return problems;
}

/** Offset of the last character before any trailing blank or comment-only lines; -1 if none. */
function lastContentChar(text: string): number {
  let i = text.length - 1;
  for (;;) {
    while (i >= 0 && /\s/.test(text[i])) i--;
    if (i < 0) return -1;
    let lineStart = i;
    while (lineStart > 0 && text[lineStart - 1] !== '\n' && text[lineStart - 1] !== '\r') lineStart--;
    let first = lineStart;
    while (text[first] === ' ' || text[first] === '\t') first++;
    if (text[first] !== '#' || lineStart === 0) return i;
    i = lineStart - 1;
  }
}

function manifestsOf(root: YNode | null, documentIndex: number): Manifest[] {
  if (!root || root.kind !== 'map') return [];
  const top = describe(root, documentIndex);
  if (top.kind === 'List' || (top.kind?.endsWith('List') && top.apiVersion !== undefined && child(root, 'items')?.kind === 'seq')) {
    const items = child(root, 'items');
    if (items && items.kind === 'seq') {
      const result: Manifest[] = [];
      items.items.forEach((item, listIndex) => {
        if (item && item.kind === 'map') result.push({ ...describe(item, documentIndex), listIndex });
      });
      return result;
    }
    return [];
  }
  return [top];
}

function describe(node: YMap, documentIndex: number): Manifest {
  const metadata = child(node, 'metadata');
  return {
    node,
    apiVersion: stringValue(child(node, 'apiVersion')),
    kind: stringValue(child(node, 'kind')),
    name: stringValue(child(metadata, 'name')),
    namespace: stringValue(child(metadata, 'namespace')),
    documentIndex,
  };
}
