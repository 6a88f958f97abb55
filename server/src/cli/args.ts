import type { InputReader } from './inputs';

/** What a command may use of the outside world, so that tests can run commands in-process. */
export interface CliIo extends InputReader {
  stdout(text: string): void;
  /**
   * UTF-8 bytes for standard output, for commands that write a lot (the matrix); without it
   * they are decoded and given to `stdout`. Returns true when the bytes are already out and
   * their buffer may be reused.
   */
  stdoutBytes?(bytes: Uint8Array): boolean | void;
  stderr(text: string): void;
  cwd: string;
}

export class UsageError extends Error {}

export interface ParsedArgs {
  positional: string[];
  flags: Set<string>;
  value(name: string): string | undefined;
  values(name: string): string[];
}

/**
 * A small GNU-style parser: `--name value`, `--name=value`, boolean `--flag`, `--` ends
 * options, and `-` is a positional (standard input). Unknown options are usage errors.
 */
export function parseArgs(argv: readonly string[], spec: { values: readonly string[]; flags: readonly string[] }): ParsedArgs {
  const positional: string[] = [];
  const flags = new Set<string>();
  const values = new Map<string, string[]>();
  let i = 0;
  let optionsEnded = false;
  while (i < argv.length) {
    const arg = argv[i++];
    if (optionsEnded || arg === '-' || !arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    if (arg === '--') {
      optionsEnded = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = (eq >= 0 ? arg.slice(0, eq) : arg).replace(/^--?/, '');
    if (name === 'h') {
      flags.add('help');
      continue;
    }
    if (spec.flags.includes(name)) {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      flags.add(name);
      continue;
    }
    if (spec.values.includes(name)) {
      let value: string | undefined;
      if (eq >= 0) value = arg.slice(eq + 1);
      else if (i < argv.length) value = argv[i++];
      if (value === undefined) throw new UsageError(`option --${name} needs a value`);
      const list = values.get(name) ?? [];
      list.push(value);
      values.set(name, list);
      continue;
    }
    throw new UsageError(`unknown option ${arg}`);
  }
  return {
    positional,
    flags,
    value: (name) => {
      const list = values.get(name);
      return list ? list[list.length - 1] : undefined;
    },
    values: (name) => values.get(name) ?? [],
  };
}
