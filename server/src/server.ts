import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './netpolServer';
import { describeError } from './runSafe';

// `node dist/server.js --stdio` (or --node-ipc, --socket=N, as any LSP client passes).
if (!process.argv.some((arg) => arg === '--stdio' || arg === '--node-ipc' || arg.startsWith('--socket=') || arg.startsWith('--pipe='))) {
  process.stderr.write('NetworkPolicy Inspector language server.\nUsage: node dist/server.js --stdio\n');
  process.exit(2);
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
