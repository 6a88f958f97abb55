// Runs the in-host mocha suite (test/e2e/vscode/suite/) inside code-server's extension host:
// the same suite that `npm run test:vscode` runs in desktop VS Code with @vscode/test-electron,
// for machines that cannot download VS Code.
//
// How: VS Code's web workbench reads a `payload` query parameter with extensionDevelopmentPath
// and extensionTestsPath (as `code serve-web` uses for extension development). Opened with
// them, the window's extension host (on the code-server side, a real Node.js extension host)
// loads the extension from that folder and calls the suite's run(). When run() settles, the
// workbench calls window.codeAutomationExit(code), which this runner provides through
// playwright, as @vscode/test-web does.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyDir, e2eRoot } from '../lib/session.mjs';

export const SUITE = path.join(e2eRoot, 'vscode', 'suite', 'index.cjs');

function remoteUri(authority, file) {
  return `vscode-remote://${authority}${file.split(path.sep).map(encodeURIComponent).join('/')}`;
}

/**
 * Opens a second window of the running code-server with the test payload and waits for the
 * suite to finish. Returns one result per mocha test (or one failure when the suite could not
 * run at all).
 */
export async function runInHostSuite({ session, log, shots, extensionDevelopmentPath = session.extensionDir, timeoutMs = 300_000 }) {
  const started = Date.now();
  const workspace = path.join(session.tmp, 'in-host-workspace');
  copyDir(path.join(e2eRoot, 'workspace'), workspace);
  const resultsFile = session.inHostResultsFile;
  fs.rmSync(resultsFile, { force: true });

  const context = session.page.context();
  const page = await context.newPage();
  const lines = [];
  page.on('console', (message) => {
    const text = message.text();
    if (text.includes('[netpol in-host]')) {
      const line = text.slice(text.indexOf('[netpol in-host]'));
      lines.push(line);
      log(line.length > 300 ? `${line.slice(0, 300)}…` : line);
    }
  });
  let exit;
  const exited = new Promise((resolve) => {
    exit = resolve;
  });
  await page.exposeFunction('codeAutomationExit', (code) => exit(code));
  await page.exposeFunction('codeAutomationLog', () => {});

  const authority = new URL(session.server.url).host;
  const payload = [
    ['extensionDevelopmentPath', remoteUri(authority, extensionDevelopmentPath)],
    ['extensionTestsPath', remoteUri(authority, SUITE)],
  ];
  const url = `${session.server.url}?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  log('in-host suite: opening a test window of code-server (extension host runs test/e2e/vscode/suite)');
  let code;
  try {
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), timeoutMs))]);
    if (shots) await shots.take(page, 'in-host-suite').catch(() => {});
  } finally {
    await page.close().catch(() => {});
  }

  const seconds = (Date.now() - started) / 1000;
  if (!fs.existsSync(resultsFile)) {
    const why = code === 'timeout' ? `did not finish within ${timeoutMs / 1000} s` : `ended (exit code ${code}) without results`;
    return [{ name: 'in-host suite (code-server extension host)', ok: false, attempts: 1, seconds, error: new Error(`The in-host suite ${why}.\n${lines.join('\n')}`) }];
  }
  const report = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  log(`in-host suite: ${report.results.filter((r) => r.ok).length} passed, ${report.failures} failed in ${seconds.toFixed(1)} s (exit code ${code})`);
  return report.results.map((r) => ({ name: `in-host: ${r.name}`, ok: r.ok, attempts: 1, seconds: (r.ms ?? 0) / 1000, error: r.ok ? undefined : new Error(r.error) }));
}
