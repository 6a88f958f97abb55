import { CodeAction, CodeActionKind, Diagnostic, TextEdit } from 'vscode-languageserver-types';
import { ParsedFile } from './parse/parseFile';
import { Rules } from './rules';
import { DiagnosticData } from './diagnostics';

/**
 * Quick fixes for the foundation's diagnostics. Each keys on the diagnostic's code and data,
 * never on its message.
 */
export function getCodeActions(file: ParsedFile, uri: string, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    const data = (diagnostic.data ?? {}) as DiagnosticData;
    switch (diagnostic.code) {
      case Rules.apiVersion.code: {
        const replacement = typeof data.replacement === 'string' ? data.replacement : undefined;
        if (!replacement) break;
        actions.push(quickFix(`Change apiVersion to ${replacement}`, uri, diagnostic, [TextEdit.replace(diagnostic.range, replacement)], true));
        break;
      }
      case Rules.unknownField.code: {
        const suggestion = typeof data.suggestion === 'string' ? data.suggestion : undefined;
        if (!suggestion) break;
        const current = file.text.slice(file.lines.offsetAt(diagnostic.range.start), file.lines.offsetAt(diagnostic.range.end));
        // Keep the key's quoting if it was quoted.
        const quote = current.startsWith('"') || current.startsWith("'") ? current[0] : '';
        actions.push(quickFix(`Change to '${suggestion}'`, uri, diagnostic, [TextEdit.replace(diagnostic.range, `${quote}${suggestion}${quote}`)], true));
        break;
      }
      default:
        break;
    }
  }
  return actions;
}

function quickFix(title: string, uri: string, diagnostic: Diagnostic, edits: TextEdit[], isPreferred: boolean): CodeAction {
  return {
    title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    isPreferred,
    edit: { changes: { [uri]: edits } },
  };
}
