import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { createLanguageService } from '../../server/src/service/languageService';
import type { IndexStatus, PanelNode, PolicyPanelResult } from '../../server/src/protocol';
import { fixturesRoot, fixtureWorkspaces } from '../helpers/fixtures';

const index: IndexStatus = { files: 2, skippedTemplates: 1, excluded: 0, scanning: false, enabled: true };

/** The tree as text: one node per line, `[icon] label — description  -> file:line`, children indented. */
export function renderPanel(result: PolicyPanelResult, root: string): string {
  const lines: string[] = [];
  if (result.policy) lines.push(`policy: ${result.policy.id}`);
  if (result.summary) lines.push(`summary: ${result.summary}`);
  if (result.message) lines.push(`message: ${result.message}`);
  const walk = (nodes: readonly PanelNode[], depth: number) => {
    for (const node of nodes) {
      const link = node.link ? `  -> ${path.relative(root, new URL(node.link.uri).pathname)}:${node.link.range.start.line + 1}` : '';
      const state = node.children && node.children.length > 0 ? (node.expanded ? 'v ' : '> ') : '  ';
      lines.push(`${'  '.repeat(depth)}${state}[${node.icon ?? ''}] ${node.label}${node.description ? ` — ${node.description}` : ''}${link}`);
      if (node.children) walk(node.children, depth + 1);
    }
  };
  walk(result.nodes, 0);
  return `${lines.join('\n')}\n`;
}

/**
 * Each workspace of test/fixtures/panel has one `$0` cursor; the panel for the policy at the
 * cursor must equal the `<workspace>.panel.txt` beside it (write NETPOL_UPDATE_GOLDEN=1 to
 * regenerate, then review the difference), and the code lenses of the cursor's file are listed
 * in it too.
 */
describe('side panel (test/fixtures/panel)', () => {
  const folder = path.join(fixturesRoot, 'panel');
  for (const workspace of fixtureWorkspaces('panel')) {
    it(workspace.name, () => {
      const service = createLanguageService();
      let cursor: { uri: string; offset: number } | undefined;
      const files = workspace.files.map((file) => {
        let text = fs.readFileSync(file, 'utf8');
        const uri = pathToFileURL(file).toString();
        const at = text.indexOf('$0');
        if (at >= 0) {
          text = text.slice(0, at) + text.slice(at + 2);
          cursor = { uri, offset: at };
        }
        return { uri, parsed: service.parse(text) };
      });
      assert.ok(cursor, 'a panel fixture marks the cursor with $0');
      const file = files.find((f) => f.uri === cursor!.uri)!;
      const context = { uri: cursor.uri, workspace: files };
      const result = service.policyPanel(file.parsed, context, { offset: cursor.offset }, index);
      const lenses = service.codeLenses(file.parsed, context).map((lens) => `lens ${lens.range.start.line + 1}: ${lens.command?.title} (${lens.command?.arguments?.[1]})`);
      const actual = `${renderPanel(result, folder)}${lenses.join('\n')}${lenses.length > 0 ? '\n' : ''}`;
      const golden = path.join(folder, `${workspace.name.replace(/\.ya?ml$/, '')}.panel.txt`);
      if (process.env.NETPOL_UPDATE_GOLDEN === '1') fs.writeFileSync(golden, actual);
      assert.strictEqual(actual, fs.readFileSync(golden, 'utf8'));
      // The pinned form answers the same tree.
      if (result.policy) {
        const pinned = service.policyPanel(file.parsed, context, { policyId: result.policy.id }, index);
        assert.deepStrictEqual(pinned, result);
      }
    });
  }

  it('says so when a pinned policy is gone from its file', () => {
    const service = createLanguageService();
    const parsed = service.parse('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}}\n');
    const result = service.policyPanel(parsed, { uri: 'file:///a.yaml', workspace: [{ uri: 'file:///a.yaml', parsed }] }, { policyId: 'default/b' }, index);
    assert.strictEqual(result.policy, undefined);
    assert.match(result.message ?? '', /pinned policy default\/b is no longer in this file/);
  });
});
