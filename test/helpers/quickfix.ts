import * as fs from 'fs';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-types';
import { createLanguageService } from '../../server/src/service/languageService';

/** A fixture may mark a cursor with `$0` (for actions offered where the cursor is); it is removed. */
export function takeCursor(raw: string): { text: string; cursor?: number } {
  const at = raw.indexOf('$0');
  return at < 0 ? { text: raw } : { text: raw.slice(0, at) + raw.slice(at + 2), cursor: at };
}

/** The first line of a quick-fix fixture names the fix: `# fix: Allow DNS egress: add a rule to this policy`. */
export function fixTitle(text: string): string {
  const match = /^#\s*fix:\s*(.+?)\s*$/m.exec(text.split(/\r?\n/)[0] ?? '');
  if (!match) throw new Error('a quick-fix fixture starts with "# fix: <title>"');
  return match[1];
}

/** Runs the service on a file, finds the named quick fix among all diagnostics' fixes, and applies it. */
export function applyFix(file: string, text: string, title: string, cursor?: number): { after: string; action: CodeAction; diagnostics: Diagnostic[] } {
  const service = createLanguageService();
  const parsed = service.parse(text);
  const context = { uri: file };
  const diagnostics = service.validate(parsed, context);
  const at = cursor === undefined ? undefined : parsed.lines.positionAt(cursor);
  const actions = service.codeActions(parsed, file, diagnostics, context, at ? { start: at, end: at } : undefined);
  const action = actions.find((a) => a.title === title);
  if (!action) throw new Error(`no quick fix titled ${JSON.stringify(title)}; offered: ${JSON.stringify(actions.map((a) => a.title))}`);
  const edits = action.edit?.changes?.[file] ?? [];
  const after = TextDocument.applyEdits(TextDocument.create(file, 'yaml', 1, text), edits);
  return { after, action, diagnostics };
}

export function readText(file: string): string {
  return fs.readFileSync(file, 'utf8');
}
