import { Alias, Document, isAlias, isMap, isPair, isScalar, isSeq, Node, Scalar, YAMLMap, YAMLSeq } from 'yaml';

/**
 * A small, JSON-shaped view of a YAML node tree that keeps source offsets.
 *
 * Everything after parsing (validation, the object model, semantics) reads this view instead
 * of the `yaml` package's classes, so that aliases, merge keys and YAML 1.1 scalars are
 * resolved in one place, and the alias budget is enforced in one place.
 */
export type YNode = YMap | YSeq | YScalar;

/** [start, end) offsets in the file text. */
export type Span = readonly [number, number];


interface YBase {
  /** Where the value is written (for an alias: where the anchored node is written). */
  span: Span;
  /** Where this occurrence is written when it was reached through an alias. */
  aliasSpan?: Span;
}

export interface YMap extends YBase {
  kind: 'map';
  flow: boolean;
  entries: YEntry[];
}

export interface YEntry {
  /** The key as text; null for complex keys (maps or lists used as keys). */
  key: string | null;
  keySpan: Span;
  /** null when the value is empty (`key:` with nothing after it), which YAML reads as null. */
  value: YNode | null;
  /** True when the entry came from a `<<` merge key. */
  merged?: boolean;
}

export interface YSeq extends YBase {
  kind: 'seq';
  flow: boolean;
  items: (YNode | null)[];
}

export type ScalarValue = string | number | boolean | null | bigint;

export interface YScalar extends YBase {
  kind: 'scalar';
  value: ScalarValue;
  /** The scalar as written, without quotes (the `yaml` package's `source`). */
  source: string;
  /** How it was written: plain, quoted or block. */
  style: string;
}

export interface ViewLimits {
  /** How many alias expansions one document may perform before the rest are ignored. */
  maxAliasExpansions: number;
  /** How deep collections may nest before the rest is ignored. */
  maxDepth: number;
}

export const defaultViewLimits: ViewLimits = { maxAliasExpansions: 1000, maxDepth: 200 };

export interface ViewResult {
  root: YNode | null;
  /** Set when a limit cut the view short; the message says which. */
  truncated?: { span: Span; reason: 'aliases' | 'depth' };
}

