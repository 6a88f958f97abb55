#!/usr/bin/env node
// npm start: opens the real editor on examples/ with the extension loaded from this folder.
//
//   - VS Code, when `code` is on the PATH:
//       code --extensionDevelopmentPath=<repo> examples
//   - otherwise code-server (installed on first use into .cache/code-server/), on 127.0.0.1,
//     printing the URL to open. That URL carries the same extensionDevelopmentPath, so the
//     window loads dist/ from this folder: after `npm run watch` rebuilds, run
//     "Developer: Reload Window" to pick up the change.
//
//   node scripts/start.mjs [FOLDER] [--code-server] [--port N]
//
// Environment: NETPOL_PORT (default 8080, or a free port when 8080 is taken),
// NETPOL_START_EDITOR=code|code-server to choose. `npm run check:examples` is the CLI check.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureCodeServer, freePort, repoRoot, startCodeServer, stopProcessGroup } from './code-server.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
};
const positional = args.filter((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--port');
const folder = path.resolve(positional[0] ?? path.join(repoRoot, 'examples'));

function log(message) {
  process.stderr.write(`[start] ${message}\n`);
}

function which(name) {
  const result = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function build() {
  log('building dist/ (node esbuild.mjs)');
  const result = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the build failed');
}

async function portToUse() {
  const wanted = Number(value('--port') ?? process.env.NETPOL_PORT ?? 8080);
  const net = await import('node:net');
  const free = await new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(wanted, '127.0.0.1', () => server.close(() => resolve(true)));
  });
  if (free) return wanted;
  const other = await freePort();
  log(`port ${wanted} is taken: using ${other}`);
  return other;
}

function inVsCode(code) {
  log(`${code} --extensionDevelopmentPath=${repoRoot} ${path.relative(process.cwd(), folder) || '.'}`);
  const child = spawn(code, [`--extensionDevelopmentPath=${repoRoot}`, folder], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (status) => resolve(status ?? 1)));
}

async function inCodeServer() {
  const { entry } = ensureCodeServer({ log: (m) => log(m) });
  const state = path.join(repoRoot, '.cache', 'start');
  const userDataDir = path.join(state, 'user-data');
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  // First start only: later, the settings are the user's own.
  const settings = fs.existsSync(settingsFile)
    ? JSON.parse(fs.readFileSync(settingsFile, 'utf8'))
    : {
        'workbench.startupEditor': 'none',
        'security.workspace.trust.enabled': false,
        'extensions.ignoreRecommendations': true,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
      };
  const port = await portToUse();
  const server = await startCodeServer({
    entry,
    workspace: folder,
    extensionsDir: path.join(state, 'extensions'),
    userDataDir,
    port,
    settings,
    log,
    inheritOutput: flag('--verbose'),
  });
  const authority = `127.0.0.1:${port}`;
  const remote = (file) => `vscode-remote://${authority}${file.split(path.sep).map(encodeURIComponent).join('/')}`;
  const payload = [['extensionDevelopmentPath', remote(repoRoot)]];
  const url = `${server.url}?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  process.stdout.write(
    [
      '',
      `code-server is running with NetworkPolicy Inspector loaded from ${repoRoot}.`,
      `Open this URL in a browser on this machine (or forward the port first: ssh -L ${port}:127.0.0.1:${port} HOST):`,
      '',
      `  ${url}`,
      '',
      'Open a NetworkPolicy YAML file to see squiggles and quick fixes. Ctrl+C stops code-server.',
      '',
    ].join('\n'),
  );
  await new Promise((resolve) => {
    const stop = async () => {
      log('stopping code-server');
      await stopProcessGroup(server.child);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    server.child.once('exit', (code) => {
      log(`code-server exited (${code})`);
      if (code !== 0) process.stderr.write(server.output.join(''));
      resolve();
    });
  });
  return 0;
}

async function main() {
  if (!fs.existsSync(folder)) throw new Error(`${folder} does not exist`);
  build();
  const choice = process.env.NETPOL_START_EDITOR ?? (flag('--code-server') ? 'code-server' : undefined);
  const code = choice === 'code-server' ? undefined : which('code');
  if (choice === 'code' && !code) throw new Error('NETPOL_START_EDITOR=code, but `code` is not on the PATH');
  return code ? inVsCode(code) : inCodeServer();
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
