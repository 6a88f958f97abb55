#!/usr/bin/env node
// Builds the .vsix: a production (minified) esbuild bundle, then @vscode/vsce with the
// .vscodeignore allowlist. Everything the extension runs is bundled into dist/, so no
// node_modules are packaged (dependencies: false).
//
//   node scripts/package.mjs [--out FILE.vsix] [--no-build]
//
// Prints the path of the .vsix on the last line of stdout.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The files a .vsix must hold, and patterns it must not. */
const REQUIRED = ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/client-main.js', 'extension/dist/server.js', 'extension/dist/cli.js', 'extension/dist/cluster.js', 'extension/media/icon.png', 'extension/LICENSE.txt', 'extension/CHANGELOG.md', 'extension/THIRD_PARTY_NOTICES.md'];
const FORBIDDEN = [/\/node_modules\//, /\.map$/, /\.ts$/, /^extension\/(client|server|test|scripts|out|examples)\//];

export async function buildVsix({ out, build = true, log = (m) => process.stderr.write(`[package] ${m}\n`) } = {}) {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const packagePath = path.resolve(out ?? path.join(repoRoot, `${manifest.name}-${manifest.version}.vsix`));
  if (build) {
    log('node esbuild.mjs --production');
    const result = spawnSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: repoRoot, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`esbuild failed (${result.status ?? result.signal})`);
    // The production bundle has no source maps: the ones left by a development build describe
    // other code, and would only make the .vsix larger.
    for (const name of fs.readdirSync(path.join(repoRoot, 'dist'))) {
      if (name.endsWith('.map')) fs.rmSync(path.join(repoRoot, 'dist', name));
    }
  }
  for (const file of ['dist/extension.js', 'dist/client-main.js', 'dist/server.js', 'dist/cli.js', 'dist/cluster.js']) {
    if (!fs.existsSync(path.join(repoRoot, file))) throw new Error(`${file} is missing: run npm run build`);
  }
  fs.mkdirSync(path.dirname(packagePath), { recursive: true });
  const { createVSIX } = await import('@vscode/vsce');
  const previousCwd = process.cwd();
  process.chdir(repoRoot);
  try {
    await createVSIX({
      cwd: repoRoot,
      packagePath,
      // Bundled by esbuild: nothing from node_modules is needed at run time.
      dependencies: false,
      // Keep README links relative (media/screenshots/...): VS Code shows the README from the
      // installed extension, where media/ is. No public repository to point them at yet.
      rewriteRelativeLinks: false,
      allowMissingRepository: !manifest.repository,
    });
  } finally {
    process.chdir(previousCwd);
  }
  const entries = listZip(packagePath);
  const lower = entries.map((name) => name.toLowerCase());
  const missing = REQUIRED.filter((name) => !lower.includes(name.toLowerCase()));
  if (!lower.includes('extension/readme.md')) log('warning: no README.md yet: the Extensions view will show an empty details page');
  const forbidden = entries.filter((name) => FORBIDDEN.some((pattern) => pattern.test(name)));
  if (missing.length || forbidden.length) {
    throw new Error(`${path.basename(packagePath)} is wrong:${missing.length ? `\n  missing: ${missing.join(', ')}` : ''}${forbidden.length ? `\n  must not contain: ${forbidden.join(', ')}` : ''}`);
  }
  const size = fs.statSync(packagePath).size;
  log(`${path.relative(previousCwd, packagePath)}: ${entries.length} files, ${(size / 1024).toFixed(0)} KiB`);
  for (const name of entries) log(`  ${name}`);
  return packagePath;
}

/** The names in a zip file's central directory (enough to check a .vsix without unzip). */
export function listZip(file) {
  const data = fs.readFileSync(file);
  const end = data.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error(`${file} is not a zip file`);
  const count = data.readUInt16LE(end + 10);
  let offset = data.readUInt32LE(end + 16);
  const names = [];
  for (let i = 0; i < count; i++) {
    if (data.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${file}: bad central directory`);
    const nameLength = data.readUInt16LE(offset + 28);
    const extraLength = data.readUInt16LE(offset + 30);
    const commentLength = data.readUInt16LE(offset + 32);
    names.push(data.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  buildVsix({ out: outIndex >= 0 ? args[outIndex + 1] : undefined, build: !args.includes('--no-build') }).then(
    (file) => process.stdout.write(`${file}\n`),
    (error) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
