#!/usr/bin/env node
// npm run test:e2e: the extension in the real VS Code workbench.
//
// Packages the .vsix, installs it into a fresh code-server (installed on first use into
// .cache/code-server/), opens a copy of test/e2e/workspace/ and drives Debian's Chromium with
// playwright-core as a person would (tests in test/e2e/tests/, in file-name order). Then runs
// the in-host mocha suite (test/e2e/vscode/suite/) inside code-server's extension host.
// Screenshots and logs go to test-results/e2e/.
//
//   node test/e2e/run.mjs [--grep TEXT] [--no-package] [--update-screenshots] [--no-in-host]
//
//   --grep TEXT            only the tests whose name contains TEXT
//   --no-package           reuse test-results/netpol-inspector.vsix from the last run
//   --update-screenshots   copy the README screenshots to media/screenshots/
//   --no-in-host           skip the in-host suite
//
// Environment: NETPOL_CODE_SERVER_CACHE (see scripts/code-server.mjs), NETPOL_E2E_KEEP_TMP=1
// keeps the temporary workspace, profile and extensions folders.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildVsix } from '../../scripts/package.mjs';
import { runTests, Screenshots, summary } from './lib/runner.mjs';
import { e2eRoot, findLogFiles, log, repoRoot, serverPids, startSession } from './lib/session.mjs';
import { Workbench } from './lib/workbench.mjs';
import { runInHostSuite } from './vscode/inCodeServer.mjs';

const args = process.argv.slice(2);
const option = (name) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
};
const grep = option('--grep');
const artifacts = path.join(repoRoot, 'test-results', 'e2e');

let session;
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${signal}: stopping code-server and Chromium`);
    await session?.close().catch(() => {});
    process.exit(130);
  });
}

async function loadTests() {
  const dir = path.join(e2eRoot, 'tests');
  const tests = [];
  for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.mjs')).sort()) {
    const module = await import(path.join(dir, file));
    for (const test of module.default) tests.push({ ...test, file });
  }
  return grep ? tests.filter((test) => test.name.includes(grep)) : tests;
}

/**
 * `netpol check --format json` from the installed extension, run on the whole workspace folder
 * (the CLI, like the server, judges a policy with the other files' pods and policies), as
 * 1-based Problems-panel rows for `file`.
 */
function cliDiagnostics(cliPath, workspace, file) {
  const run = (extra) => spawnSync(process.execPath, [cliPath, 'check', '--format', 'json', ...extra, workspace], { encoding: 'utf8', cwd: workspace });
  let result = run(['--severity', 'information']);
  if (result.status === 2) result = run([]); // a CLI without --severity
  if (result.status === 2 || !result.stdout) throw new Error(`netpol check failed: ${result.stderr}`);
  const report = JSON.parse(result.stdout);
  const severities = { error: 'error', warning: 'warning', information: 'info', info: 'info', hint: 'hint' };
  return report.files
    .filter((f) => path.resolve(workspace, f.path) === path.resolve(workspace, file))
    .flatMap((f) => f.diagnostics)
    .map((d) => ({ line: d.range.start.line + 1, column: d.range.start.character + 1, code: d.code, message: d.message, severity: severities[d.severity] ?? d.severity }))
    .filter((d) => d.severity !== 'hint'); // the Problems panel does not list hints
}

async function main() {
  const started = Date.now();
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  const tests = await loadTests();
  const vsix = path.join(artifacts, 'netpol-inspector.vsix');
  if (args.includes('--no-package')) {
    const previous = path.join(repoRoot, 'test-results', 'netpol-inspector.vsix');
    if (!fs.existsSync(previous)) throw new Error('--no-package: no test-results/netpol-inspector.vsix from an earlier run');
    fs.copyFileSync(previous, vsix);
  } else {
    await buildVsix({ out: vsix, log: (m) => (m.startsWith('  ') ? undefined : log(m)) });
    fs.copyFileSync(vsix, path.join(repoRoot, 'test-results', 'netpol-inspector.vsix'));
  }

  const setupStarted = Date.now();
  session = await startSession({ vsix, artifacts });
  const wb = new Workbench(session.page);
  await wb.open(session.server.url);
  log(`workbench ready in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s (code-server, Chromium, the page)`);

  const shots = new Screenshots(artifacts);
  const cliPath = path.join(session.extensionDir, 'dist', 'cli.js');
  const results = await runTests(tests, {
    log,
    makeContext: (test) => ({
      wb,
      page: session.page,
      session,
      shot: (label, options) => shots.take(session.page, `${test.file.replace(/\.mjs$/, '')}-${label}`, options),
      workspaceFile: (name) => path.join(session.workspace, name),
      // Puts a workspace file back as test/e2e/workspace has it (call it while it is closed).
      resetFile: (name) => fs.copyFileSync(path.join(e2eRoot, 'workspace', name), path.join(session.workspace, name)),
      expectedText: (name) => fs.readFileSync(path.join(e2eRoot, 'expected', name), 'utf8'),
      cli: (name) => cliDiagnostics(cliPath, session.workspace, name),
      serverPids: () => serverPids(session.extensionDir),
    }),
    beforeEach: async () => {
      await wb.dismissNotifications();
      await wb.closeAllEditors();
    },
    afterFailure: async (test, context) => {
      await shots.take(session.page, `${test.file.replace(/\.mjs$/, '')}-FAILED`).catch(() => {});
      await wb.press('Escape');
      await wb.press('Escape');
    },
  });

  if (!args.includes('--no-in-host') && !grep) {
    const inHost = await runInHostSuite({ session, artifacts, log, shots });
    results.push(...inHost);
  }

  const report = summary(results);
  const failed = report.failed > 0;
  if (failed) printLogs();
  if (args.includes('--update-screenshots') && !failed) {
    const copied = shots.copyForReadme(path.join(repoRoot, 'media', 'screenshots'));
    log(`README screenshots updated: ${copied.map((f) => path.relative(repoRoot, f)).join(', ')}`);
  }
  await session.close();
  log(`screenshots and logs: ${path.relative(process.cwd(), artifacts) || artifacts}; total ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.stdout.write(`\nNetworkPolicy Inspector end-to-end tests (code-server, Chromium):\n${report.text}\n`);
  return failed ? 1 : 0;
}

/** On failure: the code-server log, the extension host log and the extension's output channel. */
function printLogs() {
  const out = (title, text) => process.stderr.write(`\n===== ${title} =====\n${text.length > 20_000 ? `…${text.slice(-20_000)}` : text}\n`);
  if (session?.server) out('code-server log', session.server.output.join(''));
  const logs = path.join(session?.userDataDir ?? '', 'logs');
  for (const file of findLogFiles(logs, (f) => /exthost\.log$|NetworkPolicy Inspector\.log$|remoteagent\.log$/.test(f))) {
    out(path.relative(logs, file), fs.readFileSync(file, 'utf8'));
  }
  if (session?.consoleLines.length) out('browser console (errors)', session.consoleLines.filter((l) => /^\[(error|pageerror)\]/.test(l)).slice(-50).join('\n'));
}

main().then(
  (code) => process.exit(code),
  async (error) => {
    process.stderr.write(`\n${error?.stack ?? error}\n`);
    printLogs();
    await session?.close().catch(() => {});
    process.stdout.write('\n0 passed, 1 failed\n');
    process.exit(1);
  },
);
