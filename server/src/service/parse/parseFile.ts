import { parseAllDocuments, Document, YAMLError } from 'yaml';
import { LineIndex } from '../text/lineIndex';
import { buildView, child, defaultViewLimits, Span, stringValue, ViewLimits, ViewResult, YMap, YNode } from './yamlView';

/** One YAML document of a file. */
export interface ParsedDocument {
  index: number;
  /** Offsets of the document in the file text. */
  span: Span;
  /** Syntax errors, in source order. */
  errors: SyntaxProblem[];
  view: ViewResult;
  /** Kubernetes objects in this document: the document itself, or the items of a `kind: List`. */
  manifests: Manifest[];
  /** The chunk of file text this document was parsed from, when it can be reused on its own. */
  chunk?: { start: number; text: string };
  /**
   * Results derived from this document's text alone (validation findings), kept with the
   * document so that a reused document is not analysed again. Offsets stored here must be
   * relative to `span[0]`, since the document may move.
   */
  memo: Map<string, unknown>;
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
  /** Set instead of documents when the file exceeds the size limit. */
  tooLarge?: { size: number; limit: number };
}

export interface ParseOptions {
  /** Files larger than this many bytes (UTF-16 code units, close enough) are not analysed. */
  maxFileSize: number;
  limits: ViewLimits;
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
export function parseFile(text: string, options: ParseOptions = defaultParseOptions, previous?: ParsedFile): ParsedFile {
  const lines = new LineIndex(text);
  if (text.length > options.maxFileSize) {
    return { text, lines, documents: [], tooLarge: { size: text.length, limit: options.maxFileSize } };
  }
  const reusable = new Map<string, ParsedDocument[]>();
  if (previous && !previous.tooLarge) {
    for (const document of previous.documents) {
      if (document.chunk === undefined) continue;
      const list = reusable.get(document.chunk.text);
      if (list) list.push(document);
      else reusable.set(document.chunk.text, [document]);
    }
  }
  const documents: ParsedDocument[] = [];
  for (const chunk of splitChunks(text)) {
    const chunkText = text.slice(chunk.start, chunk.end);
    const candidates = reusable.get(chunkText);
    const reused = candidates?.shift();
    if (reused && reused.chunk) {
      const delta = chunk.start - reused.chunk.start;
      if (delta !== 0) shiftDocument(reused, delta);
      reused.chunk.start = chunk.start;
      reused.index = documents.length;
      for (const manifest of reused.manifests) manifest.documentIndex = reused.index;
      documents.push(reused);
      continue;
    }
    for (const document of parseChunk(chunkText, chunk.start, options.limits)) {
      document.index = documents.length;
      for (const manifest of document.manifests) manifest.documentIndex = document.index;
      documents.push(document);
    }
  }
  return { text, lines, documents };
}

interface ChunkBounds {
  start: number;
  end: number;
}

/**
 * Offsets where documents may start: the start of the text and every line that is a
 * document marker. A file with directives (`%YAML`) is kept whole, since a directive
 * belongs to the document after the next marker.
 */
function splitChunks(text: string): ChunkBounds[] {
  if (/^%/m.test(text)) return [{ start: 0, end: text.length }];
  const starts = [0];
  const marker = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;
  let match: RegExpExecArray | null;
  while ((match = marker.exec(text)) !== null) {
    if (match.index === 0) continue;
    if (match[0] === '...') {
      // A document end marker closes the document before it; the next chunk starts after its line.
      const newline = text.indexOf('\n', match.index);
      const next = newline < 0 ? text.length : newline + 1;
      if (next < text.length) starts.push(next);
    } else {
      starts.push(match.index);
    }
  }
  const unique = [...new Set(starts)].sort((a, b) => a - b);
  return unique.map((start, i) => ({ start, end: i + 1 < unique.length ? unique[i + 1] : text.length }));
}

function parseChunk(chunkText: string, start: number, limits: ViewLimits): ParsedDocument[] {
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(chunkText, {
      version: '1.1',
      merge: true,
      uniqueKeys: false,
      prettyErrors: false,
      keepSourceTokens: false,
      strict: false,
    }) as Document.Parsed[];
    if (!Array.isArray(docs)) docs = [docs as unknown as Document.Parsed];
  } catch (error) {
    // The parser should never throw, but a stack overflow on absurd nesting can.
    const message = error instanceof Error ? error.message : String(error);
    return [
      {
        index: 0,
        span: [start, start + chunkText.length],
        errors: [{ span: [start, start + Math.min(chunkText.length, 1)], message: `The YAML parser gave up on this document: ${message}`, code: 'PARSER_FAILURE' }],
        view: { root: null },
        manifests: [],
        chunk: { start, text: chunkText },
        memo: new Map(),
      },
    ];
  }
  const result = docs.map((doc, index) => toParsedDocument(doc, index, chunkText, limits));
  for (const document of result) shiftDocument(document, start);
  // Only a chunk that holds exactly one document can be reused as a unit.
  if (result.length === 1) result[0].chunk = { start, text: chunkText };
  return result;
}

/** Moves every offset of a document by `delta`, in place. */
function shiftDocument(document: ParsedDocument, delta: number): void {
  const move = (span: Span): Span => [span[0] + delta, span[1] + delta];
  document.span = move(document.span);
  for (const error of document.errors) error.span = move(error.span);
  if (document.view.truncated) document.view.truncated.span = move(document.view.truncated.span);
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
  visit(document.view.root);
}

function toParsedDocument(doc: Document.Parsed, index: number, text: string, limits: ViewLimits): ParsedDocument {
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
  let view: ViewResult;
  try {
    view = buildView(doc, limits);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    view = { root: null };
    errors.push({ span: [range[0], range[0]], message: `This document could not be read: ${message}`, code: 'VIEW_FAILURE' });
  }
  return { index, span: [range[0], range[2] ?? range[1]], errors, view, manifests: manifestsOf(view.root, index), memo: new Map() };
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
