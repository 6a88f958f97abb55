import type { Position, Range } from 'vscode-languageserver-types';

/** An edit's breakpoints beyond this many are folded into a fresh array of line starts. */
const MAX_SHIFTS = 32;

/**
 * The one place that converts between string offsets and LSP positions.
 *
 * JavaScript strings are UTF-16, and so are LSP's default position encoding and the offsets
 * the `yaml` package reports, so a character offset within a line is simply the number of code
 * units since the line start. Line breaks are \n, \r\n and a lone \r, as in LSP.
 *
 * Line starts are kept in a typed array that an edit shares rather than copies: an edit that
 * keeps the number of lines (a keystroke within a line) only records that the lines after it
 * moved, so typing in a file of 200,000 lines does not rewrite 200,000 numbers; an edit that
 * adds or removes lines copies the array with memcpy. The start of line k is `base[k]` plus the
 * shift of the last breakpoint at or before k.
 */
export class LineIndex {
  private readonly base: Int32Array;
  private readonly count: number;
  /** Breakpoints, ascending: from line `shiftAt[b]` on, `shiftBy[b]` is added to `base`. */
  private readonly shiftAt: readonly number[];
  private readonly shiftBy: readonly number[];

  /**
   * `lineStarts`, when given, are the offsets of the line starts (0 first); a typed array is
   * taken as it is. The breakpoints are for `edited`.
   */
  constructor(
    readonly text: string,
    lineStarts?: readonly number[] | Int32Array,
    shiftAt: readonly number[] = [],
    shiftBy: readonly number[] = [],
  ) {
    if (lineStarts instanceof Int32Array) {
      this.base = lineStarts;
    } else if (lineStarts) {
      this.base = Int32Array.from(lineStarts);
    } else {
      const starts = lineStartsIn(text, 0, text.length);
      this.base = new Int32Array(starts.length + 1);
      this.base.set(starts, 1);
    }
    this.count = this.base.length;
    this.shiftAt = shiftAt;
    this.shiftBy = shiftBy;
  }

  /**
   * The index of a text that starts with `prefix` and ends with `suffix` characters of the
   * previous text: line starts in those parts are kept (moved, for the suffix) and only the
   * text between them is scanned.
   */
  static edited(previous: LineIndex, text: string, prefix: number, suffix: number): LineIndex {
    const oldLength = previous.text.length;
    const n = previous.count;
    const delta = text.length - oldLength;
    // Keep one character of margin on each side, so that a \r\n pair cut by the edit is rescanned.
    const keepBefore = Math.max(0, prefix - 1);
    const keepAfter = oldLength - Math.max(0, suffix - 1);
    // Line starts at or before keepBefore: the line break before them is unchanged.
    const i = Math.max(1, previous.upperBound(keepBefore));
    const scanFrom = previous.start(i - 1);
    // Line starts whose preceding line break lies in the kept suffix.
    let j = Math.max(i, previous.upperBound(keepAfter));
    let scanTo = text.length;
    if (j < n) {
      // Stop before the line break of the first kept line, both halves of a \r\n included.
      scanTo = previous.start(j) + delta - 1;
      if (scanTo > 0 && text.charCodeAt(scanTo) === 10 && text.charCodeAt(scanTo - 1) === 13) scanTo--;
    }
    const middle = lineStartsIn(text, scanFrom, Math.max(scanFrom, scanTo));
    let m = middle.length;
    // Typing at the end of a line rescans the next line break, which has only moved: then it is
    // one of the moved lines, and the array can be shared.
    if (m > 0 && m === j - i && middle.every((start, k) => start === previous.start(i + k) + delta)) {
      j = i;
      m = 0;
    }
    // Lines [0, i) stay; the middle lines are new; old lines [j, n) follow, moved by delta.
    const before = previous.shiftBefore(i);
    const after = j < n ? previous.shiftOf(j) + delta : 0;
    const shiftAt: number[] = [];
    const shiftBy: number[] = [];
    for (let b = 0; b < previous.shiftAt.length && previous.shiftAt[b] < i; b++) {
      shiftAt.push(previous.shiftAt[b]);
      shiftBy.push(previous.shiftBy[b]);
    }
    // A keystroke within a line shares the array; the previous index never changes.
    let base = previous.base;
    if (m > 0 || j !== i) {
      base = new Int32Array(n - (j - i) + m);
      base.set(previous.base.subarray(0, i), 0);
      base.set(previous.base.subarray(j, n), i + m);
    }
    for (let k = 0; k < m; k++) base[i + k] = middle[k] - before;
    if (j < n) {
      const moved = i + m - j;
      if (after !== before) {
        shiftAt.push(i + m);
        shiftBy.push(after);
      }
      for (let b = 0; b < previous.shiftAt.length; b++) {
        if (previous.shiftAt[b] <= j) continue;
        shiftAt.push(previous.shiftAt[b] + moved);
        shiftBy.push(previous.shiftBy[b] + delta);
      }
    }
    if (shiftAt.length > MAX_SHIFTS) return new LineIndex(text, flatten(base, shiftAt, shiftBy));
    return new LineIndex(text, base, shiftAt, shiftBy);
  }

