import type { LineIndex } from '../text/lineIndex';

/**
 * Where the cursor is in a YAML document, read from the text around it.
 *
 * Completion runs on text that is being typed: a key without its colon, an empty `- ` item,
 * a line of indentation only. The parser's recovery for such text does not say where the
 * cursor belongs, so the path is read from the indentation instead: block structure from
 * the columns of keys and `- ` indicators on the lines above, and flow collections
 * (`{...}`, `[...]`) from the cursor's own line. The same reading is used for finished text,
 * so there is one code path to trust.
 */

export type Step = { kind: 'key'; key: string } | { kind: 'item' };

export type CursorTarget =
  /** A key of the map at `path`. */
  | { kind: 'key' }
  /** The value of `key` in the map at `path`. */
  | { kind: 'value'; key: string }
  /** An item of the sequence at `path`, after its `- ` (or inside `[...]`). */
  | { kind: 'item' };

export interface CursorContext {
  path: Step[];
  target: CursorTarget;
  /** Offsets of the text a completion replaces: the word around the cursor. */
  replace: [number, number];
  /** The text typed so far, from `replace[0]` to the cursor. */
  partial: string;
  /** True inside a flow collection, where inserted text stays on one line. */
  flow: boolean;
  /** Column of the key or item being typed; lines of inserted text indent from it. */
  column: number;
  /** Keys already written in the maps along the path, with their inline values, by path length. */
  mapKeys: Map<number, Map<string, string | undefined>>;
  /** Scalar items already written in the sequences along the path, by path length. */
  seqItems: Map<number, string[]>;
  /** The key being completed is already followed by its colon: only the name is replaced. */
  keyHasColon: boolean;
  /** The cursor is right after `key:` with no space: inserted values need one. */
  needsSpace: boolean;
  /** An empty flow value of the parent key (` {}` in `podSelector: {}`), which a child key replaces. */
  emptyParentValue?: [number, number];
  /** True when the character before the cursor is a space or a flow indicator and nothing has been typed. */
  afterSeparator: boolean;
}

/** The parts of one line of block YAML that give it structure. */
export interface LineShape {
  /** Columns of `- ` indicators. */
  dashes: number[];
  /** Column where the content after the indicators starts. */
  content: number;
  key?: KeyShape;
  /** The inline value after the key (or the whole content when there is no key), comment removed. */
  value?: { text: string; start: number; end: number };
}

export interface KeyShape {
  name: string;
  start: number;
  colon: number;
}

interface Level {
  kind: 'map' | 'seq';
  column: number;
  keys: Map<string, string | undefined>;
  items: string[];
}

type ChainElement = { step: Step; column: number; level: Level };

const isBlank = (ch: string | undefined) => ch === ' ' || ch === '\t';

/**
 * Reads the cursor's context. `acceptDocument` sees the document's top-level keys first, so
 * that a document of another kind costs one pass over its column-0 lines and nothing more.
 */
