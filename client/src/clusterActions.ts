import vscode = require('vscode');
import type { ClientHost } from './host';
import { ClusterContextsResult, clusterContextsRequest, ClusterStatus } from '../../server/src/clusterProtocol';

/*
 * The cluster commands that ask the user something: the context picker, turning the feature
 * on, the actions behind the status-bar item. Loaded the first time one of them runs
 * (dist/client-clusterActions.js, see host.ts); cluster.ts registers them.
 */

const OFFERED_KEY = 'netpol.cluster.offered';

const enabled = () => vscode.workspace.getConfiguration('netpol').get<boolean>('cluster.enabled') === true;

/** Offers to turn the feature on; true when it is (or already was) on. */
async function offerEnable(host: ClientHost, asked: boolean): Promise<boolean> {
  if (!vscode.workspace.isTrusted) {
    const choice = await vscode.window.showWarningMessage(
      'NetworkPolicy Inspector reads a cluster only in a trusted workspace: kubeconfig credential plugins run programs.',
      'Manage Workspace Trust',
    );
    if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
    return false;
  }
  if (enabled()) return true;
  if (!asked && host.context.globalState.get<boolean>(OFFERED_KEY)) return false;
  await host.context.globalState.update(OFFERED_KEY, true);
  const choice = await vscode.window.showInformationMessage(
    'Read pods, labels and policies from your Kubernetes cluster, so that hovers, completion and hints use the live objects? Read-only (get, list, watch), with your kubeconfig (KUBECONFIG or ~/.kube/config).',
    'Turn On',
    'Not Now',
  );
  if (choice !== 'Turn On') return false;
  await vscode.workspace.getConfiguration('netpol').update('cluster.enabled', true, vscode.ConfigurationTarget.Global);
  return true;
}

/** "Select Cluster Context". */
export async function selectContext(host: ClientHost): Promise<void> {
  const client = host.getClient();
  if (!client || client.state !== host.State.Running) {
    void vscode.window.showWarningMessage('The NetworkPolicy Inspector server is not running.');
    return;
  }
  if (!(await offerEnable(host, true))) return;
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
}

/** "Use a Live Cluster (Read-Only)". */
export async function enableCluster(host: ClientHost): Promise<void> {
  if (enabled() && vscode.workspace.isTrusted) {
    void vscode.window.showInformationMessage('The cluster feature is on.');
    return;
  }
  await offerEnable(host, true);
}

/** The quick pick behind the status-bar item; `status` is the last one the server sent. */
export async function showClusterActions(status: ClusterStatus | undefined): Promise<void> {
  const actions: (vscode.QuickPickItem & { command: string })[] = [
    { label: '$(plug) Select Context…', command: 'netpol.cluster.selectContext' },
    { label: '$(refresh) Retry Now', command: 'netpol.cluster.retry' },
    { label: '$(output) Show Log', command: 'netpol.showOutput' },
    { label: '$(circle-slash) Turn Off the Cluster Feature', command: 'netpol.cluster.disable' },
  ];
  const chosen = await vscode.window.showQuickPick(actions, { title: status ? `Cluster: ${status.message}` : 'Cluster' });
  if (chosen) await vscode.commands.executeCommand(chosen.command);
}
