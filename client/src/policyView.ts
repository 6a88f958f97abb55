import vscode = require('vscode');
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ClientHost } from './host';
import { PanelNode, PolicyPanelParams, PolicyPanelResult, policyPanelRequest, showPolicyCommand, SourceLink } from '../../server/src/protocol';

/** The policy shown: the one at the cursor, or a pinned one that stays while the cursor moves. */
interface Target {
  uri: string;
  policyId: string;
}

const REFRESH_DELAY_MS = 150;

/**
 * The "NetworkPolicy" side panel: a tree of the policy at the cursor (or a pinned one) as the
 * server describes it. The tree's content comes from the server as plain nodes; this class
 * only decides which policy to ask about and when.
 */
class PolicyTreeProvider implements vscode.TreeDataProvider<PanelNode> {
  private readonly changed = new vscode.EventEmitter<PanelNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private result: PolicyPanelResult | undefined;
  private parents = new Map<string, PanelNode>();

  set(result: PolicyPanelResult): void {
    this.result = result;
    this.parents = new Map();
    const walk = (nodes: readonly PanelNode[], parent?: PanelNode) => {
      for (const node of nodes) {
        if (parent) this.parents.set(node.id, parent);
        if (node.children) walk(node.children, node);
      }
    };
    walk(result.nodes);
    this.changed.fire(undefined);
  }

  get current(): PolicyPanelResult | undefined {
    return this.result;
  }

  getTreeItem(node: PanelNode): vscode.TreeItem {
    const state = node.children && node.children.length > 0 ? (node.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed) : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.kind;
    if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon);
    if (node.link) item.command = { command: 'netpol.revealLink', title: 'Reveal', arguments: [node.link] };
    return item;
  }

  getChildren(node?: PanelNode): PanelNode[] {
    if (!node) return this.result?.nodes ?? [];
    return node.children ?? [];
  }

  getParent(node: PanelNode): PanelNode | undefined {
    return this.parents.get(node.id);
  }
}

export function registerPolicyView(host: ClientHost, client: LanguageClient): void {
  const { context, output, State, onIndexChanged } = host;
  const provider = new PolicyTreeProvider();
  const view = vscode.window.createTreeView('netpol.policy', { treeDataProvider: provider, showCollapseAll: true });
  let pinned: Target | undefined;
  /** The last policy shown, kept while the cursor is outside any policy (for example after revealing a pod in another file). */
  let last: Target | undefined;
  let timer: NodeJS.Timeout | undefined;
  let generation = 0;

  const setContext = (key: string, value: boolean) => void vscode.commands.executeCommand('setContext', key, value);

  function paramsFor(): PolicyPanelParams | undefined {
    if (pinned) return { uri: pinned.uri, policyId: pinned.policyId };
    const editor = vscode.window.activeTextEditor;
    if (editor && editor.document.languageId === 'yaml') {
      const p = editor.selection.active;
      return { uri: editor.document.uri.toString(), position: { line: p.line, character: p.character } };
    }
    return last ? { uri: last.uri, policyId: last.policyId } : undefined;
  }

  async function refresh(): Promise<void> {
    if (!view.visible || !client.isRunning()) return;
    const params = paramsFor();
    const mine = ++generation;
    if (!params) {
      provider.set({ nodes: [], index: { files: 0, skippedTemplates: 0, excluded: 0, scanning: false, enabled: true } });
      view.message = 'Open a YAML file and place the cursor in a NetworkPolicy.';
      view.description = undefined;
      setContext('netpol.hasPolicy', false);
      return;
    }
    try {
      let result = await client.sendRequest<PolicyPanelResult>(policyPanelRequest, params);
      // The cursor left every policy: keep showing the last one rather than an empty panel.
      if (!result.policy && !pinned && last && params.policyId === undefined) {
        const kept = await client.sendRequest<PolicyPanelResult>(policyPanelRequest, { uri: last.uri, policyId: last.policyId });
        if (kept.policy) result = kept;
      }
      if (mine !== generation) return;
      provider.set(result);
      if (result.policy) {
        if (!pinned) last = { uri: result.policy.uri, policyId: result.policy.id };
        view.description = `${result.policy.id}${pinned ? ' (pinned)' : ''}`;
        view.message = result.summary;
      } else {
        view.description = undefined;
        view.message = result.message;
      }
      setContext('netpol.hasPolicy', Boolean(result.policy));
    } catch (error) {
      if (mine === generation) output.warn(`The side panel could not be updated: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  function schedule(delay = REFRESH_DELAY_MS): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void refresh();
    }, delay);
  }

  function setPinned(target: Target | undefined): void {
    pinned = target;
    setContext('netpol.pinned', Boolean(target));
    void refresh();
  }

  context.subscriptions.push(
    view,
    vscode.window.onDidChangeTextEditorSelection((event) => {
      if (event.textEditor.document.languageId === 'yaml' && !pinned) schedule();
    }),
    vscode.window.onDidChangeActiveTextEditor(() => schedule()),
    vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document.languageId === 'yaml' && event.contentChanges.length > 0) schedule(400);
    }),
    view.onDidChangeVisibility(() => {
      if (view.visible) schedule(0);
    }),
    vscode.commands.registerCommand('netpol.revealLink', async (link: SourceLink) => {
      if (!link || typeof link.uri !== 'string' || !link.range) return;
      const uri = vscode.Uri.parse(link.uri);
      const range = new vscode.Range(link.range.start.line, link.range.start.character, link.range.end.line, link.range.end.character);
      // Revealing moves the cursor; the panel keeps the policy it shows (see refresh).
      const editor = await vscode.window.showTextDocument(uri, { preview: true, preserveFocus: false });
      editor.selection = new vscode.Selection(range.start, range.start);
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }),
    vscode.commands.registerCommand(showPolicyCommand, async (uri?: string, policyId?: string) => {
      if (typeof uri === 'string' && typeof policyId === 'string') {
        last = { uri, policyId };
        if (pinned) pinned = { uri, policyId };
      }
      await vscode.commands.executeCommand('netpol.policy.focus');
      schedule(0);
    }),
    vscode.commands.registerCommand('netpol.pinPolicy', () => {
      const policy = provider.current?.policy;
      if (policy) setPinned({ uri: policy.uri, policyId: policy.id });
    }),
    vscode.commands.registerCommand('netpol.unpinPolicy', () => setPinned(undefined)),
    vscode.commands.registerCommand('netpol.refreshPanel', () => schedule(0)),
    onIndexChanged(client, () => schedule(300)),
    client.onDidChangeState((event) => {
      if (event.newState === State.Running) schedule(0);
    }),
  );
  setContext('netpol.pinned', false);

}
