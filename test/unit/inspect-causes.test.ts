import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { ExplainConnectionParams, ExplainConnectionResult, Protocol } from '../../server/src/protocol';
import { explainWorkspaceConnection } from '../../server/src/service/inspect/connection';
import { createLanguageService } from '../../server/src/service/languageService';
import { applyWorkspaceEdits, loadWorkspace, repoRoot, uriOf } from '../helpers/workspace';

/**
 * "Why is A -> B blocked?" finds the missing rule for each of the seven causes in
 * examples/causes, driven by test/fixtures/inspect/causes.json: the verdict, the cause named
 * in the explanation, the fixes offered, the exact text of the file after applying them, and
 * that the connection is allowed once they are applied.
 */

interface Row {
  name: string;
  workspace: string[];
  from: string;
  to: string;
  port: number | string;
  protocol?: Protocol;
  allowed: boolean;
  enforced?: boolean;
  verdict: string;
  explanation: string[];
  fixes: { title: string; file: string; after: string }[];
}

const table = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test/fixtures/inspect/causes.json'), 'utf8')) as { rows: Row[] };

function request(row: Row): ExplainConnectionParams {
  return { from: row.from, to: row.to, port: row.port, protocol: row.protocol };
}

function explain(row: Row, workspace = loadWorkspace(row.workspace)): ExplainConnectionResult {
  return explainWorkspaceConnection(workspace, request(row));
}

describe('inspect: why is A -> B blocked, for the seven causes (test/fixtures/inspect/causes.json)', () => {
  it('covers every cause of examples/causes', () => {
    const causes = new Set(table.rows.map((r) => r.name.replace(/^(\d).*$/, '$1')));
    assert.deepStrictEqual([...causes].sort(), ['1', '2', '3', '4', '5', '6', '7']);
  });

  for (const row of table.rows) {
    it(row.name, () => {
      const workspace = loadWorkspace(row.workspace);
      const result = explain(row, workspace);
      assert.strictEqual(result.error, undefined, result.error);
      assert.strictEqual(result.allowed, row.allowed);
      assert.strictEqual(result.verdict, row.verdict);
      for (const expected of row.explanation) assert.ok(result.markdown.includes(expected), `the explanation lacks ${JSON.stringify(expected)}:\n${result.markdown}`);
      if (row.enforced === false) assert.match(result.markdown, /Not enforced \(cause 6\)/);
      else assert.doesNotMatch(result.markdown, /Not enforced/);
      assert.ok(result.links.length > 0, 'links to the deciding policies');
      for (const link of result.links)
        assert.ok(
          workspace.some((w) => w.uri === link.link.uri),
          `${link.label} links to a workspace file`,
        );

      assert.deepStrictEqual(
        result.fixes.map((f) => f.title),
        row.fixes.map((f) => f.title),
      );
      for (const [i, fix] of result.fixes.entries()) assert.deepStrictEqual(Object.keys(fix.edit.changes ?? {}), [uriOf(row.fixes[i].file)], `${fix.title} edits ${row.fixes[i].file}`);
      if (row.fixes.length === 0) return;

      // Apply every fix, compare with the expected files, and ask again: now it is allowed.
      const { workspace: fixed, texts } = applyWorkspaceEdits(
        workspace,
        result.fixes.map((f) => f.edit),
      );
      for (const expected of row.fixes) {
        const actual = texts.get(uriOf(expected.file))!;
        const afterPath = path.join(repoRoot, expected.after);
        if (process.env.NETPOL_UPDATE_FIXTURES) fs.writeFileSync(afterPath, actual);
        assert.strictEqual(actual, fs.readFileSync(afterPath, 'utf8'), `${expected.file} after the fixes differs from ${expected.after}`);
        const service = createLanguageService();
        const errors = service.validate(service.parse(actual), { uri: uriOf(expected.file) }).filter((d) => d.severity === 1);
        assert.deepStrictEqual(
          errors.map((d) => d.message),
          [],
          'the fixed file has errors',
        );
      }
      const again = explain(row, fixed);
      assert.strictEqual(again.allowed, true, `still denied after the fixes:\n${again.markdown}`);
      assert.deepStrictEqual(again.fixes, []);
    });
  }

  it('leaves the files it was asked about untouched (the fix is an edit, not a write)', () => {
    const row = table.rows[0];
    const before = fs.readFileSync(path.join(repoRoot, row.workspace[0]), 'utf8');
    explain(row);
    assert.strictEqual(fs.readFileSync(path.join(repoRoot, row.workspace[0]), 'utf8'), before);
  });
});
