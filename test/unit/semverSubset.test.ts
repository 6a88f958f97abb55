import * as assert from 'assert';
import { parse, satisfies } from '../../client/src/deps/semver';

/**
 * client/src/deps/semver.ts stands in for `semver` in the client bundle (esbuild.mjs), for
 * vscode-languageclient's check of vscode.version. It must answer as semver does.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semverParse = require('semver/functions/parse') as (v: string) => { major: number; minor: number; patch: number; prerelease: (string | number)[] } | null;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semverSatisfies = require('semver/functions/satisfies') as (v: unknown, range: string) => boolean;

const versions = [
  '1.100.0',
  '1.91.0',
  '1.90.9',
  '1.91.1',
  '1.999.999',
  '2.0.0',
  '2.0.0-0',
  '0.0.0',
  '1.101.0-insider',
  '1.101.0-insider.2',
  '1.101.0-1.alpha-2.0',
  '1.101.0+build.5',
  'v1.100.2',
  ' 1.100.2 ',
  '1.100',
  '1.100.0.1',
  '01.100.0',
  '1.100.0-01',
  '1.100.0-',
  '1.100.0+',
  'insider',
  '',
  '9007199254740992.0.0',
  `1.2.3-${'a'.repeat(300)}`,
  '0.3.1',
  '0.3.9',
  '0.4.0',
  '0.0.4',
  '0.0.5',
];
const ranges = ['^1.91.0', '^1.0.0', '^2.0.0', '^0.3.1', '^0.0.4', '^0.0.0'];

describe('the semver subset of the client bundle', () => {
  it('parses as semver.parse does', () => {
    for (const version of versions) {
      const ours = parse(version);
      const theirs = semverParse(version);
      assert.deepStrictEqual(
        ours && { major: ours.major, minor: ours.minor, patch: ours.patch, prerelease: ours.prerelease },
        theirs && { major: theirs.major, minor: theirs.minor, patch: theirs.patch, prerelease: theirs.prerelease },
        version,
      );
    }
  });

  it('checks caret ranges as semver.satisfies does, for parsed versions and strings', () => {
    for (const range of ranges) {
      for (const version of versions) {
        assert.strictEqual(satisfies(version, range), semverSatisfies(version, range), `${version} ${range}`);
        const ours = parse(version);
        const theirs = semverParse(version);
        if (ours && theirs) assert.strictEqual(satisfies(ours, range), semverSatisfies(theirs, range), `parsed ${version} ${range}`);
      }
    }
  });

  it('passes the language client check as it runs it: the prerelease removed, then ^1.91.0', () => {
    for (const version of ['1.100.0', '1.101.0-insider', '1.91.0', '1.90.0', '2.0.0']) {
      const ours = parse(version)!;
      ours.prerelease = [];
      const theirs = semverParse(version)!;
      theirs.prerelease = [];
      assert.strictEqual(satisfies(ours, '^1.91.0'), semverSatisfies(theirs, '^1.91.0'), version);
    }
  });

  it('refuses the ranges it does not implement instead of answering wrongly', () => {
    assert.throws(() => satisfies('1.100.0', '>=1.91.0'), /caret ranges only/);
    assert.throws(() => satisfies('1.100.0', '^1.91.0-beta'), /caret ranges only/);
  });
});
