import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Diagnostic } from 'vscode-languageserver-types';
import { createLanguageService, LanguageServiceOptions } from '../../server/src/service/languageService';

/**
 * Fixtures are YAML files whose expected diagnostics are written as comment lines of carets
 * under the text they mark:
 *
 *       namespaceSelector: {}
 *   #   ^^^^^^^^^^^^^^^^^ warning netpol/all-namespaces: every namespace
 *
 * The range is on the nearest line above that is not a marker line; the carets give its
 * columns. A range that starts in column 0 is written `#^^^`: a `#` directly followed by
 * carets counts as the first marked column. After the carets: the severity, the code, and
 * optionally `: ` and a substring of the message. Marker lines are comments, so they never
 * change how the fixture parses.
 */
export interface Expectation {
  line: number;
  startCharacter: number;
  endCharacter: number;
  severity: string;
  code: string;
  messageSubstring?: string;
}

const markerLine = /^(\s*)#(\s*)(\^+)\s+(error|warning|information|hint)\s+(\S+?)(?::\s*(.*))?\s*$/;

export function parseExpectations(text: string): Expectation[] {
  const lines = text.split(/\r\n|\r|\n/);
  const expectations: Expectation[] = [];
  let target = -1;
  lines.forEach((line, index) => {
    const match = markerLine.exec(line);
    if (!match) {
      target = index;
      return;
    }
    const [, before, between, carets, severity, code, substring] = match;
    const hashColumn = before.length;
    const start = between.length === 0 ? hashColumn : hashColumn + 1 + between.length;
    const end = hashColumn + 1 + between.length + carets.length;
    expectations.push({ line: target, startCharacter: start, endCharacter: end, severity, code, messageSubstring: substring?.trim() || undefined });
  });
  return expectations;
}

const severityNames = ['', 'error', 'warning', 'information', 'hint'];

export function render(d: { line: number; startCharacter: number; endCharacter: number; severity: string; code: string }): string {
  return `${d.line + 1}:${d.startCharacter}-${d.endCharacter} ${d.severity} ${d.code}`;
}

function renderDiagnostic(d: Diagnostic): string {
  if (d.range.start.line !== d.range.end.line) {
    return `${d.range.start.line + 1}:${d.range.start.character}-${d.range.end.line + 1}:${d.range.end.character} ${severityNames[d.severity ?? 1]} ${d.code}`;
  }
  return render({
    line: d.range.start.line,
    startCharacter: d.range.start.character,
    endCharacter: d.range.end.character,
    severity: severityNames[d.severity ?? 1],
    code: String(d.code),
  });
}

/** Runs the service on a fixture and compares its diagnostics with the markers. */
export function checkFixture(file: string, options: Partial<LanguageServiceOptions> = {}, workspace: readonly string[] = []): Diagnostic[] {
  const text = fs.readFileSync(file, 'utf8');
  const expected = parseExpectations(text);
  const service = createLanguageService(options);
  const others = workspace.filter((f) => f !== file).map((f) => ({ uri: f, parsed: service.parse(fs.readFileSync(f, 'utf8')) }));
  const diagnostics = service.validate(service.parse(text), { uri: file, workspace: others });
  const actual = diagnostics.map(renderDiagnostic).sort();
  const wanted = expected.map(render).sort();
  assert.deepStrictEqual(actual, wanted, `${path.basename(file)}: diagnostics differ\n${diagnostics.map((d) => `  ${renderDiagnostic(d)}: ${messageText(d)}`).join('\n')}`);
  for (const expectation of expected) {
    if (!expectation.messageSubstring) continue;
    const match = diagnostics.find(
      (d) => renderDiagnostic(d) === render(expectation) && messageText(d).includes(expectation.messageSubstring!),
    );
    assert.ok(match, `${path.basename(file)}:${expectation.line + 1}: no ${expectation.code} diagnostic whose message contains ${JSON.stringify(expectation.messageSubstring)}; got:\n${diagnostics.map((d) => `  ${renderDiagnostic(d)}: ${messageText(d)}`).join('\n')}`);
  }
  return diagnostics;
}

export const fixturesRoot = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures');

/**
 * The fixture workspaces of a folder: each YAML file directly in it is a workspace of its
 * own, and each subfolder is one workspace of all the YAML files in it.
 */
export function fixtureWorkspaces(folder: string): { name: string; files: string[] }[] {
  const root = path.join(fixturesRoot, folder);
  const result: { name: string; files: string[] }[] = [];
  for (const name of fs.readdirSync(root).sort()) {
    const full = path.join(root, name);
    if (fs.statSync(full).isDirectory()) {
      const files = fs.readdirSync(full).filter((n) => /\.ya?ml$/.test(n) && !/\.after\.ya?ml$/.test(n)).sort().map((n) => path.join(full, n));
      result.push({ name, files });
    } else if (/\.ya?ml$/.test(name) && !/\.after\.ya?ml$/.test(name)) {
      result.push({ name, files: [full] });
    }
  }
  return result;
}

/** Every `*.yaml` file under a fixtures folder, except `*.after.yaml` quick-fix results. */
export function fixtureFiles(folder: string): string[] {
  const root = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', folder);
  const result: string[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (fs.statSync(full).isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(name) && !/\.after\.ya?ml$/.test(name)) result.push(full);
    }
  };
  walk(root);
  return result;
}

export function messageText(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}
