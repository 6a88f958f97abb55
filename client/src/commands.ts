import { isIP } from 'net';
import vscode = require('vscode');
import type { LanguageClient } from 'vscode-languageclient/node';
import type { WorkspaceEdit as LspWorkspaceEdit } from 'vscode-languageserver-types';
import type { ExplanationDocuments } from './explanations';
import type { ClientHost } from './host';
import {
  ConnectivityChecksParams,
  ConnectivityChecksResult,
  connectivityChecksRequest,
  EndpointChoice,
  EndpointsResult,
  endpointsRequest,
  ExplainConnectionParams,
  ExplainConnectionResult,
  explainConnectionRequest,
  Protocol,
} from '../../server/src/protocol';

/*
 * The commands "Why is A -> B blocked?" and "Generate connectivity checks". Loaded the first
 * time one of them runs (dist/client-commands.js, see host.ts); extension.ts registers them.
 */

const protocols: Protocol[] = ['TCP', 'UDP', 'SCTP'];

interface EndpointItem extends vscode.QuickPickItem {
  endpoint?: EndpointChoice;
  enterAddress?: boolean;
}

interface PortItem extends vscode.QuickPickItem {
  port?: number;
  name?: string;
  protocol?: Protocol;
  other?: boolean;
}

/**
 * What the "Why is A -> B blocked?" command may be given instead of asking, by other views or
 * tests: the connection, and optionally the titles of fixes to apply at once.
 */
function connectionArgument(value: unknown): { params: ExplainConnectionParams; apply?: string[] } | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const port = typeof v.port === 'number' || typeof v.port === 'string' ? v.port : undefined;
  if (typeof v.from !== 'string' || typeof v.to !== 'string' || port === undefined) return undefined;
  const protocol = protocols.find((p) => p === v.protocol);
  const apply = typeof v.apply === 'string' ? [v.apply] : Array.isArray(v.apply) && v.apply.every((t) => typeof t === 'string') ? (v.apply as string[]) : undefined;
  return { params: { from: v.from, to: v.to, port, protocol }, apply };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function validPort(text: string): string | undefined {
  const value = text.trim();
  if (!/^[0-9]+$/.test(value)) return 'A port number, 1 to 65535';
  const n = Number(value);
  return n >= 1 && n <= 65535 ? undefined : 'A port number, 1 to 65535';
}

export interface InspectorCommands {
  /** Returns the URI of the explanation document, for callers that want to follow it. */
  whyBlocked(argument?: unknown): Promise<vscode.Uri | undefined>;
  generateChecks(uriArgument?: unknown, policyId?: unknown): Promise<void>;
}

