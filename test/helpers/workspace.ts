import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { TextEdit, WorkspaceEdit } from 'vscode-languageserver-types';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { WorkspaceFile } from '../../server/src/service/lint/context';
import { parseFile } from '../../server/src/service/parse/parseFile';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** The YAML files of repository paths (files as given, folders walked), sorted. */
export function yamlFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (full: string) => {
    if (fs.statSync(full).isDirectory()) for (const name of fs.readdirSync(full).sort()) walk(path.join(full, name));
    else if (/\.ya?ml$/.test(full) && !/\.after\.ya?ml$/.test(full)) files.push(full);
  };
  for (const p of paths) walk(path.resolve(repoRoot, p));
  return files;
}

/** A workspace as the server holds it: files by their file:// URI, parsed. */
export function loadWorkspace(paths: readonly string[]): WorkspaceFile[] {
  return yamlFiles(paths).map((file) => ({ uri: pathToFileURL(file).toString(), parsed: parseFile(fs.readFileSync(file, 'utf8')) }));
}

export function uriOf(repoPath: string): string {
  return pathToFileURL(path.resolve(repoRoot, repoPath)).toString();
}

/**
 * Applies WorkspaceEdits (`changes` form) to a workspace and returns the new snapshot and the
 * new texts by URI. Edits of several WorkspaceEdits to one file are applied together, as
 * non-overlapping edits of the same text.
 */
export function applyWorkspaceEdits(workspace: readonly WorkspaceFile[], edits: readonly WorkspaceEdit[]): { workspace: WorkspaceFile[]; texts: Map<string, string> } {
  const byUri = new Map<string, TextEdit[]>();
  for (const edit of edits) {
    for (const [uri, changes] of Object.entries(edit.changes ?? {})) byUri.set(uri, [...(byUri.get(uri) ?? []), ...changes]);
    if (edit.documentChanges) throw new Error('documentChanges are not expected');
  }
  const texts = new Map<string, string>();
  for (const uri of byUri.keys()) if (!workspace.some((w) => w.uri === uri)) throw new Error(`an edit for ${uri}, which is not in the workspace`);
  const next = workspace.map((w) => {
    const changes = byUri.get(w.uri);
    if (!changes) return w;
    const text = TextDocument.applyEdits(TextDocument.create(w.uri, 'yaml', 1, w.parsed.text), changes);
    texts.set(w.uri, text);
    return { uri: w.uri, parsed: parseFile(text) };
  });
  return { workspace: next, texts };
}
