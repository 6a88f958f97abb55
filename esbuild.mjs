// Bundles the entry points. The client keeps `vscode` external (the editor provides it);
// the server and the CLI are self-contained Node programs.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import * as path from 'node:path';

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

// The client is split (client/src/host.ts): dist/client-main.js holds what activation needs, and
// the parts used only when the user runs them are separate bundles, dist/client-NAME.js, required
// on first use. These guards keep the split: the eager bundle must not take in a deferred module,
// and a deferred one must not bundle the language client or an eager module (a second copy).
// dist/extension.js, the extension's `main`, is the loader (client/src/loader.ts): it loads
// dist/client-main.js with a V8 code cache, and takes in nothing but Node's own modules.
const deferredClientModules = ['reachabilityView', 'commands', 'clusterActions'];
const clientSource = path.resolve('client/src');
const isClientModule = (args, names) => args.importer.startsWith(clientSource) && names.some((n) => args.path === `./${n}` || args.path === `./${n}.ts`);

/** @type {esbuild.Plugin} */
const eagerClientGuard = {
  name: 'eager-client-guard',
  setup(build) {
    // An ES import of vscode-languageclient's values copies its exports (see extension.ts).
    build.onResolve({ filter: /^vscode-languageclient/ }, (args) =>
      args.importer.startsWith(clientSource) && args.importer !== path.join(clientSource, 'extension.ts')
        ? { errors: [{ text: `${args.path}: only extension.ts imports vscode-languageclient's values; take them from the ClientHost (client/src/host.ts) or import types only` }] }
        : undefined,
    );
    build.onResolve({ filter: /^\.\// }, (args) =>
      isClientModule(args, [...deferredClientModules, 'reachabilityHtml'])
        ? { errors: [{ text: `${args.path} is loaded on first use (dist/client-*.js): import only its types here and load it with onFirstUse (client/src/host.ts)` }] }
        : undefined,
    );
  },
};

/** @type {esbuild.Plugin} */
const deferredClientGuard = {
  name: 'deferred-client-guard',
  setup(build) {
    build.onResolve({ filter: /^vscode-languageclient/ }, (args) => ({
      errors: [{ text: `${args.path}: a deferred client module would bundle a second language client; import types only and take values from the ClientHost` }],
    }));
    build.onResolve({ filter: /^\.\// }, (args) =>
      isClientModule(args, ['extension', 'host', 'serverEvents', 'policyView', 'cluster', 'explanations'])
        ? { errors: [{ text: `${args.path} belongs to dist/client-main.js: a deferred client module gets it through the ClientHost (or imports its types only)` }] }
        : undefined,
    );
  },
};

/**
 * An ES import of `vscode`'s values (`import * as vscode`, `import { window }`) has esbuild copy
 * the properties of VS Code's API object (about 300) into a new object (__toESM) in each module
 * that does it, while the extension loads: the client's modules take the module object itself,
 * `import vscode = require('vscode')` (types can be imported either way).
 */
/** @type {esbuild.Plugin} */
const vscodeImportGuard = {
  name: 'vscode-import-guard',
  setup(build) {
    build.onLoad({ filter: /[\\/]client[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      const line = /^import\s+(?!type\b)[^;=]*\bfrom\s+['"]vscode['"]/m.exec(text);
      return line ? { errors: [{ text: `${path.relative('.', args.path)}: ${line[0]}: write \`import vscode = require('vscode');\` (esbuild.mjs, vscodeImportGuard)` }] } : undefined;
    });
  },
};

/** @type {esbuild.Plugin} */
const loaderGuard = {
  name: 'loader-guard',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) =>
      args.kind !== 'entry-point' && !args.path.startsWith('node:') && !builtinModules.includes(args.path)
        ? { errors: [{ text: `${args.path}: the loader (dist/extension.js) is compiled at every start without the code cache; it imports Node's modules only (types are fine)` }] }
        : undefined,
    );
  },
};

const require = createRequire(import.meta.url);

/**
 * Two dependencies of vscode-languageclient, as activation needs them:
 * - minimatch matches the glob patterns of notebook and pull-diagnostics selectors and of
 *   file-operation filters, none of which this server uses: it is its own bundle,
 *   dist/client-minimatch.js, required the first time a pattern is matched (if ever).
 * - semver serves one check in LanguageClient's constructor, vscode.version against a caret
 *   range: client/src/deps/semver.ts gives the same answer without the package's regular
 *   expressions. The build fails if the language client starts asking semver anything else.
 */
/** @type {esbuild.Plugin} */
const clientDependencies = {
  name: 'client-dependencies',
  setup(build) {
    const languageClientNode = require.resolve('vscode-languageclient/node');
    const required = /const REQUIRED_VSCODE_VERSION = '([^']*)'/.exec(fs.readFileSync(languageClientNode, 'utf8'))?.[1];
    const semverSubset = path.resolve('client/src/deps/semver.ts');
    const semverFunctions = { 'semver/functions/parse': 'parse', 'semver/functions/satisfies': 'satisfies' };
    build.onResolve({ filter: /^semver(\/|$)/ }, (args) => {
      if (args.importer !== languageClientNode || !(args.path in semverFunctions) || !/^\^\d+\.\d+\.\d+$/.test(required ?? '')) {
        return { errors: [{ text: `${args.path} from ${args.importer} (REQUIRED_VSCODE_VERSION ${required}): client/src/deps/semver.ts covers parse and satisfies with a caret range, for vscode-languageclient/node only; extend it or drop it from esbuild.mjs` }] };
      }
      return { path: args.path, namespace: 'semver-subset' };
    });
    build.onLoad({ filter: /.*/, namespace: 'semver-subset' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(semverSubset)}).${semverFunctions[args.path]};`,
      resolveDir: path.dirname(semverSubset),
      loader: 'js',
    }));

    const minimatchExports = Object.keys(require('minimatch'));
    build.onResolve({ filter: /^minimatch$/ }, () => ({ path: 'minimatch', namespace: 'deferred-minimatch' }));
    build.onLoad({ filter: /.*/, namespace: 'deferred-minimatch' }, () => ({
      contents: [
        "const path = require('path');",
        'let loaded;',
        "const load = () => (loaded ??= require(path.join(__dirname, 'client-minimatch.js')));",
        "Object.defineProperty(exports, '__esModule', { value: true });",
        `for (const name of ${JSON.stringify(minimatchExports)}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`,
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/**
 * vscode-languageclient is TypeScript compiled with esModuleInterop: 16 of its modules import
 * `vscode` as `__importStar(require("vscode"))`, which copies every property of VS Code's API
 * object (about 300, and no `__esModule`) into a new object of getters, 16 times while the
 * extension loads; its node entry and vscode-jsonrpc's do the same with Node's child_process,
 * fs, os, path and readline.
 * Those modules only read properties of the namespace (`code.Range`), never `default`, so the
 * namespace can be the module itself: this plugin drops the copy. The build fails if one of
 * them starts using `default` (the one thing the copy adds) or indexing the namespace.
 */
/** @type {esbuild.Plugin} */
const languageClientImports = {
  name: 'language-client-imports',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/](vscode-languageclient|vscode-jsonrpc)[\\/]lib[\\/].*\.js$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      const errors = [];
      const contents = text.replace(/\b(const|var|let) (\w+) = __importStar\(require\("(vscode|child_process|fs|os|path|readline)"\)\);/g, (_, kind, name, id) => {
        if (new RegExp(`\\b${name}\\s*(\\.\\s*default\\b|\\[)`).test(text)) errors.push({ text: `${args.path}: ${name}.default or ${name}[...] is used: keep its __importStar (esbuild.mjs, languageClientImports)` });
        return `${kind} ${name} = require("${id}");`;
      });
      return errors.length > 0 ? { errors } : { contents, loader: 'js' };
    });
  },
};

const entries = [
  { entryPoints: ['client/src/loader.ts'], outfile: `${outdir}/extension.js`, plugins: [loaderGuard] },
  { entryPoints: ['client/src/extension.ts'], outfile: `${outdir}/client-main.js`, external: ['vscode'], plugins: [eagerClientGuard, vscodeImportGuard, clientDependencies, languageClientImports] },
  {
    entryPoints: {
      ...Object.fromEntries(deferredClientModules.map((name) => [`client-${name}`, `client/src/${name}.ts`])),
      'client-minimatch': require.resolve('minimatch'),
    },
    outdir,
    external: ['vscode'],
    plugins: [deferredClientGuard, vscodeImportGuard],
  },
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
