#!/usr/bin/env node
// npm run test:cluster: builds kube-apiserver and etcd if the cache lacks them (build.mjs),
// builds dist/ (the oracle runs the CLI), starts one cluster, and runs every cluster test
// with mocha in this process, so each test file's startCluster() gets that one cluster
// (its stop() is then a no-op; pass { fresh: true } for a cluster of one's own).
//
// Test files: test/cluster/**/*.test.{mjs,js,cjs}, and out/test/cluster/**/*.test.js when
// TypeScript cluster tests are compiled there by tsc -p tsconfig.test.json (run when
// test/cluster holds *.test.ts files).
//
// Usage: node test/cluster/run.mjs [--no-build] [--grep PATTERN] [FILE...]
// Exit status: 0 when every test passed, 1 otherwise.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { ensureBinaries } from './build.mjs';
import { setSharedCluster, startCluster } from './harness.mjs';

import Mocha from 'mocha';

const require = createRequire(import.meta.url);

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

function walk(dir, pattern, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'apiserver' && entry.name !== 'etcd') walk(full, pattern, out);
    } else if (pattern.test(entry.name)) out.push(full);
  }
  return out.sort();
}

function step(command, args) {
  const result = spawnSync(command, args, { cwd: repo, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`test:cluster: ${command} ${args.join(' ')} failed\n`);
    process.exit(1);
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const noBuild = argv.includes('--no-build');
  const grepAt = argv.indexOf('--grep');
  const grep = grepAt >= 0 ? argv[grepAt + 1] : undefined;
  const explicit = argv.filter((a, i) => !a.startsWith('--') && !(grepAt >= 0 && i === grepAt + 1)).map((f) => path.resolve(f));

  let started = Date.now();
  const binaries = await ensureBinaries({ quiet: false });
  process.stdout.write(`test:cluster: kube-apiserver ${binaries.versions['kube-apiserver']}, etcd ${binaries.versions.etcd} (${binaries.built ? 'built' : 'cached'}, ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);

  if (!noBuild) {
    step(process.execPath, ['esbuild.mjs']);
    if (walk(here, /\.test\.ts$/).length > 0) step(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.test.json']);
  }

  const files = explicit.length > 0
    ? explicit
    : [...walk(here, /\.test\.(mjs|cjs|js)$/), ...walk(path.join(repo, 'out', 'test', 'cluster'), /\.test\.js$/)];
  if (files.length === 0) {
    process.stderr.write('test:cluster: no test files found\n');
    process.exit(1);
  }

  started = Date.now();
  const cluster = await startCluster({ fresh: true });
  process.stdout.write(`test:cluster: API server at ${cluster.url} ready in ${((Date.now() - started) / 1000).toFixed(1)} s (logs in ${cluster.tmpDir})\n`);
  setSharedCluster(cluster);

  let failures = 1;
  try {
    const mocha = new Mocha({
      timeout: 180000,
      reporter: path.join(repo, 'test', 'reporter.js'),
      ...(grep ? { grep } : {}),
    });
    for (const file of files) mocha.addFile(file);
    await mocha.loadFilesAsync();
    failures = await new Promise((resolve) => mocha.run(resolve));
  } finally {
    setSharedCluster(undefined);
    await cluster.stop();
  }
  process.exit(failures > 0 ? 1 : 0);
}

main().catch((error) => {
  process.stderr.write(`test:cluster: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
