import * as v8 from 'v8';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './netpolServer';
import { describeError } from './runSafe';

// `node dist/server.js --stdio` (or --node-ipc, --socket=N, as any LSP client passes).
if (!process.argv.some((arg) => arg === '--stdio' || arg === '--node-ipc' || arg.startsWith('--socket=') || arg.startsWith('--pipe='))) {
  process.stderr.write('NetworkPolicy Inspector language server.\nUsage: node dist/server.js --stdio\n');
  process.exit(2);
}

// V8 lets the old generation grow to about three times what survived the last full
// collection before it collects again. The views of a large open file survive (100 MB for
// 5,000 policies) and every keystroke leaves a few megabytes of analysis behind, so the
// resident set would swing between 250 and 500 MB. Growing by 30% keeps it near 250 MB, for
// more full collections: in a 5 MB file one comes every few keystrokes (each makes a new copy
// of the text), and its marking steps add about 10 ms to the keystroke p95 (README,
// Performance). A flag the user passes (NODE_OPTIONS or the client's execArgv) wins.
if (![...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => /heap[-_]growing[-_]percent/.test(arg))) {
  v8.setFlagsFromString('--heap-growing-percent=30');
}

const connection = createConnection(ProposedFeatures.all);

// With --stdio, stdout carries the protocol: anything printed must go to the client's log.
console.log = (...args: unknown[]) => connection.console.log(args.map(String).join(' '));
console.info = (...args: unknown[]) => connection.console.info(args.map(String).join(' '));
console.warn = (...args: unknown[]) => connection.console.warn(args.map(String).join(' '));
console.error = (...args: unknown[]) => connection.console.error(args.map(String).join(' '));

process.on('unhandledRejection', (reason) => connection.console.error(`Unhandled rejection: ${describeError(reason)}`));
process.on('uncaughtException', (error) => connection.console.error(`Uncaught exception: ${describeError(error)}`));

startServer(connection);
