// The in-editor suite's entry point: the extension host (VS Code's, via @vscode/test-electron,
// or code-server's, via test/e2e/vscode/inCodeServer.mjs) calls run() after loading the
// extension under test. It runs the *.test.cjs files here with mocha and the `vscode` API.
//
// Results: each test is logged as "[netpol in-host] ok|FAIL <title>", and when
// NETPOL_IN_HOST_RESULTS names a file, written there as JSON for the runner that started us.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

async function run() {
  // mocha 12 is an ES module: import() works in every extension host, require() does not.
  const mod = await import('mocha');
  const Mocha = mod.Mocha ?? mod.default;
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  const filter = process.env.NETPOL_IN_HOST_GREP;
  if (filter) mocha.grep(filter);
  for (const file of fs.readdirSync(__dirname).filter((name) => name.endsWith('.test.cjs')).sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  await mocha.loadFilesAsync();

  const results = [];
  const started = Date.now();
  const failures = await new Promise((resolve) => {
    const runner = mocha.run((count) => resolve(count));
    runner.on('pass', (test) => {
      results.push({ name: test.fullTitle(), ok: true, ms: test.duration ?? 0 });
      console.log(`[netpol in-host] ok ${test.fullTitle()}`);
    });
    runner.on('fail', (test, error) => {
      results.push({ name: test.fullTitle(), ok: false, error: String(error && error.stack ? error.stack : error) });
      console.log(`[netpol in-host] FAIL ${test.fullTitle()}: ${error && error.stack ? error.stack : error}`);
    });
  });
  const out = process.env.NETPOL_IN_HOST_RESULTS;
  if (out) fs.writeFileSync(out, `${JSON.stringify({ results, failures, seconds: (Date.now() - started) / 1000 }, null, 2)}\n`);
  console.log(`[netpol in-host] ${results.filter((r) => r.ok).length} passed, ${failures} failed`);
  if (failures > 0) throw new Error(`${failures} in-host test(s) failed`);
}

module.exports = { run };
