import type { TextEdit } from 'vscode-languageserver-types';
import type { LineIndex } from '../text/lineIndex';
import type { YMap, YNode, YSeq } from '../parse/yamlView';

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

export function detectStyle(text: string): IndentStyle {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r\n|\r|\n/);
  const deltas = new Map<number, number>();
  let indented = 0;
  let flush = 0;
  for (let i = 0; i + 1 < lines.length; i++) {
    const line = lines[i];
    // A key that opens a block, or an empty flow collection about to be filled (`key: []`).
    const key = /^(\s*)(?:- )?[^\s#][^:#]*:\s*(?:\[\]|\{\})?\s*(?:#.*)?$/.exec(line);
    if (!key) continue;
    const lead = line.length - line.trimStart().length;
    const keyIndent = line.trimStart().startsWith('- ') ? lead + 2 : lead;
    let j = i + 1;
    while (j < lines.length && /^\s*(#.*)?$/.test(lines[j])) j++;
    if (j >= lines.length) continue;
    const next = lines[j];
    const nextIndent = next.length - next.trimStart().length;
    if (next.trimStart().startsWith('- ') || next.trim() === '-') {
      if (nextIndent > keyIndent) indented++;
      else if (nextIndent === keyIndent) flush++;
    }
    const delta = nextIndent - keyIndent;
    if (delta > 0 && delta <= 8) deltas.set(delta, (deltas.get(delta) ?? 0) + 1);
  }
  let unit = 2;
  let best = 0;
  for (const [delta, count] of deltas) {
    if (count > best || (count === best && delta < unit)) {
      unit = delta;
      best = count;
    }
  }
  return { unit, indentSequences: indented >= flush, eol };
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
