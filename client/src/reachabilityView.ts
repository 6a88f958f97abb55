import vscode = require('vscode');
import type { ClientHost } from './host';
import {
  ExplainConnectionParams,
  ExplainConnectionResult,
  explainConnectionRequest,
  Protocol,
  ReachabilityParams,
  ReachabilityResult,
  reachabilityRequest,
  SourceLink,
} from '../../server/src/protocol';
import { createLinkResolver, createNonce, ExtensionMessage, markdownBlocks, parseWebviewMessage, renderReachabilityHtml } from './reachabilityHtml';

/*
 * Loaded the first time "Show Reachability" runs (dist/client-reachabilityView.js, see
 * host.ts); extension.ts registers the command.
 */

const VIEW_TYPE = 'netpol.reachability';
const TITLE = 'NetworkPolicy Reachability';
/** Wait this long after the last edit, index change or diagnostics update before asking again... */
const REFRESH_DEBOUNCE_MS = 300;
/** ...but never longer than this while the user keeps typing. */
const REFRESH_MAX_WAIT_MS = 1500;
/** The query is remembered per workspace. */
const STATE_KEY = 'netpol.reachability.query';

interface Query {
  namespaces: string[];
  port: number;
  protocol: Protocol;
}

const DEFAULT_QUERY: Query = { namespaces: [], port: 80, protocol: 'TCP' };

