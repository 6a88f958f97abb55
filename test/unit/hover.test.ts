import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { createLanguageService } from '../../server/src/service/languageService';
import { fixturesRoot } from '../helpers/fixtures';

// Each fixture has a `$0` cursor and `# hover: <text>` lines, each of which the hover must contain.
describe('hovers (test/fixtures/hover)', () => {
  const folder = path.join(fixturesRoot, 'hover');
  for (const name of fs.readdirSync(folder).filter((n) => n.endsWith('.yaml')).sort()) {
    it(name, () => {
      const raw = fs.readFileSync(path.join(folder, name), 'utf8');
      const offset = raw.indexOf('$0');
      assert.ok(offset >= 0, 'a hover fixture marks the cursor with $0');
      const text = raw.replace('$0', '');
      const expected = [...text.matchAll(/^# hover: (.*)$/gm)].map((m) => m[1]);
      const service = createLanguageService();
      const hover = service.hover(service.parse(text), offset, { uri: name });
      const value = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
      if (expected.length === 0) {
        assert.strictEqual(hover, null);
        return;
      }
      for (const substring of expected) assert.ok(value.includes(substring), `hover lacks ${JSON.stringify(substring)}; it is:\n${value}`);
    });
  }
});