/** Builds the view of one parsed document. */
export function buildView(doc: Document.Parsed, limits: ViewLimits = defaultViewLimits): ViewResult {
  const result: ViewResult = { root: null };
  let expansions = 0;

  const spanOf = (node: Node): Span => {
    const range = node.range;
    if (!range) return [0, 0];
    return [range[0], range[1]];
  };

  const visit = (node: unknown, depth: number, aliasStack: Node[]): YNode | null => {
    if (node === null || node === undefined) return null;
    if (depth > limits.maxDepth) {
      if (!result.truncated && isNodeLike(node)) result.truncated = { span: spanOf(node as Node), reason: 'depth' };
      return null;
    }
    if (isAlias(node)) {
      const alias = node as Alias;
      expansions++;
      if (expansions > limits.maxAliasExpansions) {
        if (!result.truncated) result.truncated = { span: spanOf(alias), reason: 'aliases' };
        return null;
      }
      let target: Node | undefined;
      try {
        target = alias.resolve(doc) as Node | undefined;
      } catch {
        target = undefined;
      }
      if (!target || aliasStack.includes(target)) return null;
      const resolved = visit(target, depth, [...aliasStack, target]);
      if (resolved) return { ...resolved, aliasSpan: spanOf(alias) } as YNode;
      return null;
    }
    if (isScalar(node)) {
      const scalar = node as Scalar;
      const source = typeof scalar.source === 'string' ? scalar.source : String(scalar.value);
      return scalarView(scalar.value, source, String(scalar.type ?? 'PLAIN'), spanOf(scalar));
    }
    if (isMap(node)) {
      const map = node as YAMLMap;
      const entries: YEntry[] = [];
      const mergedEntries: YEntry[] = [];
      let sawMerge = false;
      for (const pair of map.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as unknown;
        let key: string | null = null;
        let keySpan: Span = [0, 0];
        if (isScalar(keyNode)) {
          const scalar = keyNode as Scalar;
          keySpan = spanOf(scalar);
          key = scalarKey(scalarView(scalar.value, typeof scalar.source === 'string' ? scalar.source : String(scalar.value), String(scalar.type ?? 'PLAIN'), keySpan));
        } else if (isNodeLike(keyNode)) {
          keySpan = spanOf(keyNode as Node);
        } else if (keyNode === null || keyNode === undefined) {
          key = '';
        }
        // A `<<` merge key: its map (or list of maps) supplies entries that are not set here.
        // With `merge: true` the parser gives a plain `<<` key a symbol value, not the string.
        if (isScalar(keyNode) && isMergeKey(keyNode as Scalar)) {
          sawMerge = true;
          const merged = visit(pair.value, depth + 1, aliasStack);
          const sources = merged?.kind === 'map' ? [merged] : merged?.kind === 'seq' ? merged.items.filter((i): i is YMap => i?.kind === 'map') : [];
          for (const source of sources) {
            for (const entry of source.entries) mergedEntries.push({ ...entry, merged: true });
          }
          continue;
        }
        if (keySpan[0] === 0 && keySpan[1] === 0 && isNodeLike(pair.value)) {
          const start = spanOf(pair.value as Node)[0];
          keySpan = [start, start];
        }
        entries.push({ key, keySpan, value: visit(pair.value, depth + 1, aliasStack) });
      }
      const own = new Set(entries.map((e) => e.key));
      for (const entry of mergedEntries) {
        if (!own.has(entry.key)) {
          entries.push(entry);
          own.add(entry.key);
        }
      }
      const flow = Boolean(map.flow);
      return { kind: 'map', span: blockEnd(spanOf(map), flow, entries.length > 0 && mergedEntries.length === 0 && !sawMerge ? lastEnd(entries[entries.length - 1]) : undefined), flow, entries: fit(entries) };
    }
    if (isSeq(node)) {
      const seq = node as YAMLSeq;
      const flow = Boolean(seq.flow);
      const items = seq.items.map((item) => visit(item, depth + 1, aliasStack));
      const last = items.length > 0 ? items[items.length - 1] : undefined;
      return { kind: 'seq', span: blockEnd(spanOf(seq), flow, last ? last.span[1] : undefined), flow, items };
    }
    return null;
  };

  result.root = visit(doc.contents, 0, []);
  return result;
}

/**
 * The view of a scalar from what the parser resolved it to. Timestamps keep their text, and
 * YAML 1.1 base-60 numbers (`1:20` is 80) stay strings, since go-yaml, which kubectl uses,
 * does not read them as numbers.
 */
export function scalarView(resolved: unknown, source: string, style: string, span: Span): YScalar {
  return { kind: 'scalar', span, value: scalarValue(resolved, source, style), source, style };
}

/** What scalarView keeps as the value of a scalar the parser resolved to `resolved`. */
export function scalarValue(resolved: unknown, source: string, style: string): ScalarValue {
  let value = resolved;
  if (value instanceof Date) value = source;
  else if (typeof value === 'number' && style === 'PLAIN' && source.includes(':')) value = source;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean' && typeof value !== 'bigint' && value !== null) {
    value = String(value);
  }
  return value as ScalarValue;
}

/*
 * Compact nodes. A span is a two-element array, about 64 bytes; a 5,000-policy file has some
 * 600,000 of them, a third of its view. The fast reader (fastYaml.ts) makes these classes
 * instead: they keep the offsets as two numbers and build `span` when it is read, so a reader
 * cannot tell them from the literal nodes built in this file. Setting `span` (parseFile.ts
 * moves nodes) sets the numbers; `toJSON` gives the literal node's JSON.
 */

/** The offsets of a compact node, and its `span` built from them. */
abstract class CompactSpan {
  constructor(
    public start: number,
    public end: number,
  ) {}
  get span(): Span {
    return [this.start, this.end];
  }
  set span(span: Span) {
    this.start = span[0];
    this.end = span[1];
  }
}

export class CompactScalar extends CompactSpan implements YScalar {
  readonly kind = 'scalar';
  constructor(
    start: number,
    end: number,
    public value: ScalarValue,
    public source: string,
    public style: string,
  ) {
    super(start, end);
  }
  toJSON(): YScalar {
    return { kind: 'scalar', span: this.span, value: this.value, source: this.source, style: this.style };
  }
}

