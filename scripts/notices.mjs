// Writes THIRD_PARTY_NOTICES.md: every npm package bundled into dist/ (found from esbuild's
// metafile), with its version, licence and licence text. `--check` fails when the file is stale.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const entries = [
  { entryPoints: ['client/src/extension.ts'], external: ['vscode'] },
  { entryPoints: ['server/src/server.ts'] },
  { entryPoints: ['server/src/cluster/index.ts'] },
  { entryPoints: ['server/src/cli/main.ts'] },
];

export async function bundledPackages() {
  const packages = new Map();
  for (const entry of entries) {
    const result = await esbuild.build({ ...entry, absWorkingDir: root, bundle: true, platform: 'node', format: 'cjs', write: false, metafile: true, logLevel: 'silent', outdir: 'unused' });
    for (const input of Object.keys(result.metafile.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (!match) continue;
      const dir = input.slice(0, match.index + match[0].length);
      packages.set(match[1], path.join(root, dir));
    }
  }
  return [...packages.entries()].sort(([a], [b]) => a.localeCompare(b));
}

function licenceText(dir) {
  const name = fs.readdirSync(dir).find((n) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(n));
  return name ? fs.readFileSync(path.join(dir, name), 'utf8').trim() : undefined;
}

export async function renderNotices() {
  let text = '# Third-party notices\n\nThe bundles in `dist/` include these npm packages.\n';
  for (const [name, dir] of await bundledPackages()) {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const licence = typeof manifest.license === 'string' ? manifest.license : manifest.license?.type ?? 'see below';
    text += `\n## ${name} ${manifest.version}\n\nLicence: ${licence}\n`;
    const body = licenceText(dir);
    if (body) text += `\n\`\`\`\n${body}\n\`\`\`\n`;
  }
  return text;
}

const target = path.join(root, 'THIRD_PARTY_NOTICES.md');
const text = await renderNotices();
if (process.argv.includes('--check')) {
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (current !== text) {
    console.error('THIRD_PARTY_NOTICES.md is out of date: run npm run notices');
    process.exit(1);
  }
  console.log('THIRD_PARTY_NOTICES.md lists every bundled package');
} else {
  fs.writeFileSync(target, text);
  console.log(`wrote ${path.relative(root, target)}`);
}
