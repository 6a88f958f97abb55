import type { TextDocument, TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import type { Position, Range } from 'vscode-languageserver-types';
import { LineIndex } from './service/text/lineIndex';

/**
 * An open document, as the editor's change events leave it. It answers as the
 * vscode-languageserver-textdocument one does, but keeps its line starts in a `LineIndex`: they
 * are counted (with indexOf) only when first asked for, and an edit moves them instead of
 * counting every line of the text again, or looping over every later line. In a file of
 * 200,000 lines the first keystroke no longer counts lines character by character, nor does
 * every keystroke rewrite the starts of the lines below it.
 */
export class EditorDocument implements TextDocument {
  private lines: LineIndex | undefined;

  constructor(
    readonly uri: string,
    readonly languageId: string,
    public version: number,
    private content: string,
  ) {}

  static create(uri: string, languageId: string, version: number, content: string): EditorDocument {
    return new EditorDocument(uri, languageId, version, content);
  }

  getText(range?: Range): string {
    if (!range) return this.content;
    return this.content.substring(this.offsetAt(range.start), this.offsetAt(range.end));
  }

  positionAt(offset: number): Position {
    return this.index().positionAt(offset);
  }

  offsetAt(position: Position): number {
    return this.index().offsetAt(position);
  }

  get lineCount(): number {
    return this.index().lineCount;
  }

  getLineRange(line: number): Range {
    const lines = this.index();
    if (line >= lines.lineCount) {
      const last = lines.lineCount - 1;
      return { start: { line: last, character: 0 }, end: { line: last, character: this.content.length - lines.lineStart(last) } };
    }
    if (line < 0) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    return { start: { line, character: 0 }, end: { line, character: lines.lineEnd(line) - lines.lineStart(line) } };
  }

  getEOLCharacters(line: number): string {
    const lines = this.index();
    if (line < 0 || line >= lines.lineCount) return '';
    const next = line + 1 < lines.lineCount ? lines.lineStart(line + 1) : this.content.length;
    return this.content.substring(lines.lineEnd(line), next);
  }

  /** Applies the changes in order: a ranged change replaces that range, one without a range the whole text. */
  update(changes: readonly TextDocumentContentChangeEvent[], version: number): this {
    for (const change of changes) {
      if ('range' in change) {
        const range = wellFormed(change.range);
        const start = this.offsetAt(range.start);
        const end = Math.max(start, this.offsetAt(range.end));
        const text = this.content.substring(0, start) + change.text + this.content.substring(end);
        this.lines = LineIndex.edited(this.index(), text, start, this.content.length - end);
        this.content = text;
      } else {
        this.content = change.text;
        this.lines = undefined;
      }
    }
    this.version = version;
    return this;
  }

  /** Takes line starts already counted for this very text (the parse's), so that they are not counted again. */
  useLines(text: string, lines: LineIndex): void {
    if (text === this.content && !this.lines) this.lines = lines;
  }

  private index(): LineIndex {
    return (this.lines ??= new LineIndex(this.content));
  }
}

function wellFormed(range: Range): Range {
  const { start, end } = range;
  return start.line > end.line || (start.line === end.line && start.character > end.character) ? { start: end, end: start } : range;
}
