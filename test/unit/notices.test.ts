import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';

describe('third-party notices', function () {
  this.timeout(60000);

  it('THIRD_PARTY_NOTICES.md lists every npm package bundled into dist/ (npm run notices rewrites it)', () => {
    const root = path.resolve(__dirname, '..', '..', '..');
    const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'notices.mjs'), '--check'], { cwd: root, encoding: 'utf8' });
    assert.strictEqual(result.status, 0, result.stderr || result.stdout);
  });
});
