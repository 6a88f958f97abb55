/**
 * The part of `semver` that vscode-languageclient uses, for the client bundle (esbuild.mjs).
 *
 * LanguageClient's constructor checks `vscode.version` with `semver/functions/parse` and
 * `semver/functions/satisfies` against one caret range (`REQUIRED_VSCODE_VERSION`, '^1.91.0'
 * in vscode-languageclient 11). The full package is some 20 KB of bundle and builds and runs
 * dozens of regular expressions for that one comparison, during activation. These two functions
 * give the same answers for what the check passes them: a strict version string, and a parsed
 * version against a caret range `^MAJOR.MINOR.PATCH`. esbuild.mjs fails the build if the
 * language client asks for anything else; test/unit/semverSubset.test.ts compares them with
 * `semver` itself.
 */

export interface ParsedVersion {
  version: string;
  major: number;
  minor: number;
  patch: number;
  prerelease: (string | number)[];
}

const NUMERIC = '0|[1-9]\\d*';
const IDENTIFIER = `(?:${NUMERIC}|\\d*[a-zA-Z-][a-zA-Z0-9-]*)`;
/** semver's FULL pattern (strict, not loose): v?MAJOR.MINOR.PATCH(-PRERELEASE)?(+BUILD)? */
const FULL = new RegExp(`^v?(${NUMERIC})\\.(${NUMERIC})\\.(${NUMERIC})(?:-(${IDENTIFIER}(?:\\.${IDENTIFIER})*))?(?:\\+[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*)?$`);
/** semver's MAX_LENGTH. */
const MAX_LENGTH = 256;

/** `semver.parse(version)`: the version, or null when it is not a valid (strict) one. */
export function parse(version: unknown): ParsedVersion | null {
  if (typeof version !== 'string' || version.length > MAX_LENGTH) return null;
  const match = FULL.exec(version.trim());
  if (!match) return null;
  const [major, minor, patch] = [match[1], match[2], match[3]].map(Number);
  if (![major, minor, patch].every(Number.isSafeInteger)) return null;
  const prerelease = match[4] ? match[4].split('.').map((id) => (/^[0-9]+$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : id)) : [];
  return { version, major, minor, patch, prerelease };
}

const CARET = /^\^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/**
 * `semver.satisfies(version, range)` for a version from `parse` (or a version string) and a
 * caret range without a prerelease: `^1.91.0` is >=1.91.0 <2.0.0-0, `^0.3.1` is >=0.3.1
 * <0.4.0-0, `^0.0.4` is >=0.0.4 <0.0.5-0; a prerelease version satisfies none of them.
 */
export function satisfies(version: ParsedVersion | string, range: string): boolean {
  const bound = CARET.exec(range);
  if (!bound) throw new Error(`client/src/deps/semver.ts checks caret ranges only, not '${range}'`);
  const parsed = typeof version === 'string' ? parse(version) : version;
  if (!parsed) return false;
  if (parsed.prerelease.length > 0) return false;
  const low = [Number(bound[1]), Number(bound[2]), Number(bound[3])];
  const high = low[0] > 0 ? [low[0] + 1, 0, 0] : low[1] > 0 ? [0, low[1] + 1, 0] : [0, 0, low[2] + 1];
  const tuple = [parsed.major, parsed.minor, parsed.patch];
  return compare(tuple, low) >= 0 && compare(tuple, high) < 0;
}
