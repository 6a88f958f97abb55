#!/usr/bin/env node
// npm run test:vscode: the in-editor suite (test/e2e/vscode/suite/, mocha inside the extension
// host, using the `vscode` API).
//
//   node test/e2e/vscode/runTest.mjs               desktop VS Code via @vscode/test-electron
//                                                  (downloads VS Code into .vscode-test/)
//   node test/e2e/vscode/runTest.mjs --code-server the same suite in code-server's extension
//                                                  host (no download; what CI runs, also as
//                                                  part of npm run test:e2e)
//
// Environment:
//   NETPOL_VSCODE_VERSION       VS Code version for test-electron (default: the oldest one we
//                               support, from engines.vscode, as code-server carries it)
//   NETPOL_VSCODE_EXECUTABLE    use this VS Code (Electron) binary instead of downloading one
//   NETPOL_SKIP_VSCODE_TESTS=1  when VS Code cannot be downloaded, skip (exit 0) instead of failing

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VSCODE_VERSION } from '../../../scripts/code-server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..', '..');
const suite = path.join(here, 'suite', 'index.cjs');
const args = process.argv.slice(2);

function build() {
  const result = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed');
}

function prepareProfile() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-vscode-test-'));
  const workspace = path.join(tmp, 'workspace');
  fs.cpSync(path.join(repoRoot, 'test', 'e2e', 'workspace'), workspace, { recursive: true });
  const userDataDir = path.join(tmp, 'user-data');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    `${JSON.stringify({ 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, 'extensions.ignoreRecommendations': true, 'netpol.diagnostics.delay': 0 }, null, 2)}\n`,
  );
  return { tmp, workspace, userDataDir, results: path.join(tmp, 'results.json') };
}

function report(resultsFile) {
  if (!fs.existsSync(resultsFile)) return undefined;
  const { results, failures } = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  for (const r of results) console.log(`  ${r.ok ? '✓' : '✗'} ${r.name}${r.ok ? '' : `\n      ${r.error.split('\n').join('\n      ')}`}`);
  console.log(`\n${results.length - failures} passed, ${failures} failed`);
  return failures;
}

async function inCodeServer() {
  const { startSession, log } = await import('../lib/session.mjs');
  const { runInHostSuite } = await import('./inCodeServer.mjs');
  const { buildVsix } = await import('../../../scripts/package.mjs');
  const artifacts = path.join(repoRoot, 'test-results', 'vscode');
  fs.rmSync(artifacts, { recursive: true, force: true });
  const vsix = await buildVsix({ out: path.join(artifacts, 'netpol-inspector.vsix'), log: (m) => (m.startsWith('  ') ? undefined : log(m)) });
  const session = await startSession({ vsix, artifacts });
  let results;
  try {
    results = await runInHostSuite({ session, log });
  } finally {
    await session.close();
  }
  const failed = results.filter((r) => !r.ok);
  for (const r of results) console.log(`  ${r.ok ? '✓' : '✗'} ${r.name}${r.ok ? '' : `\n      ${String(r.error?.message).split('\n').join('\n      ')}`}`);
  console.log(`\n${results.length - failed.length} passed, ${failed.length} failed`);
  return failed.length ? 1 : 0;
}

async function inDesktopVsCode() {
  build();
  const { runTests, downloadAndUnzipVSCode } = await import('@vscode/test-electron');
  const version = process.env.NETPOL_VSCODE_VERSION ?? VSCODE_VERSION;
  let vscodeExecutablePath = process.env.NETPOL_VSCODE_EXECUTABLE;
  if (!vscodeExecutablePath) {
    try {
      vscodeExecutablePath = await downloadAndUnzipVSCode({ version, cachePath: path.join(repoRoot, '.vscode-test'), timeout: 30_000 });
    } catch (error) {
      const skip = process.env.NETPOL_SKIP_VSCODE_TESTS === '1';
      console.error(
        [
          '',
          `test:vscode: could not download VS Code ${version} for @vscode/test-electron:`,
          `  ${String(error?.message ?? error).split('\n')[0]}`,
          '',
          'This machine cannot download VS Code (only package registries are reachable).',
          'The same in-editor suite runs in code-server\'s extension host instead:',
          '  npm run test:vscode -- --code-server     (only the in-host suite)',
          '  npm run test:e2e                         (browser tests + the in-host suite; what CI runs)',
          'Or point NETPOL_VSCODE_EXECUTABLE at an installed VS Code binary.',
          skip ? 'NETPOL_SKIP_VSCODE_TESTS=1: skipping.' : 'Set NETPOL_SKIP_VSCODE_TESTS=1 to skip this step instead of failing.',
          '',
        ].join('\n'),
      );
      return skip ? 0 : 1;
    }
  }
  const profile = prepareProfile();
  try {
    const code = await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: suite,
      extensionTestsEnv: { NETPOL_IN_HOST_RESULTS: profile.results },
      launchArgs: [profile.workspace, '--disable-extensions', '--skip-welcome', '--skip-release-notes', '--user-data-dir', profile.userDataDir],
    }).catch((error) => {
      console.error(`VS Code ended with an error: ${error?.message ?? error}`);
      return 1;
    });
    const failures = report(profile.results);
    if (failures === undefined) {
      console.error('The suite wrote no results (did VS Code start? On Linux without a display, run it under xvfb-run).');
      return 1;
    }
    return code === 0 && failures === 0 ? 0 : 1;
  } finally {
    fs.rmSync(profile.tmp, { recursive: true, force: true });
  }
}

const main = args.includes('--code-server') ? inCodeServer : inDesktopVsCode;
main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error?.stack ?? error);
    process.exit(1);
  },
);
