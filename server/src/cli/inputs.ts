import * as fs from 'fs';
import * as path from 'path';

/** One input text, named as the user should see it. */
export interface InputFile {
  /** The path as given or found by walking (relative when the user gave a relative path); `-` for stdin. */
  path: string;
  text: string;
}

export interface InputProblem {
  path: string;
  reason: string;
}

export interface Inputs {
  files: InputFile[];
  problems: InputProblem[];
}

const YAML_FILE = /\.ya?ml$/i;
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git']);

export interface InputReader {
  readStdin(): Promise<string>;
}

export const processStdin: InputReader = {
  readStdin: () =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
      process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      process.stdin.on('error', reject);
    }),
};

/**
 * Collects the texts named on the command line: files as given, directories walked for
 * `*.yaml`/`*.yml` (sorted, symbolic-link loops skipped), `-` for standard input. A path that
 * cannot be read becomes a problem and the rest are still read.
 */
export async function readInputs(paths: readonly string[], reader: InputReader = processStdin, cwd = process.cwd()): Promise<Inputs> {
  const files: InputFile[] = [];
  const problems: InputProblem[] = [];
  let stdinRead = false;
  for (const given of paths) {
    if (given === '-') {
      if (stdinRead) continue;
      stdinRead = true;
      try {
        files.push({ path: '-', text: stripBom(await reader.readStdin()) });
      } catch (error) {
        problems.push({ path: '-', reason: reasonOf(error) });
      }
      continue;
    }
    let stat: fs.Stats;
    try {
      stat = fs.statSync(path.resolve(cwd, given));
    } catch (error) {
      problems.push({ path: given, reason: reasonOf(error) });
      continue;
    }
    if (stat.isDirectory()) {
      walk(given, files, problems, new Set(), cwd);
    } else {
      readOne(given, files, problems, cwd);
    }
  }
  return { files, problems };
}

function walk(dir: string, files: InputFile[], problems: InputProblem[], visited: Set<string>, cwd: string): void {
  let real: string;
  try {
    real = fs.realpathSync(path.resolve(cwd, dir));
  } catch (error) {
    problems.push({ path: dir, reason: reasonOf(error) });
    return;
  }
  if (visited.has(real)) return;
  visited.add(real);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.resolve(cwd, dir), { withFileTypes: true });
  } catch (error) {
    problems.push({ path: dir, reason: reasonOf(error) });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const target = fs.statSync(path.resolve(cwd, full));
        isDirectory = target.isDirectory();
        isFile = target.isFile();
      } catch (error) {
        if (YAML_FILE.test(entry.name)) problems.push({ path: full, reason: reasonOf(error) });
        continue;
      }
    }
    if (isDirectory) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) walk(full, files, problems, visited, cwd);
    } else if (isFile && YAML_FILE.test(entry.name)) {
      readOne(full, files, problems, cwd);
    }
  }
}

function readOne(file: string, files: InputFile[], problems: InputProblem[], cwd: string): void {
  try {
    files.push({ path: file, text: stripBom(fs.readFileSync(path.resolve(cwd, file), 'utf8')) });
  } catch (error) {
    problems.push({ path: file, reason: reasonOf(error) });
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function reasonOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return e?.message ?? String(error);
  }
}
