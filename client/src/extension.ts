import * as path from 'path';
import * as vscode from 'vscode';
import { registerPolicyView } from './policyView';
import { registerReachabilityView } from './reachabilityView';
import { registerInspectorCommands } from './commands';
import { registerCluster } from './cluster';
import {
  CloseAction,
  CloseHandlerResult,
  ErrorAction,
  ErrorHandler,
  ErrorHandlerResult,
  LanguageClient,
  LanguageClientOptions,
  Message,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';

const NAME = 'NetworkPolicy Inspector';
/** At most this many automatic restarts within the window, as VS Code's own clients do. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

let client: LanguageClient | undefined;
let statusItem: vscode.StatusBarItem | undefined;

/**
 * Restarts a crashed server a few times, then stops and tells the user once, instead of
 * looping or staying silent.
 */
class RestartingErrorHandler implements ErrorHandler {
  private restarts: number[] = [];

  constructor(private readonly output: vscode.LogOutputChannel) {}

  error(_error: Error, _message: Message | undefined, count: number | undefined): ErrorHandlerResult {
    return { action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: false };
  }

  closed(): CloseHandlerResult {
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    this.restarts.push(now);
    if (this.restarts.length <= MAX_RESTARTS) {
      this.output.appendLine(`The language server stopped unexpectedly; restarting (${this.restarts.length} of ${MAX_RESTARTS}).`);
      return { action: CloseAction.Restart, handled: true };
    }
    const message = `${NAME}: the language server stopped ${MAX_RESTARTS} times in 3 minutes and will not be restarted. See the "${NAME}" output for details, then run "NetworkPolicy Inspector: Restart Server".`;
    void vscode.window.showErrorMessage(message);
    return { action: CloseAction.DoNotRestart, message, handled: true };
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
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
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

  client = new LanguageClient('netpol', NAME, serverOptions, clientOptions);
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
  registerPolicyView(context, client, output);
  registerReachabilityView(context, () => client);
  registerInspectorCommands(context, () => client, output);
  registerCluster(context, () => client, output);
  updateStatus(State.Starting);
  // Activation does not wait for the server: the editor stays responsive while it starts, and
  // a start failure is reported in the output channel and the status bar.
  client.start().catch((error: unknown) => {
    output.error(`The language server did not start: ${error instanceof Error ? error.message : String(error)}`);
    updateStatus(State.Stopped);
  });
}

function updateStatus(state: State | undefined): void {
  if (!statusItem) return;
  const editor = vscode.window.activeTextEditor;
  const visible = editor?.document.languageId === 'yaml';
  switch (state) {
    case State.Running:
      statusItem.text = '$(shield) NetPol';
      statusItem.tooltip = `${NAME}: running. Click to show the log.`;
      statusItem.backgroundColor = undefined;
      break;
    case State.Starting:
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
  if (visible || state === State.Stopped) statusItem.show();
  else statusItem.hide();
}

export async function deactivate(): Promise<void> {
  if (client) await client.stop();
}
