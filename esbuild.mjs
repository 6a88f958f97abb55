// Bundles the three entry points. The client keeps `vscode` external (the editor provides it);
// the server and the CLI are self-contained Node programs.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// `--outdir DIR` writes the bundles elsewhere (the benchmark times a production build without touching dist/).
const outdirIndex = process.argv.indexOf('--outdir');
const outdir = outdirIndex >= 0 ? process.argv[outdirIndex + 1] : 'dist';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

const entries = [
  { entryPoints: ['client/src/extension.ts'], outfile: `${outdir}/extension.js`, external: ['vscode'] },
  { entryPoints: ['server/src/server.ts'], outfile: `${outdir}/server.js` },
  // The live-cluster layer (@kubernetes/client-node): loaded by the server at run time, only when enabled.
  { entryPoints: ['server/src/cluster/index.ts'], outfile: `${outdir}/cluster.js` },
  { entryPoints: ['server/src/cli/main.ts'], outfile: `${outdir}/cli.js`, banner: { js: '#!/usr/bin/env node' } },
];

if (watch) {
  for (const entry of entries) {
    const ctx = await esbuild.context({ ...common, ...entry });
    await ctx.watch();
  }
  console.log('esbuild: watching');
} else {
  await Promise.all(entries.map((entry) => esbuild.build({ ...common, ...entry })));
}
