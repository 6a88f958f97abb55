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
 */
export function parseFile(text: string, options: ParseOptions = defaultParseOptions): ParsedFile {
  const lines = new LineIndex(text);
  if (text.length > options.maxFileSize) {
    return { text, lines, documents: [], tooLarge: { size: text.length, limit: options.maxFileSize } };
  }
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, {
      version: '1.1',
      merge: true,
      uniqueKeys: false,
      prettyErrors: false,
      keepSourceTokens: false,
      strict: false,
    }) as Document.Parsed[];
  } catch (error) {
    // The parser should never throw, but a stack overflow on absurd nesting can.
    const message = error instanceof Error ? error.message : String(error);
    return {
      text,
      lines,
      documents: [
        {
          index: 0,
          span: [0, text.length],
          errors: [{ span: [0, Math.min(text.length, 1)], message: `The YAML parser gave up on this file: ${message}`, code: 'PARSER_FAILURE' }],
          view: { root: null },
          manifests: [],
        },
      ],
    };
  }
  if (!Array.isArray(docs)) docs = [docs as unknown as Document.Parsed];
  const documents = docs.map((doc, index) => toParsedDocument(doc, index, text, options.limits));
  return { text, lines, documents };
}

function toParsedDocument(doc: Document.Parsed, index: number, text: string, limits: ViewLimits): ParsedDocument {
  const range = doc.range ?? [0, text.length, text.length];
  const errors: SyntaxProblem[] = doc.errors.map((e: YAMLError) => ({
    span: [e.pos[0], Math.max(e.pos[0], e.pos[1])] as Span,
    message: e.message.split('\n')[0],
    code: e.code,
  }));
  let view: ViewResult;
  try {
    view = buildView(doc, limits);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    view = { root: null };
    errors.push({ span: [range[0], range[0]], message: `This document could not be read: ${message}`, code: 'VIEW_FAILURE' });
  }
  return { index, span: [range[0], range[2] ?? range[1]], errors, view, manifests: manifestsOf(view.root, index) };
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