  get lineCount(): number {
    return this.count;
  }

  /** The offset at which line k starts (0 <= k < count). */
  private start(k: number): number {
    return this.base[k] + this.shiftOf(k);
  }

  /** The shift that applies to line k. */
  private shiftOf(k: number): number {
    const at = this.shiftAt;
    if (at.length === 0 || at[0] > k) return 0;
    let low = 0;
    let high = at.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (at[mid] <= k) low = mid;
      else high = mid - 1;
    }
    return this.shiftBy[low];
  }

  /** The shift that applies to the last line before line k. */
  private shiftBefore(k: number): number {
    return k > 0 ? this.shiftOf(k - 1) : 0;
  }

  /** The index of the first line start greater than `value`. */
  private upperBound(value: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.start(mid) <= value) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    const line = Math.max(0, this.upperBound(clamped) - 1);
    const start = this.start(line);
    // An offset inside a line break (between \r and \n) belongs to the end of the line.
    let character = Math.min(clamped, this.lineEnd(line)) - start;
    // Never point between the two halves of a surrogate pair.
    const at = start + character;
    if (character > 0 && isLowSurrogate(this.text.charCodeAt(at)) && isHighSurrogate(this.text.charCodeAt(at - 1))) {
      character--;
    }
    return { line, character };
  }

  offsetAt(position: Position): number {
    if (position.line < 0) return 0;
    if (position.line >= this.count) return this.text.length;
    const start = this.start(position.line);
    const end = this.lineEnd(position.line);
    return Math.max(start, Math.min(start + Math.max(0, position.character), end));
  }

  range(start: number, end: number): Range {
    return { start: this.positionAt(start), end: this.positionAt(Math.max(start, end)) };
  }

  /** Offset just past the last character of a line, before its line break. */
  lineEnd(line: number): number {
    const start = this.start(line);
    const next = line + 1 < this.count ? this.start(line + 1) : this.text.length;
    let end = next;
    if (end > start && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  lineStart(line: number): number {
    return this.start(Math.max(0, Math.min(line, this.count - 1)));
  }

  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }
}

/** The line starts with every breakpoint applied, in a fresh array. */
function flatten(base: Int32Array, shiftAt: readonly number[], shiftBy: readonly number[]): Int32Array {
  const out = base.slice();
  for (let b = 0; b < shiftAt.length; b++) {
    const end = b + 1 < shiftAt.length ? shiftAt[b + 1] : out.length;
    const by = shiftBy[b];
    for (let k = shiftAt[b]; k < end; k++) out[k] += by;
  }
  return out;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * The offsets just after each line break in text[from, to): \n, \r\n and a lone \r. A break
 * that starts before `to` is counted whole. indexOf does the scanning for the common case of
 * \n-only text.
 */
function lineStartsIn(text: string, from: number, to: number): number[] {
  const starts: number[] = [];
  const cr = text.indexOf('\r', from);
  if (cr < 0 || cr >= to) {
    let i = text.indexOf('\n', from);
    while (i >= 0 && i < to) {
      starts.push(i + 1);
      i = text.indexOf('\n', i + 1);
    }
    return starts;
  }
  for (let i = from; i < to; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (ch === 10 /* \n */) {
      starts.push(i + 1);
    }
  }
  return starts;
}
