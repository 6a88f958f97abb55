import type { Position, Range } from 'vscode-languageserver-types';

/**
 * The one place that converts between string offsets and LSP positions.
 *
 * JavaScript strings are UTF-16, and so are LSP's default position encoding and the offsets
 * the `yaml` package reports, so a character offset within a line is simply the number of code
 * units since the line start. Line breaks are \n, \r\n and a lone \r, as in LSP.
 */
export class LineIndex {
  /** Offset of the first character of each line. */
  private readonly lineStarts: number[];

  constructor(
    readonly text: string,
    lineStarts?: number[],
  ) {
    this.lineStarts = lineStarts ?? [0, ...lineStartsIn(text, 0, text.length)];
  }

  /**
   * The index of a text that starts with `prefix` and ends with `suffix` characters of the
   * previous text: line starts in those parts are copied (moved, for the suffix) and only the
   * text between them is scanned.
   */
  static edited(previous: LineIndex, text: string, prefix: number, suffix: number): LineIndex {
    const old = previous.lineStarts;
    const oldLength = previous.text.length;
    const delta = text.length - oldLength;
    // Keep one character of margin on each side, so that a \r\n pair cut by the edit is rescanned.
    const keepBefore = Math.max(0, prefix - 1);
    const keepAfter = oldLength - Math.max(0, suffix - 1);
    // Line starts at or before keepBefore: the line break before them is unchanged.
    const i = upperBound(old, keepBefore);
    const scanFrom = i > 0 ? old[i - 1] : 0;
    // Line starts whose preceding line break lies in the kept suffix.
    const j = Math.max(i, upperBound(old, keepAfter));
    let scanTo = text.length;
    if (j < old.length) {
      // Stop before the line break of the first kept line, both halves of a \r\n included.
      scanTo = old[j] + delta - 1;
      if (scanTo > 0 && text.charCodeAt(scanTo) === 10 && text.charCodeAt(scanTo - 1) === 13) scanTo--;
    }
    const middle = lineStartsIn(text, scanFrom, Math.max(scanFrom, scanTo));
    const starts = old.slice(0, Math.max(i, 1));
    for (const start of middle) starts.push(start);
    for (let k = j; k < old.length; k++) starts.push(old[k] + delta);
    return new LineIndex(text, starts);
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid] <= clamped) low = mid;
      else high = mid - 1;
    }
    // An offset inside a line break (between \r and \n) belongs to the end of the line.
    let character = Math.min(clamped, this.lineEnd(low)) - this.lineStarts[low];
    // Never point between the two halves of a surrogate pair.
    const at = this.lineStarts[low] + character;
    if (character > 0 && isLowSurrogate(this.text.charCodeAt(at)) && isHighSurrogate(this.text.charCodeAt(at - 1))) {
      character--;
    }
    return { line: low, character };
  }

  offsetAt(position: Position): number {
    if (position.line < 0) return 0;
    if (position.line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[position.line];
    const end = this.lineEnd(position.line);
    return Math.max(start, Math.min(start + Math.max(0, position.character), end));
  }

  range(start: number, end: number): Range {
    return { start: this.positionAt(start), end: this.positionAt(Math.max(start, end)) };
  }

  /** Offset just past the last character of a line, before its line break. */
  lineEnd(line: number): number {
    const next = line + 1 < this.lineStarts.length ? this.lineStarts[line + 1] : this.text.length;
    let end = next;
    if (end > this.lineStarts[line] && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > this.lineStarts[line] && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  lineStart(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line, this.lineStarts.length - 1))];
  }

  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }
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

/** The index of the first element greater than `value` in an ascending array. */
function upperBound(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (values[mid] <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}
