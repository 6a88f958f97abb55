import { LineIndex } from '../text/lineIndex';
import type { Manifest, ParsedDocument, ParsedFile } from './parseFile';
import type { ScalarValue, Span, YMap, YNode, YSeq } from './yamlView';

/**
 * A file of objects that come as data rather than text (a live cluster's trimmed objects):
 * rendered as YAML, one document per object, and given the same view the parser would build
 * from that text, spans included, without parsing it. Parsing thousands of generated
 * documents costs about a millisecond each; building the view while writing the text costs
 * microseconds.
 *
 * Strings are always written double-quoted (JSON escapes are valid YAML), so that nothing
 * changes type under YAML 1.1 (a label value "yes" stays a string), and the same object
 * always gives the same text.
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

const plainKey = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
const yaml11Words = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;

function isObject(value: JsonValue): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Writes text in parts (joined once at the end) and keeps the offset of the next character. */
class Writer {
  private readonly parts: string[] = [];
  /** The absolute offset of the next character. */
  at: number;

  constructor(base: number) {
    this.at = base;
  }

  write(s: string): void {
    this.parts.push(s);
    this.at += s.length;
  }

  get text(): string {
    return this.parts.join('');
  }

  span(start: number): Span {
    return [start, this.at];
  }

  scalar(value: JsonValue): YNode {
    const start = this.at;
    let source: string;
    let style = 'PLAIN';
    let v: ScalarValue;
    if (typeof value === 'string') {
      this.write(JSON.stringify(value));
      source = value;
      style = 'QUOTE_DOUBLE';
      v = value;
    } else if (typeof value === 'number') {
      source = Number.isFinite(value) ? String(value) : '0';
      this.write(source);
      v = Number(source);
    } else if (typeof value === 'boolean') {
      source = value ? 'true' : 'false';
      this.write(source);
      v = value;
    } else {
      source = 'null';
      this.write(source);
      v = null;
    }
    return { kind: 'scalar', span: this.span(start), value: v, source, style };
  }

  key(k: string): Span {
    const start = this.at;
    this.write(plainKey.test(k) && !yaml11Words.test(k) ? k : JSON.stringify(k));
    return this.span(start);
  }

  /** A block map at `indent`; the first line's indentation is already written when `inline`. */
  map(map: JsonObject, indent: number, inline: boolean): YMap {
    // A block map starts at its first key, after the indentation.
    let start = this.at;
    const entries: YMap['entries'] = [];
    let first = true;
    for (const [k, v] of Object.entries(map)) {
      if (!(first && inline)) this.write(' '.repeat(indent));
      if (first) start = this.at;
      first = false;
      const keySpan = this.key(k);
      this.write(':');
      let value: YNode;
      if (isObject(v) && Object.keys(v).length > 0) {
        this.write('\n');
        value = this.map(v, indent + 2, false);
      } else if (Array.isArray(v) && v.length > 0) {
        this.write('\n');
        value = this.seq(v, indent);
      } else {
        this.write(' ');
        value = this.flowOrScalar(v);
        this.write('\n');
      }
      entries.push({ key: k, keySpan, value });
    }
    // A block collection ends where its last item's content ends (see yamlView.ts).
    const last = entries[entries.length - 1]?.value;
    return { kind: 'map', span: [start, last ? last.span[1] : this.at], flow: false, entries };
  }

  seq(items: JsonValue[], indent: number): YSeq {
    // A block sequence starts at its first dash, after the indentation.
    let start = this.at;
    const nodes: (YNode | null)[] = [];
    for (const item of items) {
      this.write(' '.repeat(indent));
      if (nodes.length === 0) start = this.at;
      this.write('- ');
      if (isObject(item) && Object.keys(item).length > 0) {
        nodes.push(this.map(item, indent + 2, true));
      } else {
        nodes.push(this.flowOrScalar(item));
        this.write('\n');
      }
    }
    const last = nodes[nodes.length - 1];
    return { kind: 'seq', span: [start, last ? last.span[1] : this.at], flow: false, items: nodes };
  }

  /** Empty collections as `{}` and `[]`, nested lists in flow style, the rest as scalars. */
  flowOrScalar(value: JsonValue): YNode {
    const start = this.at;
    if (isObject(value)) {
      this.write('{}');
      return { kind: 'map', span: this.span(start), flow: true, entries: [] };
    }
    if (Array.isArray(value)) {
      this.write('[');
      const items: (YNode | null)[] = [];
      value.forEach((item, i) => {
        if (i > 0) this.write(', ');
        items.push(this.flowOrScalar(item));
      });
      this.write(']');
      return { kind: 'seq', span: this.span(start), flow: true, items };
    }
    return this.scalar(value);
  }
}

/** One object as a YAML document: its text, and its view with spans counted from `base`. */
export function renderObject(object: JsonObject, base = 0): { text: string; root: YMap } {
  const writer = new Writer(base);
  const root = writer.map(object, 0, false);
  return { text: writer.text, root };
}

/** The objects as one file of YAML documents separated by `---`, parsed as the parser would. */
export function objectFile(objects: readonly JsonObject[]): ParsedFile {
  const writer = new Writer(0);
  const documents: ParsedDocument[] = [];
  objects.forEach((object, index) => {
    if (index > 0) writer.write('---\n');
    const start = writer.at;
    const root = writer.map(object, 0, false);
    const meta = isObject(object.metadata ?? null) ? (object.metadata as JsonObject) : {};
    const str = (v: JsonValue | undefined) => (typeof v === 'string' ? v : undefined);
    const manifest: Manifest = { node: root, apiVersion: str(object.apiVersion), kind: str(object.kind), name: str(meta.name), namespace: str(meta.namespace), documentIndex: index };
    documents.push({ index, span: [index > 0 ? start - 4 : start, writer.at], errors: [], view: { root }, manifests: [manifest], kinds: [manifest.kind], memo: new Map() });
  });
  const text = writer.text;
  return { text, lines: new LineIndex(text), documents };
}