function isYaml(document: vscode.TextDocument): boolean {
  return document.languageId === 'yaml' || /\.ya?ml$/i.test(document.uri.path);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isSourceLink(value: unknown): value is SourceLink {
  if (!value || typeof value !== 'object') return false;
  const link = value as SourceLink;
  const position = (p: unknown) => !!p && typeof p === 'object' && Number.isInteger((p as { line: unknown }).line) && Number.isInteger((p as { character: unknown }).character);
  return typeof link.uri === 'string' && !!link.range && position(link.range.start) && position(link.range.end);
}

function toRange(range: SourceLink['range']): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

function storedQuery(context: vscode.ExtensionContext): Query {
  const raw = context.workspaceState.get<unknown>(STATE_KEY);
  const parsed = parseWebviewMessage(raw && typeof raw === 'object' ? { type: 'query', ...(raw as object) } : undefined, { pods: 0, links: 0 });
  return parsed?.type === 'query' ? { namespaces: parsed.namespaces, port: parsed.port, protocol: parsed.protocol } : { ...DEFAULT_QUERY };
}

/**
 * The reachability view: a webview with the grid of who can reach whom, for the namespaces,
 * port and protocol chosen in it. The grid and the explanations come from the language server
 * (`netpol/reachability`, `netpol/explainConnection`); this class decides when to ask, checks
 * every message the page sends, and reveals the manifests the page links to.
 */
class ReachabilityPanel {
  private query: Query;
  private grid: ReachabilityResult | undefined;
  private explanation: { from: string; to: string; links: SourceLink[] } | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private firstPending = 0;
  private dirty = true;
  private generation = 0;
  private explainGeneration = 0;
  private inFlight: vscode.CancellationTokenSource | undefined;
  private panelAlive = true;

  private readonly context: vscode.ExtensionContext;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly host: ClientHost,
    private readonly onDispose: () => void,
  ) {
    const context = (this.context = host.context);
    const { State } = host;
    this.query = storedQuery(context);
    const mediaRoot = vscode.Uri.joinPath(context.extensionUri, 'media', 'reachability');
    const webview = panel.webview;
    webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: [mediaRoot] };
    webview.html = renderReachabilityHtml({
      nonce: createNonce(),
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot, 'reachability.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot, 'reachability.css')).toString(),
    });
    this.disposables.push(
      webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      panel.onDidChangeViewState(() => {
        if (panel.visible && this.dirty) this.schedule(0);
      }),
      panel.onDidDispose(() => this.dispose()),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0 && isYaml(event.document)) this.schedule();
      }),
      vscode.languages.onDidChangeDiagnostics((event) => {
        if (event.uris.some((uri) => /\.ya?ml$/i.test(uri.path))) this.schedule();
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('netpol')) this.schedule();
      }),
    );
    const client = host.getClient();
    if (client) {
      this.disposables.push(
        host.onIndexChanged(client, () => this.schedule()),
        client.onDidChangeState((event) => {
          if (event.newState === State.Running) this.schedule(0);
        }),
      );
    }
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
    this.schedule(0);
  }

  /** Asks the server again after a pause; a hidden panel is refreshed when it is shown. */
  private schedule(delay = REFRESH_DEBOUNCE_MS): void {
    this.dirty = true;
    if (!this.panel.visible) return;
    const now = Date.now();
    if (!this.timer) this.firstPending = now;
    else clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(delay, this.firstPending + REFRESH_MAX_WAIT_MS - now));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, wait);
  }

  private post(message: ExtensionMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private receive(raw: unknown): void {
    const message = parseWebviewMessage(raw, { pods: this.grid?.pods.length ?? 0, links: this.explanation?.links.length ?? 0 });
    if (!message) return; // not ours, malformed, or about a grid that has since changed
    switch (message.type) {
      case 'ready':
        // A new page (first load, or shown again after being hidden): send everything, and
        // the explanation it showed, again.
        this.grid = undefined;
        this.schedule(0);
        return;
      case 'query':
        this.query = { namespaces: message.namespaces, port: message.port, protocol: message.protocol };
        void this.context.workspaceState.update(STATE_KEY, this.query);
        this.schedule(0);
        return;
      case 'explain': {
        const pods = this.grid!.pods;
        void this.explain(pods[message.from].id, pods[message.to].id);
        return;
      }
      case 'reveal':
        void this.revealLink(this.explanation!.links[message.link]);
        return;
      case 'revealPod': {
        const link = this.grid!.pods[message.pod].link;
        if (link) void this.revealLink(link);
        return;
      }
    }
  }

  private async refresh(): Promise<void> {
    this.dirty = false;
    const generation = ++this.generation;
    this.inFlight?.cancel();
    const source = (this.inFlight = new vscode.CancellationTokenSource());
    const client = this.host.getClient();
    const { State } = this.host;
    const params: ReachabilityParams = { namespaces: this.query.namespaces, port: this.query.port, protocol: this.query.protocol };
    let result: ReachabilityResult | undefined;
    let error: string | undefined;
    if (!client || (client.state !== State.Running && client.state !== State.Starting)) error = 'The language server is not running. Run "NetworkPolicy Inspector: Restart Server".';
    else {
      try {
        result = await client.sendRequest<ReachabilityResult>(reachabilityRequest, params, source.token);
      } catch (e) {
        if (source.token.isCancellationRequested) return;
        error = `The grid could not be computed: ${describe(e)}`;
      }
    }
    source.dispose();
    if (generation !== this.generation || !this.panelAlive) return; // a newer refresh is on its way
    this.grid = result;
    const pods = result?.pods ?? [];
    this.post({
      type: 'state',
      namespaces: result?.namespaces ?? [],
      selected: this.query.namespaces,
      port: this.query.port,
      protocol: this.query.protocol,
      pods: pods.map((pod) => ({ id: pod.id, namespace: pod.namespace, name: pod.name, kind: pod.kind, revealable: pod.link !== undefined })),
      allowed: result?.allowed ?? [],
      note: result?.truncated ?? (result && pods.length === 0 ? 'No pods or workloads in the chosen namespaces. Open a folder with Pod or Deployment manifests.' : undefined),
      error,
    });
    // The explanation shown follows the edits too, while both of its pods are still in the grid.
    const shown = this.explanation;
    if (shown && pods.some((p) => p.id === shown.from) && pods.some((p) => p.id === shown.to)) void this.explain(shown.from, shown.to);
    else if (shown) {
      this.explanation = undefined;
      this.post({ type: 'clearExplanation' });
    }
  }

  private async explain(fromId: string, toId: string): Promise<void> {
    const client = this.host.getClient();
    const grid = this.grid;
    if (!client || !grid) return;
    const generation = ++this.explainGeneration;
    const params: ExplainConnectionParams = { from: fromId, to: toId, port: grid.port, protocol: grid.protocol };
    let result: ExplainConnectionResult | undefined;
    let error: string | undefined;
    try {
      result = await client.sendRequest<ExplainConnectionResult>(explainConnectionRequest, params);
    } catch (e) {
      error = `The connection could not be explained: ${describe(e)}`;
    }
    if (generation !== this.explainGeneration || !this.panelAlive || this.grid !== grid) return;
    const from = grid.pods.findIndex((p) => p.id === fromId);
    const to = grid.pods.findIndex((p) => p.id === toId);
    if (from < 0 || to < 0) return;
    const links = Array.isArray(result?.links) ? result.links.filter((l) => l && typeof l.label === 'string' && isSourceLink(l.link)) : [];
    // Inline links of the Markdown become indices into `targets` (the links above, then any
    // other line of a document they or the grid already name); the page never sees a URI.
    const known = grid.pods.flatMap((p) => (p.link ? [p.link.uri] : []));
    const { targets, resolve } = createLinkResolver(
      links.map((l) => l.link),
      known,
    );
    const verdict = typeof result?.verdict === 'string' ? result.verdict : `${fromId} -> ${toId} on ${grid.protocol} ${grid.port}`;
    // The page shows the verdict as the title: leave out the Markdown's paragraph that repeats it.
    const blocks = (typeof result?.markdown === 'string' ? markdownBlocks(result.markdown, resolve) : []).filter(
      (b) => !(b.kind === 'paragraph' && b.spans.map((s) => s.text).join('') === verdict),
    );
    this.explanation = { from: fromId, to: toId, links: targets };
    this.post({
      type: 'explanation',
      from,
      to,
      allowed: result?.allowed === true,
      verdict,
      blocks,
      links: links.map((l) => l.label),
      error: error ?? (typeof result?.error === 'string' ? result.error : undefined),
    });
  }

  private async revealLink(link: SourceLink): Promise<void> {
    try {
      const uri = vscode.Uri.parse(link.uri, true);
      const range = toRange(link.range);
      const column = this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
      await vscode.window.showTextDocument(uri, { selection: new vscode.Range(range.start, range.start), viewColumn: column, preserveFocus: false });
      const editor = vscode.window.activeTextEditor;
      if (editor && editor.document.uri.toString() === uri.toString()) {
        editor.selection = new vscode.Selection(range.start, range.end);
        editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      }
    } catch (e) {
      void vscode.window.showWarningMessage(`NetworkPolicy Inspector: could not open ${link.uri}: ${describe(e)}`);
    }
  }

  private dispose(): void {
    this.panelAlive = false;
    if (this.timer) clearTimeout(this.timer);
    this.inFlight?.cancel();
    this.inFlight?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.onDispose();
  }
}

/** The reachability view of one activation: `show` opens it, or brings it back. */
export interface ReachabilityView {
  show(): void;
}

/** The handler of "NetworkPolicy: Show Reachability"; the panel is disposed with the extension. */
export function createReachabilityView(host: ClientHost): ReachabilityView {
  const { context } = host;
  let current: ReachabilityPanel | undefined;
  context.subscriptions.push({ dispose: () => current?.panel.dispose() });
  return {
    show() {
      if (current) {
        current.reveal();
        return;
      }
      const panel = vscode.window.createWebviewPanel(VIEW_TYPE, TITLE, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, {
        enableScripts: true,
        enableCommandUris: false,
        localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'media', 'reachability')],
        retainContextWhenHidden: false,
      });
      panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'panel.svg');
      // The page asks for its content when its script has loaded.
      current = new ReachabilityPanel(panel, host, () => {
        current = undefined;
      });
    },
  };
}
