// One end-to-end session: the packaged extension installed into a fresh code-server, a copy of
// the test workspace, and Debian's Chromium driven by playwright-core. Everything it starts is
// recorded and ended by close(), also when a step fails half-way.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BROWSER_APT_PACKAGES,
  ensureAptPackages,
  ensureCodeServer,
  freePort,
  startCodeServer,
  stopProcessGroup,
} from '../../../scripts/code-server.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const e2eRoot = path.join(repoRoot, 'test', 'e2e');
export const CHROMIUM = process.env.NETPOL_CHROMIUM ?? '/usr/bin/chromium';

/** Chromium's flags on this closed network (no background connections, no sandbox as root). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** User settings for the test profile: nothing may take the focus or talk to the network. */
export const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'chat.commandCenter.enabled': false,
  'chat.disableAIFeatures': true,
  'files.autoSave': 'off',
  'editor.lightbulb.enabled': 'on',
  'editor.minimap.enabled': false,
  'window.commandCenter': false,
  'netpol.diagnostics.delay': 0,
};

export function log(message) {
  process.stderr.write(`[e2e] ${message}\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

export function copyDir(from, to) {
  fs.mkdirSync(to, { recursive: true });
  fs.cpSync(from, to, { recursive: true });
}

/**
 * Starts everything. `vsix` is a packaged extension to install; `extensionDevelopmentPath`
 * instead loads the extension from a folder (used by the in-host suite).
 */
export async function startSession({ vsix, artifacts, settings = {}, workspaceSource = path.join(e2eRoot, 'workspace'), installBrowser = true, viewport = { width: 1280, height: 800 } }) {
  const session = {
    tmp: fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-e2e-')),
    server: undefined,
    browser: undefined,
    page: undefined,
    consoleLines: [],
    closed: false,
  };
  session.workspace = path.join(session.tmp, 'policies');
  session.extensionsDir = path.join(session.tmp, 'extensions');
  session.userDataDir = path.join(session.tmp, 'user-data');
  // Where the in-host suite (test/e2e/vscode/suite) writes its results; the extension host
  // inherits code-server's environment.
  session.inHostResultsFile = path.join(session.tmp, 'in-host-results.json');
  session.close = () => closeSession(session, artifacts);
  try {
    const codeServer = ensureCodeServer({ log: (m) => log(`code-server: ${m}`) });
    session.entry = codeServer.entry;
    if (installBrowser) ensureAptPackages(BROWSER_APT_PACKAGES, { log });
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium`);

    copyDir(workspaceSource, session.workspace);
    if (vsix) {
      log(`installing ${path.basename(vsix)} into a fresh extensions folder`);
      const out = run(process.execPath, [session.entry, '--extensions-dir', session.extensionsDir, '--user-data-dir', session.userDataDir, '--install-extension', vsix], { cwd: session.tmp });
      if (!/successfully installed/i.test(out)) throw new Error(`--install-extension did not confirm:\n${out}`);
      const installed = fs.readdirSync(session.extensionsDir).filter((name) => name.startsWith('netpol-inspector.'));
      if (installed.length !== 1) throw new Error(`expected one netpol-inspector extension in ${session.extensionsDir}, found: ${installed.join(', ') || 'none'}`);
      session.extensionDir = path.join(session.extensionsDir, installed[0]);
    }

    const port = await freePort();
    session.server = await startCodeServer({
      entry: session.entry,
      workspace: session.workspace,
      extensionsDir: session.extensionsDir,
      userDataDir: session.userDataDir,
      port,
      settings: { ...USER_SETTINGS, ...settings },
      env: { NETPOL_IN_HOST_RESULTS: session.inHostResultsFile },
      log,
    });

    const { chromium } = await import('playwright-core');
    session.browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 60_000,
    });
    const context = await session.browser.newContext({ viewport, deviceScaleFactor: 1 });
    session.page = await context.newPage();
    session.page.setDefaultTimeout(30_000);
    session.page.on('console', (message) => session.consoleLines.push(`[${message.type()}] ${message.text()}`));
    session.page.on('pageerror', (error) => session.consoleLines.push(`[pageerror] ${error.stack ?? error.message}`));
    return session;
  } catch (error) {
    await session.close();
    throw error;
  }
}

/** Ends the browser and code-server (and its whole process group), and keeps their logs. */
export async function closeSession(session, artifacts) {
  if (session.closed) return;
  session.closed = true;
  if (session.browser) {
    const processHandle = session.browser.process?.();
    await Promise.race([session.browser.close().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (processHandle && processHandle.exitCode === null) {
      try {
        process.kill(processHandle.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  if (session.server) await stopProcessGroup(session.server.child);
  if (artifacts) {
    try {
      fs.mkdirSync(artifacts, { recursive: true });
      fs.writeFileSync(path.join(artifacts, 'code-server.log'), session.server?.output.join('') ?? '');
      fs.writeFileSync(path.join(artifacts, 'browser-console.log'), `${session.consoleLines.join('\n')}\n`);
      const logs = path.join(session.userDataDir, 'logs');
      if (fs.existsSync(logs)) fs.cpSync(logs, path.join(artifacts, 'vscode-logs'), { recursive: true });
    } catch (error) {
      log(`could not save logs: ${error.message}`);
    }
  }
  if (process.env.NETPOL_E2E_KEEP_TMP !== '1') fs.rmSync(session.tmp, { recursive: true, force: true });
}

/** The extension's log files (the "NetworkPolicy Inspector" output channel, the extension host). */
export function findLogFiles(root, predicate) {
  const found = [];
  const walk = (dir) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (predicate(full)) found.push(full);
    }
  };
  walk(root);
  return found;
}

/** PIDs of language servers started from `extensionDir` (dist/server.js), read from /proc. */
export function serverPids(extensionDir) {
  const needle = path.join(extensionDir, 'dist', 'server.js');
  const pids = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (cmdline.includes(needle)) pids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return pids.sort((a, b) => a - b);
}
