import path = require('path');
import vscode = require('vscode');
import { registerPolicyView } from './policyView';
import { registerCluster } from './cluster';
import { EXPLAIN_SCHEME, ExplanationDocuments } from './explanations';
import { ClientHost, onFirstUse } from './host';
import { onIndexChanged } from './serverEvents';
import type * as Commands from './commands';
import type * as Reachability from './reachabilityView';
import type { CloseHandlerResult, ErrorHandler, ErrorHandlerResult, LanguageClient, LanguageClientOptions, Message, ServerOptions, State } from 'vscode-languageclient/node';
// The module object itself: an ES import of this CommonJS module would have esbuild copy its
// 300-odd exports into a new object (__toESM) while the extension is required.
import lc = require('vscode-languageclient/node');

const NAME = 'NetworkPolicy Inspector';
/** At most this many automatic restarts within the window, as VS Code's own clients do. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

let client: LanguageClient | undefined;
/** The first start of the client, settled when it is running or has failed. */
let started: Promise<void> | undefined;
let statusItem: vscode.StatusBarItem | undefined;

/**
 * Restarts a crashed server a few times, then stops and tells the user once, instead of
 * looping or staying silent.
 */
class RestartingErrorHandler implements ErrorHandler {
  private restarts: number[] = [];

  constructor(private readonly output: vscode.LogOutputChannel) {}

  error(_error: Error, _message: Message | undefined, count: number | undefined): ErrorHandlerResult {
    return { action: count !== undefined && count <= 3 ? lc.ErrorAction.Continue : lc.ErrorAction.Shutdown, handled: false };
  }

  closed(): CloseHandlerResult {
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    this.restarts.push(now);
    if (this.restarts.length <= MAX_RESTARTS) {
      this.output.appendLine(`The language server stopped unexpectedly; restarting (${this.restarts.length} of ${MAX_RESTARTS}).`);
      return { action: lc.CloseAction.Restart, handled: true };
    }
    const message = `${NAME}: the language server stopped ${MAX_RESTARTS} times in 3 minutes and will not be restarted. See the "${NAME}" output for details, then run "NetworkPolicy Inspector: Restart Server".`;
    void vscode.window.showErrorMessage(message);
    return { action: lc.CloseAction.DoNotRestart, message, handled: true };
  }

  reset(): void {
    this.restarts = [];
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel(NAME, { log: true });
  context.subscriptions.push(output);

  statusItem = vscode.window.createStatusBarItem('netpol.status', vscode.StatusBarAlignment.Right, 100);
  statusItem.name = NAME;
  statusItem.command = 'netpol.showOutput';
  context.subscriptions.push(statusItem);

  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: lc.TransportKind.ipc },
    debug: { module: serverModule, transport: lc.TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const errorHandler = new RestartingErrorHandler(output);
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'yaml' },
      { scheme: 'untitled', language: 'yaml' },
    ],
    synchronize: {
      // files.exclude too: the server's workspace index follows it.
      configurationSection: ['netpol', 'files.exclude'],
      fileEvents: [
        vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml}'),
        // A deleted or renamed folder arrives as one event for the folder, which the YAML
        // pattern does not match: creations and deletions of everything, for the index.
        vscode.workspace.createFileSystemWatcher('**/*', false, true, false),
      ],
    },
    outputChannel: output,
    errorHandler,
    // The server reads no kubeconfig credential (and runs no exec plugin) in an untrusted workspace.
    initializationOptions: () => ({ trusted: vscode.workspace.isTrusted }),
  };

  client = new lc.LanguageClient('netpol', NAME, serverOptions, clientOptions);
  context.subscriptions.push(
    client.onDidChangeState((event) => updateStatus(event.newState)),
    vscode.commands.registerCommand('netpol.restartServer', async () => {
      if (!client) return;
      output.appendLine('Restarting the language server.');
      errorHandler.reset();
      await client.restart();
    }),
    vscode.commands.registerCommand('netpol.showOutput', () => output.show(true)),
    vscode.window.onDidChangeActiveTextEditor(() => updateStatus(client?.state)),
  );
  const host: ClientHost = { context, output, getClient: () => client, State: lc.State, onIndexChanged };
  registerPolicyView(host, client);
  registerDeferred(host);
  updateStatus(lc.State.Starting);
  // Activation does not wait for the server: the editor stays responsive while it starts, and
  // a start failure is reported in the output channel and the status bar.
  started = client.start().catch((error: unknown) => {
    output.error(`The language server did not start: ${error instanceof Error ? error.message : String(error)}`);
    updateStatus(lc.State.Stopped);
  });
}

/**
 * The commands whose code is loaded when they first run (host.ts): "Show Reachability", "Why
 * is A -> B blocked?", "Generate connectivity checks" and the cluster feature's.
 */
function registerDeferred(host: ClientHost): void {
  const { context } = host;
  const documents = new ExplanationDocuments();
  const commands = onFirstUse<typeof Commands>('commands');
  let inspector: Commands.InspectorCommands | undefined;
  const inspect = () => (inspector ??= commands().createInspectorCommands(host, documents));
  const reachability = onFirstUse<typeof Reachability>('reachabilityView');
  let view: Reachability.ReachabilityView | undefined;
  context.subscriptions.push(
    documents,
    vscode.workspace.registerTextDocumentContentProvider(EXPLAIN_SCHEME, documents),
    vscode.commands.registerCommand('netpol.whyBlocked', (argument?: unknown) => inspect().whyBlocked(argument)),
    vscode.commands.registerCommand('netpol.generateChecks', (uri?: unknown, policyId?: unknown) => inspect().generateChecks(uri, policyId)),
    vscode.commands.registerCommand('netpol.showReachability', () => (view ??= reachability().createReachabilityView(host)).show()),
  );
  registerCluster(host);
}

function updateStatus(state: State | undefined): void {
  if (!statusItem) return;
  const editor = vscode.window.activeTextEditor;
  const visible = editor?.document.languageId === 'yaml';
  switch (state) {
    case lc.State.Running:
      statusItem.text = '$(shield) NetPol';
      statusItem.tooltip = `${NAME}: running. Click to show the log.`;
      statusItem.backgroundColor = undefined;
      break;
    case lc.State.Starting:
      statusItem.text = '$(sync~spin) NetPol';
      statusItem.tooltip = `${NAME}: starting`;
      statusItem.backgroundColor = undefined;
      break;
    default:
      statusItem.text = '$(error) NetPol';
      statusItem.tooltip = `${NAME}: stopped. Run "NetworkPolicy Inspector: Restart Server".`;
      statusItem.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      break;
  }
  if (visible || state === lc.State.Stopped) statusItem.show();
  else statusItem.hide();
}

export async function deactivate(): Promise<void> {
  if (!client) return;
  // The language client refuses to stop while it is starting: deactivated then (a window closed
  // in its first second), the server would be left running until it noticed the editor gone.
  // A start that hangs gets as long as the client gives a stop.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([started, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
  clearTimeout(timer);
  if (client.isRunning()) await client.stop();
}
