import { CliIo, UsageError } from './args';
import { checkUsage, runCheck } from './commands/check';
import { checksUsage, runChecks } from './commands/checks';
import { explainUsage, runExplain } from './commands/explain';
import { matrixUsage, runMatrix } from './commands/matrix';
import { reachUsage, runReach } from './commands/reach';
import { processStdin } from './inputs';

const VERSION = '0.1.0';

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

const commands: Record<string, { run: Command; summary: string }> = {
  check: { run: runCheck, summary: 'validate manifests as the API server would, and more' },
  explain: { run: runExplain, summary: 'say in words what each policy selects, isolates and allows' },
  reach: { run: runReach, summary: 'whether one connection is allowed, and which rules decide it' },
  matrix: { run: runMatrix, summary: 'who can reach whom: every pair of pods, per port and protocol' },
  checks: { run: runChecks, summary: 'a script of kubectl commands that test the flows a policy allows' },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`);
  return `netpol ${VERSION}: NetworkPolicy Inspector on the command line.

Usage: netpol <command> [options] [FILE|DIR|-]...

Commands:
${lines.join('\n')}

Run 'netpol <command> --help' for a command's options.

${checkUsage}

${explainUsage}

${reachUsage}

${matrixUsage}

${checksUsage}
`;
}

/** Runs the CLI and returns its exit status; `io` makes it testable in-process. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    io.stderr(`netpol: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`netpol ${name}: ${error.message}\nRun 'netpol ${name} --help' for usage.\n`);
      return 2;
    }
    io.stderr(`netpol ${name}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 2;
  }
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stdoutBytes: (bytes) => {
    process.stdout.write(bytes);
    // A write that went out at once (a file; a pipe with room) leaves nothing queued; else the stream keeps the bytes.
    return process.stdout.writableLength === 0;
  },
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  readStdin: processStdin.readStdin,
};

export function registerCommand(name: string, run: Command, summary: string): void {
  commands[name] = { run, summary };
}

if (require.main === module) {
  main(process.argv.slice(2), processIo).then(
    (code) => {
      // Let buffered output reach a pipe before exiting.
      process.stdout.write('', () => process.exit(code));
    },
    (error) => {
      process.stderr.write(`netpol: ${String(error)}\n`);
      process.exit(2);
    },
  );
}
