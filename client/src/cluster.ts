import * as vscode from 'vscode';
import { LanguageClient, State } from 'vscode-languageclient/node';
import {
  ClusterContextsResult,
  clusterContextsRequest,
  clusterFileRequest,
  clusterRetryNotification,
  clusterScheme,
  ClusterStatus,
  clusterStatusNotification,
  clusterStatusRequest,
  clusterTrustNotification,
} from '../../server/src/clusterProtocol';

const OFFERED_KEY = 'netpol.cluster.offered';

/**
 * The client side of the live-cluster feature: a status-bar item with the context and its
 * state (connected, unreachable, forbidden resources, the network plugin), the context picker,
 * the offer to turn the feature on, workspace trust forwarded to the server, and read-only
 * views of the live objects (`netpol-cluster:` documents). Everything cluster-related happens
 * in the server; no kubeconfig is read here.
 */
export function registerCluster(context: vscode.ExtensionContext, getClient: () => LanguageClient | undefined, output: vscode.LogOutputChannel): void {
  const item = vscode.window.createStatusBarItem('netpol.cluster', vscode.StatusBarAlignment.Right, 99);
  item.name = 'NetworkPolicy Inspector: cluster';
  item.command = 'netpol.cluster.actions';
  let status: ClusterStatus | undefined;

  const render = () => {
    if (!status || status.state === 'disabled') {
      item.hide();
      return;
    }
    const ctx = status.context ?? 'cluster';
    const icon: Record<ClusterStatus['state'], string> = {
      disabled: '$(cloud)',
      untrusted: '$(workspace-untrusted)',
      'config-error': '$(error)',
      connecting: '$(sync~spin)',
      connected: '$(cloud)',
      unreachable: '$(debug-disconnect)',
      unauthorized: '$(lock)',
    };
    let text = `${icon[status.state]} ${status.state === 'untrusted' ? 'cluster off (untrusted)' : ctx}`;
    if (status.state === 'connected' && status.forbidden.length > 0) text += ' $(warning)';
    if (status.state === 'connected' && status.cni) text += status.cni.enforces === false ? ' · $(alert) policies not enforced' : status.cni.name ? ` · ${status.cni.name}` : '';
    item.text = text;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**Cluster** \`${ctx}\`${status.server ? ` (${status.server})` : ''}: ${escape(status.message)}\n\n`);
    for (const line of status.forbidden) tooltip.appendMarkdown(`- $(warning) ${escape(line)}\n`);
    for (const line of status.notes) tooltip.appendMarkdown(`- ${escape(line)}\n`);
    if (status.cni) tooltip.appendMarkdown(`\n**Network plugin**: ${escape(status.cni.message)}\n`);
    if (status.dns) tooltip.appendMarkdown(`\n**DNS**: ${status.dns.ready} of ${status.dns.pods} pods ready (${escape(Object.entries(status.dns.labels).map(([k, v]) => `${k}=${v}`).join(', '))} in ${status.dns.namespace})\n`);
    tooltip.appendMarkdown('\nRead-only: only get, list and watch. Click for actions.');
    item.tooltip = tooltip;
    item.backgroundColor =
      status.state === 'unreachable' || status.state === 'unauthorized' || status.state === 'config-error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : status.forbidden.length > 0 || status.cni?.enforces === false
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    item.show();
  };

  const enabled = () => vscode.workspace.getConfiguration('netpol').get<boolean>('cluster.enabled') === true;

  /** Offers to turn the feature on; true when it is (or already was) on. */
  const offerEnable = async (asked: boolean): Promise<boolean> => {
    if (!vscode.workspace.isTrusted) {
      const choice = await vscode.window.showWarningMessage(
        'NetworkPolicy Inspector reads a cluster only in a trusted workspace: kubeconfig credential plugins run programs.',
        'Manage Workspace Trust',
      );
      if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
      return false;
    }
    if (enabled()) return true;
    if (!asked && context.globalState.get<boolean>(OFFERED_KEY)) return false;
    await context.globalState.update(OFFERED_KEY, true);
    const choice = await vscode.window.showInformationMessage(
      'Read pods, labels and policies from your Kubernetes cluster, so that hovers, completion and hints use the live objects? Read-only (get, list, watch), with your kubeconfig (KUBECONFIG or ~/.kube/config).',
      'Turn On',
      'Not Now',
    );
    if (choice !== 'Turn On') return false;
    await vscode.workspace.getConfiguration('netpol').update('cluster.enabled', true, vscode.ConfigurationTarget.Global);
    return true;
  };

  const selectContext = async () => {
    const client = getClient();
    if (!client || client.state !== State.Running) {
      void vscode.window.showWarningMessage('The NetworkPolicy Inspector server is not running.');
      return;
    }
    if (!(await offerEnable(true))) return;
    const result = (await client.sendRequest(clusterContextsRequest)) as ClusterContextsResult;
    if (result.error || result.contexts.length === 0) {
      void vscode.window.showWarningMessage(`No kubeconfig context to choose: ${result.error ?? 'the kubeconfig has none'}.`);
      return;
    }
    type Pick = vscode.QuickPickItem & { value: string };
    const picks: Pick[] = [
      { label: '$(star) The kubeconfig\'s current context', description: result.currentContext ?? '(none)', value: '', picked: !result.selected },
      ...result.contexts.map((c) => ({
        label: c.name,
        description: c.server,
        detail: `user ${c.user}, ${c.auth === 'exec' ? `credentials from running ${c.execCommand ?? 'a plugin'}` : `${c.auth} credentials`}${c.namespace ? `, namespace ${c.namespace}` : ''}`,
        value: c.name,
        picked: c.name === result.selected,
      })),
    ];
    const chosen = await vscode.window.showQuickPick(picks, { title: 'Kubernetes context for NetworkPolicy Inspector', placeHolder: `from ${result.files.join(', ')}` });
    if (!chosen) return;
    await vscode.workspace.getConfiguration('netpol').update('cluster.context', chosen.value, vscode.ConfigurationTarget.Global);
  };

  const refresh = async () => {
    const client = getClient();
    if (!client || client.state !== State.Running) return;
    try {
      status = (await client.sendRequest(clusterStatusRequest)) as ClusterStatus;
      render();
    } catch (error) {
      output.warn(`Asking for the cluster status failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const client = getClient();
  if (client) {
    context.subscriptions.push(
      client.onNotification(clusterStatusNotification, (s: ClusterStatus) => {
        status = s;
        render();
      }),
      client.onDidChangeState((event) => {
        if (event.newState === State.Running) void refresh();
      }),
    );
  }

  context.subscriptions.push(
    item,
    vscode.workspace.onDidGrantWorkspaceTrust(() => void getClient()?.sendNotification(clusterTrustNotification, { trusted: true })),
    vscode.commands.registerCommand('netpol.cluster.selectContext', selectContext),
    vscode.commands.registerCommand('netpol.cluster.enable', async () => {
      if (enabled() && vscode.workspace.isTrusted) {
        void vscode.window.showInformationMessage('The cluster feature is on.');
        return;
      }
      await offerEnable(true);
    }),
    vscode.commands.registerCommand('netpol.cluster.disable', () => vscode.workspace.getConfiguration('netpol').update('cluster.enabled', false, vscode.ConfigurationTarget.Global)),
    vscode.commands.registerCommand('netpol.cluster.retry', () => void getClient()?.sendNotification(clusterRetryNotification)),
    vscode.commands.registerCommand('netpol.cluster.actions', async () => {
      const actions: (vscode.QuickPickItem & { command: string })[] = [
        { label: '$(plug) Select Context…', command: 'netpol.cluster.selectContext' },
        { label: '$(refresh) Retry Now', command: 'netpol.cluster.retry' },
        { label: '$(output) Show Log', command: 'netpol.showOutput' },
        { label: '$(circle-slash) Turn Off the Cluster Feature', command: 'netpol.cluster.disable' },
      ];
      const chosen = await vscode.window.showQuickPick(actions, { title: status ? `Cluster: ${status.message}` : 'Cluster' });
      if (chosen) await vscode.commands.executeCommand(chosen.command);
    }),
    // The live objects, read-only, when a link (the side panel, a hover) points at them.
    vscode.workspace.registerTextDocumentContentProvider(clusterScheme, {
      provideTextDocumentContent: async (uri) => {
        const text = (await getClient()?.sendRequest(clusterFileRequest, { uri: uri.toString(true) })) as string | null | undefined;
        return text ?? '# This cluster object is no longer in the cache.\n';
      },
    }),
  );
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