/** The two commands' handlers; `documents` is the `netpol-explain` content provider registered at activation. */
export function createInspectorCommands(host: ClientHost, documents: ExplanationDocuments): InspectorCommands {
  const { getClient, output, State } = host;

  const guarded =
    <A extends unknown[], R>(what: string, run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R | undefined> => {
      try {
        return await run(...args);
      } catch (error) {
        output.error(`${what} failed: ${describe(error)}`);
        void vscode.window.showErrorMessage(`NetworkPolicy Inspector: ${what} failed: ${describe(error)}`);
        return undefined;
      }
    };

  function runningClient(): LanguageClient | undefined {
    const client = getClient();
    if (client && client.state === State.Running) return client;
    void vscode.window.showErrorMessage('NetworkPolicy Inspector: the language server is not running. Run "NetworkPolicy Inspector: Restart Server".');
    return undefined;
  }

  async function pickEndpoint(step: number, title: string, placeHolder: string, endpoints: readonly EndpointChoice[]): Promise<string | undefined> {
    const items: EndpointItem[] = [
      ...endpoints.map((endpoint) => ({ label: endpoint.label, description: endpoint.description, detail: endpoint.detail, endpoint })),
      { label: '$(edit) Enter an address…', description: 'an IP address outside the cluster, or a pod IP', enterAddress: true, alwaysShow: true },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: `${title} (${step}/3)`, placeHolder, matchOnDescription: true, matchOnDetail: true, ignoreFocusOut: true });
    if (!picked) return undefined;
    if (picked.endpoint) return picked.endpoint.id;
    const address = await vscode.window.showInputBox({
      title: `${title} (${step}/3)`,
      prompt: 'An IPv4 or IPv6 address: outside the cluster, or the recorded podIP of a pod in the workspace',
      placeHolder: '203.0.113.10',
      ignoreFocusOut: true,
      validateInput: (text) => (isIP(text.trim()) ? undefined : 'An IPv4 or IPv6 address, such as 203.0.113.10 or 2001:db8::1'),
    });
    return address?.trim();
  }

  async function pickPort(destination: EndpointChoice | undefined): Promise<{ port: number | string; protocol: Protocol } | undefined> {
    const title = 'Why is A -> B blocked? Port (3/3)';
    const declared = destination?.ports ?? [];
    if (declared.length > 0) {
      const items: PortItem[] = [
        ...declared.map((p) => ({
          label: p.name ?? String(p.port),
          description: `${p.protocol} ${p.port}`,
          detail: p.name ? `container port ${p.name}` : 'container port',
          port: p.port,
          name: p.name,
          protocol: p.protocol,
        })),
        { label: '$(edit) Other…', description: 'any port number', other: true, alwaysShow: true },
      ];
      const picked = await vscode.window.showQuickPick(items, { title, placeHolder: `A port of ${destination?.id}`, ignoreFocusOut: true });
      if (!picked) return undefined;
      // A named port is sent by name, so that the fix allows it by name too.
      if (!picked.other && picked.port !== undefined && picked.protocol) return { port: picked.name ?? picked.port, protocol: picked.protocol };
    }
    const text = await vscode.window.showInputBox({
      title,
      prompt: 'The destination port (after Service translation: the container port)',
      placeHolder: '8080',
      ignoreFocusOut: true,
      validateInput: validPort,
    });
    if (text === undefined) return undefined;
    const number = Number(text.trim());
    const protocol = await vscode.window.showQuickPick(
      protocols.map((p) => ({ label: p })),
      { title: `${title}: protocol`, placeHolder: 'The protocol', ignoreFocusOut: true },
    );
    if (!protocol) return undefined;
    return { port: number, protocol: protocol.label as Protocol };
  }

  async function show(result: ExplainConnectionResult, params: ExplainConnectionParams): Promise<vscode.Uri> {
    const uri = documents.create(params.from, params.to, result.markdown);
    try {
      await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
    } catch (error) {
      // No Markdown preview (the built-in extension disabled): the Markdown as text, beside.
      output.warn(`Markdown preview unavailable (${describe(error)}); showing the explanation as text.`);
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
    }
    return uri;
  }

  /** Applies fixes computed afresh (the text may have changed since they were offered), then reveals the first. */
  async function applyFixes(client: LanguageClient, params: ExplainConnectionParams, titles: readonly string[], shown: vscode.Uri): Promise<void> {
    const fresh = await client.sendRequest<ExplainConnectionResult>(explainConnectionRequest, params);
    const fixes = fresh.fixes.filter((f) => titles.includes(f.title));
    if (fixes.length !== titles.length) {
      void vscode.window.showWarningMessage(`The workspace changed and the fix no longer applies: ${fresh.verdict || fresh.error || ''}`);
      documents.update(shown, fresh.markdown);
      return;
    }
    const merged: LspWorkspaceEdit = { changes: {} };
    for (const fix of fixes) for (const [uri, edits] of Object.entries(fix.edit.changes ?? {})) merged.changes![uri] = [...(merged.changes![uri] ?? []), ...edits];
    const edit = await client.protocol2CodeConverter.asWorkspaceEdit(merged);
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showErrorMessage('NetworkPolicy Inspector: the edit could not be applied.');
      return;
    }
    // Reveal the first inserted rule: it starts on the line after the edit's position.
    const [uri, edits] = Object.entries(fixes[0].edit.changes ?? {})[0] ?? [];
    if (uri && edits && edits.length > 0) {
      const first = edits[0];
      const start = first.range.start.line + (first.newText.startsWith('\n') || first.newText.startsWith('\r') ? 1 : 0);
      const end = first.range.start.line + (first.newText.match(/\r\n|\r|\n/g)?.length ?? 0);
      const document = await vscode.workspace.openTextDocument(client.protocol2CodeConverter.asUri(uri));
      const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
      const range = new vscode.Range(start, 0, end, document.lineAt(Math.min(end, document.lineCount - 1)).text.length);
      editor.selection = new vscode.Selection(range.start, range.end);
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
    // The explanation follows: ask again with the edited (unsaved) text.
    const after = await client.sendRequest<ExplainConnectionResult>(explainConnectionRequest, params);
    documents.update(shown, after.markdown);
    void vscode.window.showInformationMessage(`${after.verdict} (the file is edited, not saved)`);
  }

  /** Returns the URI of the explanation document, for callers that want to follow it. */
  async function whyBlocked(argument?: unknown): Promise<vscode.Uri | undefined> {
    const client = runningClient();
    if (!client) return undefined;
    const given = connectionArgument(argument);
    let params = given?.params;
    if (!params) {
      const { endpoints } = await client.sendRequest<EndpointsResult>(endpointsRequest, {});
      if (endpoints.length === 0) void vscode.window.showInformationMessage('No pods or workloads are known yet (the workspace may still be indexing): you can still enter addresses.');
      const from = await pickEndpoint(1, 'Why is A -> B blocked? Source', 'Who opens the connection', endpoints);
      if (!from) return undefined;
      const to = await pickEndpoint(2, 'Why is A -> B blocked? Destination', `Where ${from} connects to`, endpoints);
      if (!to) return undefined;
      const port = await pickPort(endpoints.find((e) => e.id === to));
      if (!port) return undefined;
      params = { from, to, port: port.port, protocol: port.protocol };
    }
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'NetworkPolicy: explaining' }, () =>
      client.sendRequest<ExplainConnectionResult>(explainConnectionRequest, params),
    );
    if (result.error) {
      void vscode.window.showErrorMessage(result.error);
      return undefined;
    }
    const shown = await show(result, params);
    if (given?.apply) {
      await applyFixes(client, params, given.apply, shown);
      return shown;
    }
    // The command ends here; the fixes are offered without holding it up.
    const titles = result.fixes.map((f) => f.title);
    const both = titles.length > 1 ? 'Insert both' : undefined;
    const asked = params;
    void vscode.window.showInformationMessage(result.verdict, ...titles, ...(both ? [both] : [])).then((choice) => {
      if (choice) void guarded('Inserting the rule', () => applyFixes(client, asked, choice === both ? titles : [choice], shown))();
    });
    return shown;
  }

  async function generateChecks(uriArgument?: unknown, policyId?: unknown): Promise<void> {
    const client = runningClient();
    if (!client) return;
    let params: ConnectivityChecksParams;
    const uri = uriArgument instanceof vscode.Uri ? uriArgument.toString() : typeof uriArgument === 'string' ? uriArgument : undefined;
    if (uri) {
      const editor = vscode.window.activeTextEditor;
      const position = typeof policyId !== 'string' && editor && editor.document.uri.toString() === uri ? client.code2ProtocolConverter.asPosition(editor.selection.active) : undefined;
      params = { uri, policyId: typeof policyId === 'string' ? policyId : undefined, position };
    } else {
      const editor = vscode.window.activeTextEditor;
      if (!editor || editor.document.languageId !== 'yaml') {
        void vscode.window.showInformationMessage('Place the cursor in a NetworkPolicy of a YAML file, then run "Generate connectivity checks".');
        return;
      }
      params = { uri: editor.document.uri.toString(), position: client.code2ProtocolConverter.asPosition(editor.selection.active) };
    }
    const result = await client.sendRequest<ConnectivityChecksResult>(connectivityChecksRequest, params);
    if (!result.text) {
      void vscode.window.showInformationMessage(result.message ?? 'No connectivity checks for this policy.');
      return;
    }
    const document = await vscode.workspace.openTextDocument({ language: 'shellscript', content: result.text });
    await vscode.window.showTextDocument(document, { preview: false });
  }

  return {
    whyBlocked: guarded('Why is A -> B blocked?', whyBlocked),
    generateChecks: guarded('Generate connectivity checks', generateChecks),
  };
}
