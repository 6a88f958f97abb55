import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseFile } from '../../server/src/service/parse/parseFile';
import { child, YNode } from '../../server/src/service/parse/yamlView';
import { readSelector } from '../../server/src/service/model';
import { selectorFailures, selectorMatches } from '../../server/src/service/semantics';

/** Label selector semantics, driven by test/fixtures/semantics/selectors.yaml. */

const file = path.resolve(__dirname, '../../../test/fixtures/semantics/selectors.yaml');

function scalar(node: YNode | null | undefined): string {
  return node && node.kind === 'scalar' ? String(node.value ?? '') : '';
}

describe('semantics: label selectors (test/fixtures/semantics/selectors.yaml)', () => {
  const parsed = parseFile(fs.readFileSync(file, 'utf8'));
  const root = parsed.documents[0].view.root;
  assert.ok(root && root.kind === 'seq', 'selectors.yaml must be a list of cases');
  for (const item of root.items) {
    const name = scalar(child(item, 'name'));
    it(name, () => {
      const selector = readSelector(child(item, 'selector')!);
      const labelsNode = child(item, 'labels');
      const labels: Record<string, string> = {};
      if (labelsNode && labelsNode.kind === 'map') for (const e of labelsNode.entries) labels[e.key!] = scalar(e.value);
      const matches = child(item, 'matches');
      assert.ok(matches && matches.kind === 'scalar' && typeof matches.value === 'boolean', 'each case says matches: true or false');
      assert.strictEqual(selectorMatches(selector, labels), matches.value);
      const fails = child(item, 'fails');
      if (fails && fails.kind === 'seq') {
        assert.deepStrictEqual(
          selectorFailures(selector, labels).map((f) => f.requirement.key),
          fails.items.map(scalar),
        );
      }
    });
  }
});
