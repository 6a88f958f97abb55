import * as assert from 'assert';
import { compileGlob, enabledPatterns, PathFilter } from '../../server/src/glob';
import { readSettings } from '../../server/src/settings';

/** Each case: a pattern, paths it must match, paths it must not. */
const cases: { pattern: string; match: string[]; miss: string[] }[] = [
  { pattern: '*.yaml', match: ['a.yaml', '.hidden.yaml'], miss: ['dir/a.yaml', 'a.yml', 'a.yaml.bak'] },
  { pattern: '**/*.yaml', match: ['a.yaml', 'dir/a.yaml', 'a/b/c/d.yaml'], miss: ['a.yml', 'dir/a.yaml/x'] },
  { pattern: '**/generated/**', match: ['generated/a.yaml', 'x/generated/a.yaml', 'x/y/generated/z/a.yaml', 'generated'], miss: ['generatedx/a.yaml', 'x/regenerated/a.yaml'] },
  { pattern: '**/build', match: ['build', 'a/build', 'a/b/build'], miss: ['build/a.yaml', 'builds', 'a/build.yaml'] },
  { pattern: 'staging/*.yaml', match: ['staging/a.yaml'], miss: ['staging/x/a.yaml', 'x/staging/a.yaml', 'staging.yaml'] },
  { pattern: 'a/**/b.yaml', match: ['a/b.yaml', 'a/x/b.yaml', 'a/x/y/b.yaml'], miss: ['b.yaml', 'x/a/b.yaml', 'a/xb.yaml'] },
  { pattern: '?.yaml', match: ['a.yaml', 'Z.yaml'], miss: ['ab.yaml', '/.yaml', '.yaml'] },
  { pattern: '**/*.{yaml,yml}', match: ['a.yaml', 'd/a.yml'], miss: ['a.json', 'a.yamlx'] },
  { pattern: '**/{charts,vendor}/**', match: ['charts/x.yaml', 'a/vendor/b/c.yaml'], miss: ['chart/x.yaml', 'vendors/x.yaml'] },
  { pattern: '{a,b/{c,d}}/*.yaml', match: ['a/x.yaml', 'b/c/x.yaml', 'b/d/x.yaml'], miss: ['b/x.yaml', 'b/e/x.yaml', 'c/x.yaml'] },
  { pattern: '{**/tmp,cache}', match: ['tmp', 'x/y/tmp', 'cache'], miss: ['x/cache', 'tmpx'] },
  { pattern: 'env-[0-9].yaml', match: ['env-1.yaml', 'env-9.yaml'], miss: ['env-a.yaml', 'env-10.yaml'] },
  { pattern: 'env-[!0-9].yaml', match: ['env-a.yaml'], miss: ['env-1.yaml', 'env-/.yaml'] },
  { pattern: 'a+b(c).yaml', match: ['a+b(c).yaml'], miss: ['aab(c).yaml', 'a+bc.yaml'] },
  { pattern: 'x{y.yaml', match: ['x{y.yaml'], miss: ['xy.yaml'] },
  { pattern: 'x[y.yaml', match: ['x[y.yaml'], miss: ['xy.yaml'] },
  { pattern: './local/', match: ['local', 'local'], miss: ['x/local'] },
  { pattern: '**', match: ['a', 'a/b/c.yaml'], miss: [] },
  { pattern: 'a/**', match: ['a', 'a/b', 'a/b/c.yaml'], miss: ['ab', 'b/a'] },
  { pattern: '*', match: ['a.yaml', 'dir'], miss: ['dir/a.yaml'] },
];

describe('glob patterns', () => {
  for (const { pattern, match, miss } of cases) {
    it(pattern, () => {
      const re = compileGlob(pattern)!;
      for (const p of match) assert.ok(re.test(p), `${pattern} should match ${p} (${re})`);
      for (const p of miss) assert.ok(!re.test(p), `${pattern} should not match ${p} (${re})`);
    });
  }

  it('ignores empty patterns and honours ignoreCase', () => {
    assert.strictEqual(compileGlob('  '), undefined);
    assert.ok(compileGlob('**/*.YAML', { ignoreCase: true })!.test('a/b.yaml'));
    assert.ok(!compileGlob('**/*.YAML')!.test('a/b.yaml'));
  });

  it('excludes a path when it or a folder above it matches', () => {
    const filter = new PathFilter(['**/build', 'secret.yaml']);
    assert.ok(filter.excludes('build/a.yaml'));
    assert.ok(filter.excludes('x/build/y/a.yaml'));
    assert.ok(filter.excludes('secret.yaml'));
    assert.ok(!filter.excludes('x/secret.yaml'));
    assert.ok(!filter.excludes('builder/a.yaml'));
    assert.ok(!new PathFilter([]).excludes('anything'));
  });

  it('matches absolute patterns against the absolute path', () => {
    const filter = new PathFilter(['/work/ws/private/**']);
    assert.ok(filter.excludes('private/a.yaml', '/work/ws/private/a.yaml'));
    assert.ok(!filter.excludes('public/a.yaml', '/work/ws/public/a.yaml'));
    assert.ok(!filter.excludes('private/a.yaml'));
  });

  it('reads the enabled patterns of files.exclude', () => {
    assert.deepStrictEqual(enabledPatterns({ '**/.git': true, '**/build': true, '**/off': false, '**/*.js': { when: '$(basename).ts' }, '': true }), ['**/.git', '**/build']);
    assert.deepStrictEqual(enabledPatterns(null), []);
    assert.deepStrictEqual(enabledPatterns(['**/x']), []);
  });

  it('validates netpol.exclude: strings only, trimmed, without empties or duplicates', () => {
    assert.deepStrictEqual(readSettings({ exclude: [' **/generated/** ', '', 7, null, 'staging/*.yaml', '**/generated/**'] }).exclude, ['**/generated/**', 'staging/*.yaml']);
    assert.deepStrictEqual(readSettings({ exclude: '**/x' }).exclude, []);
    assert.deepStrictEqual(readSettings({}).exclude, []);
  });
});
