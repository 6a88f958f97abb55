import path = require('path');
import type * as vscode from 'vscode';
import type { LanguageClient, State } from 'vscode-languageclient/node';
import type { IndexStatus } from '../../server/src/protocol';

/**
 * What the client's modules get from the activated extension: its context, log, language
 * client, and the values of vscode-languageclient and serverEvents.ts they use.
 *
 * Activation needs the language client, the status bar, the side panel and the registrations
 * (commands, content providers); the reachability view, the "Why is A -> B blocked?" and
 * "Generate connectivity checks" commands and the cluster actions are only needed when the user
 * runs them. Those are separate bundles, dist/client-NAME.js (esbuild.mjs), required the first
 * time one of their commands runs, so that loading dist/client-main.js stays small.
 *
 * Being separate bundles, they must not import values from vscode-languageclient (each would
 * bundle a second language client) nor from the eager client modules (a second copy of their
 * state, such as the one notification handler per client in serverEvents.ts): they get those
 * from here, and import only types (esbuild.mjs fails the build otherwise). extension.ts alone
 * imports vscode-languageclient's values, as the module object (see there).
 */
export interface ClientHost {
  readonly context: vscode.ExtensionContext;
  readonly output: vscode.LogOutputChannel;
  getClient(): LanguageClient | undefined;
  /** vscode-languageclient's `State`, from the bundled client. */
  readonly State: typeof State;
  /** serverEvents.ts's `onIndexChanged`. */
  onIndexChanged(client: LanguageClient, listener: (status: IndexStatus) => void): vscode.Disposable;
}

/** The modules built into dist/client-NAME.js, loaded by `onFirstUse`. */
export type DeferredModule = 'reachabilityView' | 'commands' | 'clusterActions';

/** A function that requires dist/client-NAME.js the first time it is called, and returns its exports. */
export function onFirstUse<T>(name: DeferredModule): () => T {
  let loaded: T | undefined;
  // A path computed at run time: esbuild leaves this require alone (the module is its own bundle).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return () => (loaded ??= require(path.join(__dirname, `client-${name}.js`)) as T);
}
