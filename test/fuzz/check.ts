import type { Diagnostic, Range } from 'vscode-languageserver-types';

/** Problems with a result that an editor would show wrongly, or undefined when all is well. */
export function rangeProblem(text: string, range: Range): string | undefined {
  const lines = text.split(/\r\n|\r|\n/);
  for (const [name, p] of [['start', range.start], ['end', range.end]] as const) {
    if (!Number.isInteger(p.line) || !Number.isInteger(p.character) || p.line < 0 || p.character < 0) return `${name} ${JSON.stringify(p)} is not a valid position`;
    if (p.line >= lines.length) return `${name} line ${p.line} is past the last line ${lines.length - 1}`;
    const line = lines[p.line];
    if (p.character > line.length) return `${name} character ${p.character} is past the end of line ${p.line} (${line.length})`;
    const before = line.charCodeAt(p.character - 1);
    const at = line.charCodeAt(p.character);
    if (p.character > 0 && before >= 0xd800 && before <= 0xdbff && at >= 0xdc00 && at <= 0xdfff) {
      return `${name} ${JSON.stringify(p)} splits a surrogate pair`;
    }
  }
  if (range.start.line > range.end.line || (range.start.line === range.end.line && range.start.character > range.end.character)) {
    return `range ${JSON.stringify(range)} ends before it starts`;
  }
  return undefined;
}

export function diagnosticsProblem(text: string, diagnostics: readonly Diagnostic[]): string | undefined {
  for (const d of diagnostics) {
    const problem = rangeProblem(text, d.range);
    if (problem) return `${d.code}: ${problem}`;
    if (typeof d.code !== 'string' || !d.code.startsWith('netpol/')) return `diagnostic without a netpol code: ${JSON.stringify(d)}`;
  }
  return undefined;
}