export function findCursor(lines: LineIndex, offset: number, acceptDocument: (topLevel: ReadonlyMap<string, string | undefined>) => boolean = () => true): CursorContext | undefined {
  const text = lines.text;
  const clamped = Math.max(0, Math.min(offset, text.length));
  const position = lines.positionAt(clamped);
  const cursorLine = position.line;
  const lineStart = lines.lineStart(cursorLine);
  const lineText = lines.lineText(cursorLine);
  const col = clamped - lineStart;
  if (col < 0 || col > lineText.length) return undefined;
  if (isDocumentMarker(lineText)) return undefined;
  const before = lineText.slice(0, col);
  const after = lineText.slice(col);
  if (commentStart(before) !== undefined) return undefined;
  // Inside the indentation of a line that has content: no column to complete at.
  if (/^\s*$/.test(before) && /^\s+\S/.test(after)) return undefined;

  const { first, last } = documentLines(lines, cursorLine);
  const topLevel = readTopLevel(lines, first, last, cursorLine);
  if (!acceptDocument(topLevel)) return undefined;

  // The cursor's line: indicators, then a key with a value being typed, or a word.
  let i = 0;
  while (i < before.length && isBlank(before[i])) i++;
  const dashes: number[] = [];
  while (before[i] === '-' && (i + 1 < before.length ? isBlank(before[i + 1]) : false)) {
    dashes.push(i);
    i++;
    while (i < before.length && isBlank(before[i])) i++;
  }
  // A `-` right before the cursor is an indicator still missing its space, or a word's start.
  if (before[i] === '-' && i === before.length - 1 && /^\s*$/.test(before.slice(0, i))) return undefined;
  const content = i;
  const key = readKey(before, content);

  let mode: 'key' | 'value' | 'item';
  let levelColumn: number;
  let flowStart: number | undefined;
  let valueStart = col;
  if (key) {
    mode = 'value';
    levelColumn = key.start;
    valueStart = key.colon + 1;
    while (valueStart < before.length && isBlank(before[valueStart])) valueStart++;
    const typed = before.slice(valueStart);
    if (typed.startsWith('{') || typed.startsWith('[')) flowStart = valueStart;
    else if (/^[|>&*!%@`]/.test(typed) || /:\s|\s#/.test(typed) || (typed.length > 0 && /\s/.test(typed) && !/^["']/.test(typed))) return undefined;
  } else {
    const typed = before.slice(content);
    if (typed.startsWith('{') || typed.startsWith('[')) {
      if (dashes.length === 0) return undefined;
      flowStart = content;
      mode = 'item';
      levelColumn = dashes[dashes.length - 1];
    } else {
      if (/\s/.test(typed) && !/^["']/.test(typed)) return undefined;
      if (/^[|>&*!%@`?]/.test(typed)) return undefined;
      mode = dashes.length > 0 ? 'item' : 'key';
      levelColumn = mode === 'item' ? dashes[dashes.length - 1] : content;
    }
  }

  // The chain of ancestors, innermost first, and the levels (collections) along it.
  const chain: ChainElement[] = [];
  const cursorLevel: Level = { kind: mode === 'item' ? 'seq' : 'map', column: levelColumn, keys: new Map(), items: [] };
  let current = cursorLevel;
  const lineDashes = mode === 'item' ? dashes.slice(0, -1) : dashes;
  // In item mode with a flow collection, the item itself is the flow node: it is a step.
  const flowItem = mode === 'item' && flowStart !== undefined;
  if (flowItem) {
    const d = dashes[dashes.length - 1];
    const seqLevel: Level = { kind: 'seq', column: d, keys: new Map(), items: [] };
    chain.push({ step: { kind: 'item' }, column: d, level: seqLevel });
    current = seqLevel;
  }
  for (let k = lineDashes.length - 1; k >= 0; k--) {
    const level: Level = { kind: 'seq', column: lineDashes[k], keys: new Map(), items: [] };
    chain.push({ step: { kind: 'item' }, column: lineDashes[k], level });
    current = level;
  }

  let emptyParentValue: [number, number] | undefined;
  let firstAncestorKey = true;
  for (let n = cursorLine - 1; n >= first; n--) {
    const shape = readLineShape(lines.lineText(n));
    if (!shape) continue;
    const elements = elementsOf(shape);
    if (elements.length === 0 || elements[0].column > current.column) continue;
    for (let e = elements.length - 1; e >= 0; e--) {
      const element = elements[e];
      if (element.column > current.column) continue;
      if (element.kind === 'key') {
        const inline = shape.value?.text;
        if (element.column === current.column) {
          if (current.kind === 'map') {
            current.keys.set(element.name, inline);
            continue;
          }
          // A key in the column of a sequence's indicators owns that sequence (`key:` then `- a`).
          if (inline !== undefined && inline !== '[]') break;
        }
        if (inline !== undefined && /^[|>]/.test(inline)) return undefined;
        const level: Level = { kind: 'map', column: element.column, keys: new Map([[element.name, inline]]), items: [] };
        chain.push({ step: { kind: 'key', key: element.name }, column: element.column, level });
        if (firstAncestorKey && chain.length === lineDashes.length + (flowItem ? 1 : 0) + 1 && (inline === '{}' || inline === '[]') && shape.value) {
          emptyParentValue = [lines.lineStart(n) + shape.value.start, lines.lineStart(n) + shape.value.end];
        }
        firstAncestorKey = false;
        current = level;
      } else {
        if (element.column === current.column) {
          // Another item of the same sequence, or an item of a sibling key's compact sequence.
          if (current.kind === 'seq' && e === elements.length - 1 && shape.value) current.items.push(unquote(shape.value.text));
          if (current.kind === 'map') break;
          continue;
        }
        const level: Level = { kind: 'seq', column: element.column, keys: new Map(), items: [] };
        chain.push({ step: { kind: 'item' }, column: element.column, level });
        firstAncestorKey = false;
        current = level;
      }
    }
  }

  chain.reverse();
  const path: Step[] = chain.map((c) => c.step);
  const levelsByDepth: { level: Level; depth: number }[] = chain.map((c, depth) => ({ level: c.level, depth }));
  if (!flowItem) levelsByDepth.push({ level: cursorLevel, depth: path.length });
  // In item mode the item may be a map whose other keys are on the lines below.
  const itemMap: Level | undefined = mode === 'item' && !flowItem ? { kind: 'map', column: content, keys: new Map(), items: [] } : undefined;
  if (itemMap) levelsByDepth.push({ level: itemMap, depth: path.length + 1 });
  scanBelow(lines, cursorLine, last, levelsByDepth.map((l) => l.level));

  const mapKeys = new Map<number, Map<string, string | undefined>>();
  const seqItems = new Map<number, string[]>();
  for (const { level, depth } of levelsByDepth) {
    if (level.kind === 'map') mapKeys.set(depth, level.keys);
    else seqItems.set(depth, level.items);
  }

  const context: CursorContext = {
    path,
    target: mode === 'value' ? { kind: 'value', key: key!.name } : mode === 'item' ? { kind: 'item' } : { kind: 'key' },
    replace: [clamped, clamped],
    partial: '',
    flow: false,
    column: mode === 'item' ? content : levelColumn,
    mapKeys,
    seqItems,
    keyHasColon: false,
    needsSpace: false,
    emptyParentValue,
    afterSeparator: false,
  };

  if (flowStart !== undefined) {
    if (mode === 'value') context.path.push({ kind: 'key', key: key!.name });
    const flow = readFlow(before.slice(flowStart), flowStart);
    if (!flow) return undefined;
    for (const frame of flow.frames) {
      const depth = context.path.length + frame.depth;
      if (frame.kind === 'map') mapKeys.set(depth, new Map([...(mapKeys.get(depth) ?? []), ...frame.keys]));
      else seqItems.set(depth, [...(seqItems.get(depth) ?? []), ...frame.items]);
    }
    context.path.push(...flow.steps);
    context.target = flow.target;
    context.flow = true;
    context.column = flowStart;
    const start = flow.partialStart;
    context.partial = before.slice(start);
    context.replace = [lineStart + start, lineStart + col + tokenRest(after, context.partial, true)];
    context.afterSeparator = context.partial === '' && (start === 0 || /[\s,{\[]/.test(before[start - 1]));
    if (context.target.kind === 'key') context.keyHasColon = /^\s*:/.test(after.slice(tokenRest(after, context.partial, true)));
    context.needsSpace = context.target.kind === 'value' && context.partial === '' && before.endsWith(':');
    return context;
  }

  const start = mode === 'value' ? valueStart : content;
  context.partial = before.slice(start);
  context.replace = [lineStart + start, lineStart + col + tokenRest(after, context.partial, false)];
  context.needsSpace = mode === 'value' && start === col && before.endsWith(':');
  context.afterSeparator = context.partial === '' && col > 0 && (isBlank(before[col - 1]) || context.needsSpace);
  if (mode !== 'value') context.keyHasColon = /^\s*:(\s|$)/.test(after.slice(tokenRest(after, context.partial, false)));
  return context;
}

/** How many characters after the cursor still belong to the word being typed. */
function tokenRest(after: string, partial: string, flow: boolean): number {
  const quote = partial[0] === '"' || partial[0] === "'" ? partial[0] : undefined;
  if (quote) {
    const close = after.indexOf(quote);
    return close < 0 ? 0 : close + 1;
  }
  const stop = flow ? /[\s:,\[\]{}#]/ : /[\s:#]/;
  let n = 0;
  while (n < after.length && !stop.test(after[n])) n++;
  return n;
}

function isDocumentMarker(line: string): boolean {
  return /^(?:---|\.\.\.)(?:\s|$)/.test(line);
}

/** The lines of the document around `line`, between document markers. */
function documentLines(lines: LineIndex, line: number): { first: number; last: number } {
  const isMarker = (n: number) => {
    const ch = lines.text.charCodeAt(lines.lineStart(n));
    return (ch === 45 /* - */ || ch === 46) /* . */ && isDocumentMarker(lines.lineText(n));
  };
  let first = line;
  while (first > 0 && !isMarker(first - 1)) first--;
  let last = line;
  while (last + 1 < lines.lineCount && !isMarker(last + 1)) last++;
  return { first, last };
}

function readTopLevel(lines: LineIndex, first: number, last: number, skip: number): Map<string, string | undefined> {
  const result = new Map<string, string | undefined>();
  for (let n = first; n <= last; n++) {
    if (n === skip) continue;
    // Most lines are indented: look at the first character before reading the line.
    const firstChar = lines.text.charCodeAt(lines.lineStart(n));
    if (firstChar === 32 || firstChar === 9 || firstChar === 35 || firstChar === 10 || firstChar === 13 || Number.isNaN(firstChar)) continue;
    const text = lines.lineText(n);
    if (text.length === 0) continue;
    const shape = readLineShape(text);
    if (shape?.key && shape.key.start === 0 && shape.dashes.length === 0) result.set(shape.key.name, shape.value ? unquote(shape.value.text) : undefined);
    // A document whose root is a sequence or a scalar has no top-level keys.
    else if (shape && (shape.dashes.length > 0 || !shape.key)) result.set('', undefined);
  }
  return result;
}

/** Collects the keys and items on the lines below the cursor that belong to the open levels. */
function scanBelow(lines: LineIndex, cursorLine: number, last: number, levels: Level[]): void {
  const open = new Set(levels);
  for (let n = cursorLine + 1; n <= last && open.size > 0; n++) {
    const shape = readLineShape(lines.lineText(n));
    if (!shape) continue;
    const elements = elementsOf(shape);
    if (elements.length === 0) continue;
    const firstElement = elements[0];
    for (const level of [...open]) {
      if (firstElement.column < level.column) {
        open.delete(level);
        continue;
      }
      if (firstElement.column > level.column) continue;
      if (level.kind === 'map') {
        if (firstElement.kind === 'key') level.keys.set(firstElement.name, shape.value?.text);
      } else if (firstElement.kind === 'dash') {
        if (elements.length === 1 && shape.value) level.items.push(unquote(shape.value.text));
      } else {
        open.delete(level);
      }
    }
  }
}

type Element = { kind: 'dash'; column: number } | { kind: 'key'; column: number; name: string };

function elementsOf(shape: LineShape): Element[] {
  const elements: Element[] = shape.dashes.map((column) => ({ kind: 'dash' as const, column }));
  if (shape.key) elements.push({ kind: 'key', column: shape.key.start, name: shape.key.name });
  return elements;
}

/** Reads one line of block YAML; undefined for blank and comment lines. */
export function readLineShape(text: string): LineShape | undefined {
  let i = 0;
  while (i < text.length && isBlank(text[i])) i++;
  if (i >= text.length || text[i] === '#') return undefined;
  const dashes: number[] = [];
  while (text[i] === '-' && (i + 1 >= text.length || isBlank(text[i + 1]))) {
    dashes.push(i);
    i++;
    while (i < text.length && isBlank(text[i])) i++;
  }
  const content = i;
  if (i >= text.length || text[i] === '#') return { dashes, content };
  const key = readKey(text, i);
  if (key) {
    let v = key.colon + 1;
    while (v < text.length && isBlank(text[v])) v++;
    return { dashes, content, key, value: inlineValue(text, v) };
  }
  return { dashes, content, value: inlineValue(text, i) };
}

function inlineValue(text: string, start: number): LineShape['value'] {
  if (start >= text.length || text[start] === '#') return undefined;
  let end = text.length;
  const quote = text[start] === '"' || text[start] === "'" ? text[start] : undefined;
  const from = quote ? quotedEnd(text, start) : start;
  const comment = commentStart(text.slice(from));
  if (comment !== undefined) end = from + comment;
  while (end > start && isBlank(text[end - 1])) end--;
  if (end <= start) return undefined;
  return { text: text.slice(start, end), start, end };
}

/** Offset just past a quoted scalar starting at `start`, or the text's end when it is not closed. */
function quotedEnd(text: string, start: number): number {
  const quote = text[start];
  let i = start + 1;
  while (i < text.length) {
    if (quote === '"' && text[i] === '\\') {
      i += 2;
      continue;
    }
    if (text[i] === quote) {
      if (quote === "'" && text[i + 1] === "'") {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return text.length;
}

/** Where a comment starts in a line fragment (a `#` at its start or after a blank, outside quotes). */
function commentStart(text: string): number | undefined {
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if ((ch === '"' || ch === "'") && (i === 0 || /[\s\[{,:]/.test(text[i - 1]))) {
      i = quotedEnd(text, i);
      continue;
    }
    if (ch === '#' && (i === 0 || isBlank(text[i - 1]))) return i;
    i++;
  }
  return undefined;
}

/** A block mapping key at `start`: a quoted or plain scalar followed by `:` and a blank or the end. */
function readKey(text: string, start: number): KeyShape | undefined {
  const ch = text[start];
  if (ch === undefined || '{[]},&*!|>%@`?#'.includes(ch)) return undefined;
  if (ch === '"' || ch === "'") {
    const end = quotedEnd(text, start);
    if (end > text.length || text[end - 1] !== ch || end === start + 1) return undefined;
    let j = end;
    while (j < text.length && isBlank(text[j])) j++;
    if (text[j] !== ':' || (j + 1 < text.length && !isBlank(text[j + 1]))) return undefined;
    return { name: unquote(text.slice(start, end)), start, colon: j };
  }
  for (let j = start; j < text.length; j++) {
    if (text[j] === '#' && j > start && isBlank(text[j - 1])) return undefined;
    if (text[j] === ':' && (j + 1 === text.length || isBlank(text[j + 1]))) {
      const name = text.slice(start, j).trimEnd();
      return name.length > 0 ? { name, start, colon: j } : undefined;
    }
  }
  return undefined;
}

export function unquote(text: string): string {
  if (text.length >= 2 && text[0] === "'" && text[text.length - 1] === "'") return text.slice(1, -1).replace(/''/g, "'");
  if (text.length >= 2 && text[0] === '"' && text[text.length - 1] === '"') {
    try {
      return JSON.parse(text) as string;
    } catch {
      return text.slice(1, -1);
    }
  }
  return text;
}

interface FlowFrame {
  kind: 'map' | 'seq';
  /** Steps from the first flow collection's parent to this frame. */
  depth: number;
  keys: Map<string, string | undefined>;
  items: string[];
  pendingKey?: string;
}

interface FlowReading {
  steps: Step[];
  target: CursorTarget;
  /** Column where the word being typed starts. */
  partialStart: number;
  frames: FlowFrame[];
}

/**
 * Reads flow collections from their opening bracket up to the cursor: which collection the
 * cursor is in, the steps into it, and what it already holds.
 */
function readFlow(text: string, base: number): FlowReading | undefined {
  const stack: FlowFrame[] = [];
  const steps: Step[] = [];
  let i = 0;
  let token: { text: string; start: number } | undefined;
  const finishToken = () => {
    const top = stack[stack.length - 1];
    if (!token || !top) return;
    const value = unquote(token.text);
    if (top.kind === 'map') {
      if (top.pendingKey !== undefined) top.keys.set(top.pendingKey, value);
      else top.keys.set(value, undefined);
      top.pendingKey = undefined;
    } else {
      top.items.push(value);
    }
    token = undefined;
  };
  while (i < text.length) {
    const ch = text[i];
    if (isBlank(ch)) {
      i++;
      continue;
    }
    if (ch === '{' || ch === '[') {
      const parent = stack[stack.length - 1];
      if (parent) {
        if (parent.kind === 'map') {
          if (parent.pendingKey === undefined) return undefined;
          steps.push({ kind: 'key', key: parent.pendingKey });
          parent.keys.set(parent.pendingKey, ch === '{' ? '{' : '[');
          parent.pendingKey = undefined;
        } else {
          steps.push({ kind: 'item' });
        }
      }
      const frame: FlowFrame = { kind: ch === '{' ? 'map' : 'seq', depth: steps.length, keys: new Map(), items: [] };
      stack.push(frame);
      token = undefined;
      i++;
      continue;
    }
    if (ch === '}' || ch === ']') {
      finishToken();
      stack.pop();
      if (stack.length === 0) return undefined;
      steps.pop();
      i++;
      continue;
    }
    if (ch === ',') {
      finishToken();
      const top = stack[stack.length - 1];
      if (top) top.pendingKey = undefined;
      i++;
      continue;
    }
    if (ch === ':' && (i + 1 === text.length || /[\s,\[\]{}]/.test(text[i + 1]) || token?.text.match(/^["']/))) {
      const top = stack[stack.length - 1];
      if (!token || !top || top.kind !== 'map') return undefined;
      top.pendingKey = unquote(token.text);
      top.keys.set(top.pendingKey, undefined);
      token = undefined;
      i++;
      continue;
    }
    if (ch === '#' && i > 0 && isBlank(text[i - 1])) return undefined;
    if (token) return undefined;
    const start = i;
    if (ch === '"' || ch === "'") {
      i = quotedEnd(text, i);
    } else {
      while (i < text.length && !/[,\[\]{}]/.test(text[i]) && !(text[i] === ':' && (i + 1 === text.length || /[\s,\[\]{}]/.test(text[i + 1])))) i++;
    }
    const raw = text.slice(start, i);
    token = { text: raw.trimEnd(), start };
    if (i === text.length && raw.trimEnd() !== raw) {
      // Blanks after a finished word: the cursor is past it, which a flow map reads as a key without value.
      return undefined;
    }
  }
  const top = stack[stack.length - 1];
  if (!top) return undefined;
  const partialStart = base + (token ? token.start : text.length);
  // Only the collections still open hold the cursor; closed ones were siblings.
  if (top.kind === 'map') {
    const target: CursorTarget = top.pendingKey !== undefined ? { kind: 'value', key: top.pendingKey } : { kind: 'key' };
    if (target.kind === 'value') top.keys.delete(top.pendingKey!);
    return { steps, target, partialStart, frames: stack };
  }
  return { steps, target: { kind: 'item' }, partialStart, frames: stack };
}
