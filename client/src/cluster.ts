import vscode = require('vscode');
import type * as ClusterActions from './clusterActions';
import { ClientHost, onFirstUse } from './host';
import {
  clusterFileRequest,
  clusterRetryNotification,
  clusterScheme,
  ClusterStatus,
  clusterStatusNotification,
  clusterStatusRequest,
  clusterTrustNotification,
} from '../../server/src/clusterProtocol';

/**
 * The client side of the live-cluster feature: a status-bar item with the context and its
 * state (connected, unreachable, forbidden resources, the network plugin), the context picker,
 * the offer to turn the feature on, workspace trust forwarded to the server, and read-only
 * views of the live objects (`netpol-cluster:` documents). Everything cluster-related happens
 * in the server; no kubeconfig is read here. The commands that ask the user something are in
 * clusterActions.ts, loaded when one of them first runs.
 */
export function registerCluster(host: ClientHost): void {
  const { context, getClient, output, State } = host;
  const actions = onFirstUse<typeof ClusterActions>('clusterActions');
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
    vscode.commands.registerCommand('netpol.cluster.selectContext', () => actions().selectContext(host)),
    vscode.commands.registerCommand('netpol.cluster.enable', () => actions().enableCluster(host)),
    vscode.commands.registerCommand('netpol.cluster.disable', () => vscode.workspace.getConfiguration('netpol').update('cluster.enabled', false, vscode.ConfigurationTarget.Global)),
    vscode.commands.registerCommand('netpol.cluster.retry', () => void getClient()?.sendNotification(clusterRetryNotification)),
    vscode.commands.registerCommand('netpol.cluster.actions', () => actions().showClusterActions(status)),
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