export class CompactMap extends CompactSpan implements YMap {
  readonly kind = 'map';
  constructor(
    start: number,
    end: number,
    public flow: boolean,
    public entries: YEntry[],
  ) {
    super(start, end);
  }
  toJSON(): YMap {
    return { kind: 'map', span: this.span, flow: this.flow, entries: this.entries };
  }
}

export class CompactSeq extends CompactSpan implements YSeq {
  readonly kind = 'seq';
  constructor(
    start: number,
    end: number,
    public flow: boolean,
    public items: (YNode | null)[],
  ) {
    super(start, end);
  }
  toJSON(): YSeq {
    return { kind: 'seq', span: this.span, flow: this.flow, items: this.items };
  }
}

export class CompactEntry implements YEntry {
  constructor(
    public key: string | null,
    public keyStart: number,
    public keyEnd: number,
    public value: YNode | null,
  ) {}
  get keySpan(): Span {
    return [this.keyStart, this.keyEnd];
  }
  set keySpan(span: Span) {
    this.keyStart = span[0];
    this.keyEnd = span[1];
  }
  toJSON(): YEntry {
    return { key: this.key, keySpan: this.keySpan, value: this.value };
  }
}

/** A mapping key as text: what the key's scalar holds, and '' for a null key. */
export function scalarKey(key: YScalar): string {
  return key.value === null ? '' : String(key.value);
}

/**
 * A block collection ends where its last item's content ends. (The `yaml` package lets it run
 * on over the comments and blank lines after it, differently at the end of a document than
 * elsewhere; ending at the content gives squiggles and edits the same place either way, and
 * gives the fast reader in fastYaml.ts a rule it can follow.)
 */
function blockEnd(span: Span, flow: boolean, lastItemEnd: number | undefined): Span {
  if (flow || lastItemEnd === undefined || lastItemEnd < span[0]) return span;
  return [span[0], lastItemEnd];
}

function lastEnd(entry: YEntry): number {
  return entry.value ? entry.value.span[1] : entry.keySpan[1];
}

function isMergeKey(key: Scalar): boolean {
  if (key.type !== 'PLAIN') return false;
  const value = key.value as unknown;
  return value === '<<' || (typeof value === 'symbol' && value.description === '<<');
}

function isNodeLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'range' in value;
}

/** Looks up an entry of a map view by key; the last one wins, as in kubectl without strict mode. */
export function entry(map: YMap | null | undefined, key: string): YEntry | undefined {
  if (!map || map.kind !== 'map') return undefined;
  for (let i = map.entries.length - 1; i >= 0; i--) {
    if (map.entries[i].key === key) return map.entries[i];
  }
  return undefined;
}

export function child(map: YNode | null | undefined, key: string): YNode | null | undefined {
  if (!map || map.kind !== 'map') return undefined;
  return entry(map, key)?.value;
}

/** The scalar's value when it is a string, else undefined. */
export function stringValue(node: YNode | null | undefined): string | undefined {
  return node && node.kind === 'scalar' && typeof node.value === 'string' ? node.value : undefined;
}

/** What the JSON produced from this YAML would hold here, in encoding/json's words. */
export function jsonKind(node: YNode | null): 'object' | 'array' | 'string' | 'number' | 'bool' | 'null' {
  if (node === null) return 'null';
  if (node.kind === 'map') return 'object';
  if (node.kind === 'seq') return 'array';
  const v = node.value;
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  return 'string';
}

/**
 * An array that holds only its items. One that grew by `push` keeps room for 17 or more, about
 * 120 bytes too many for the two or three entries of most mappings, and views are kept for
 * every document of every open file.
 */
export function fit<T>(items: T[]): T[] {
  return items.slice();
}

/**
 * A copy of `s` that does not keep a larger string alive. V8 represents a slice of 13 or
 * more characters as a view into the string it was cut from, so a label value kept from one
 * version of a 5 MB file keeps that whole version in memory. Concatenating forces a fresh
 * flat string, of which the result is a view one character shorter.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}
