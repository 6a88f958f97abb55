// Glob patterns as VS Code's `files.exclude` reads them, for the workspace index: matched
// against workspace-relative paths with `/` separators. `*` and `?` stay within one path
// segment; `**` as a whole segment spans any number of segments (none included); `{a,b}`
// offers alternatives (nested braces too); `[abc]`, `[a-z]` and `[!abc]` match one character.
// A pattern is anchored at the folder root: `*.yaml` matches only top-level files, while
// `**/*.yaml` matches at any depth. A pattern that matches a folder excludes everything in it.

export interface GlobOptions {
  ignoreCase?: boolean;
}

/** The regular expression for one pattern; undefined for an empty pattern. */
export function compileGlob(pattern: string, options: GlobOptions = {}): RegExp | undefined {
  let p = pattern.trim();
  if (process.platform === 'win32') p = p.replace(/\\/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  // `folder/` names a folder; a folder's match already covers what it contains.
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  if (p === '') return undefined;
  const body = new GlobCompiler(p).compile();
  return new RegExp(`^${body}$`, options.ignoreCase ? 'i' : '');
}

class GlobCompiler {
  private at = 0;

  constructor(private readonly p: string) {}

  compile(): string {
    return this.sequence(false);
  }

  /** Compiles until the end, or (inside braces) until an unnested `,` or `}`. */
  private sequence(inBraces: boolean): string {
    const p = this.p;
    let out = '';
    while (this.at < p.length) {
      const c = p[this.at];
      if (inBraces && (c === ',' || c === '}')) break;
      if (c === '*') {
        if (p[this.at + 1] === '*' && this.segmentStart(this.at) && this.segmentEnd(this.at + 2)) {
          this.at += 2;
          if (p[this.at] === '/') {
            // `**/`: any number of whole segments, none included.
            this.at++;
            out += '(?:[^/]*/)*';
          } else if (out.endsWith('/')) {
            // `dir/**` at the end: the folder itself or anything in it.
            out = `${out.slice(0, -1)}(?:/.*)?`;
          } else {
            out += '.*';
          }
          continue;
        }
        while (p[this.at] === '*') this.at++;
        out += '[^/]*';
        continue;
      }
      if (c === '?') {
        this.at++;
        out += '[^/]';
        continue;
      }
      if (c === '[') {
        const cls = this.characterClass();
        if (cls !== undefined) {
          out += cls;
          continue;
        }
        this.at++;
        out += '\\[';
        continue;
      }
      if (c === '{') {
        const alternatives = this.braces();
        if (alternatives !== undefined) {
          out += alternatives;
          continue;
        }
        this.at++;
        out += '\\{';
        continue;
      }
      if (c === '\\' && this.at + 1 < p.length) {
        out += escapeRegExp(p[this.at + 1]);
        this.at += 2;
        continue;
      }
      out += escapeRegExp(c);
      this.at++;
    }
    return out;
  }

  private segmentStart(i: number): boolean {
    const before = this.p[i - 1];
    return before === undefined || before === '/' || before === '{' || before === ',';
  }

  private segmentEnd(i: number): boolean {
    const after = this.p[i];
    return after === undefined || after === '/' || after === '}' || after === ',';
  }

  /** `{a,b,...}`; undefined (and the position unchanged) when the brace is not closed. */
  private braces(): string | undefined {
    const start = this.at;
    this.at++;
    const alternatives: string[] = [];
    for (;;) {
      alternatives.push(this.sequence(true));
      const c = this.p[this.at];
      if (c === ',') {
        this.at++;
        continue;
      }
      if (c === '}') {
        this.at++;
        return `(?:${alternatives.join('|')})`;
      }
      this.at = start;
      return undefined;
    }
  }

  /** `[abc]`, `[a-z]`, `[!abc]` or `[^abc]`; undefined (and the position unchanged) when not closed. */
  private characterClass(): string | undefined {
    const p = this.p;
    let i = this.at + 1;
    let negated = false;
    if (p[i] === '!' || p[i] === '^') {
      negated = true;
      i++;
    }
    let body = '';
    let first = true;
    for (; i < p.length; i++) {
      const c = p[i];
      if (c === ']' && !first) {
        this.at = i + 1;
        if (body === '') return undefined;
        return negated ? `[^/${body}]` : `[${body}]`;
      }
      first = false;
      if (c === '/') return undefined;
      if (c === '\\' || c === ']' || c === '[' || c === '^') body += `\\${c}`;
      else body += c;
    }
    return undefined;
  }
}

function escapeRegExp(c: string): string {
  return /[.*+?^${}()|[\]\\]/.test(c) ? `\\${c}` : c;
}

function isAbsolutePattern(pattern: string): boolean {
  return pattern.startsWith('/') || /^[A-Za-z]:[\\/]/.test(pattern);
}

/**
 * A set of exclude patterns for one workspace folder. Relative patterns are matched against
 * the path relative to the folder, absolute ones against the absolute path.
 */
export class PathFilter {
  private readonly relative: RegExp[] = [];
  private readonly absolute: RegExp[] = [];

  constructor(patterns: readonly string[], options: GlobOptions = { ignoreCase: process.platform === 'win32' }) {
    for (const pattern of patterns) {
      const compiled = compileGlob(pattern, options);
      if (!compiled) continue;
      (isAbsolutePattern(pattern.trim()) ? this.absolute : this.relative).push(compiled);
    }
  }

  get empty(): boolean {
    return this.relative.length === 0 && this.absolute.length === 0;
  }

  /** Whether this one path (a file or a folder) matches; `relative` uses `/` separators. */
  matches(relative: string, absolute?: string): boolean {
    if (this.relative.some((re) => re.test(relative))) return true;
    if (absolute !== undefined && this.absolute.length > 0) {
      const normalised = absolute.replace(/\\/g, '/');
      return this.absolute.some((re) => re.test(normalised));
    }
    return false;
  }

  /** Whether the path or any folder above it (within the workspace folder) matches. */
  excludes(relative: string, absolute?: string): boolean {
    if (this.empty) return false;
    const parts = relative.split('/');
    const absoluteParts = absolute?.replace(/\\/g, '/').split('/');
    for (let n = 1; n <= parts.length; n++) {
      const ancestor = parts.slice(0, n).join('/');
      const ancestorAbsolute = absoluteParts?.slice(0, absoluteParts.length - (parts.length - n)).join('/');
      if (this.matches(ancestor, ancestorAbsolute)) return true;
    }
    return false;
  }
}

/**
 * The patterns that `files.exclude` turns on: keys set to `true`. Entries with a `when`
 * condition (such as `{"when": "$(basename).ts"}`) are about generated siblings and are not
 * applied by the index.
 */
export function enabledPatterns(setting: unknown): string[] {
  if (!setting || typeof setting !== 'object' || Array.isArray(setting)) return [];
  return Object.entries(setting as Record<string, unknown>)
    .filter(([key, value]) => value === true && key.trim() !== '')
    .map(([key]) => key);
}
