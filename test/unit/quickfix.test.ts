import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { createLanguageService } from '../../server/src/service/languageService';
import { fixturesRoot } from '../helpers/fixtures';
import { applyFix, fixTitle, readText, takeCursor } from '../helpers/quickfix';

// Each fixture NAME.yaml names a fix on its first line; NAME.after.yaml is the whole file
// after the fix is applied. The fixed file must parse cleanly and no longer have the problem.
describe('quick fixes (test/fixtures/quickfix)', () => {
  const folder = path.join(fixturesRoot, 'quickfix');
  for (const name of fs.readdirSync(folder).filter((n) => /\.yaml$/.test(n) && !n.endsWith('.after.yaml')).sort()) {
    it(name, () => {
      const file = path.join(folder, name);
      const { text, cursor } = takeCursor(readText(file));
      const { after, action } = applyFix(file, text, fixTitle(text), cursor);
      const expected = readText(file.replace(/\.yaml$/, '.after.yaml'));
      assert.strictEqual(after, expected);
      const service = createLanguageService();
      const fixed = service.validate(service.parse(after), { uri: file });
      const errors = fixed.filter((d) => d.severity === 1);
      assert.deepStrictEqual(errors.map((d) => d.message), [], 'the fixed file has errors');
      for (const diagnostic of action.diagnostics ?? []) {
        const still = fixed.find((d) => d.code === diagnostic.code && d.range.start.line === diagnostic.range.start.line);
        assert.ok(!still, `${diagnostic.code} is still reported after the fix: ${still?.message}`);
      }
    });
  }
});
