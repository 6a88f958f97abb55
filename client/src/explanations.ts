import vscode = require('vscode');

/** The explanations are read-only Markdown documents of this scheme, shown in the Markdown preview. */
export const EXPLAIN_SCHEME = 'netpol-explain';
const KEEP_EXPLANATIONS = 20;

/**
 * The explanations shown so far, by URI; the oldest are forgotten. Registered at activation
 * (a restored preview asks for its document before any command runs); the "Why is A -> B
 * blocked?" command (commands.ts, loaded on first use) fills it.
 */
export class ExplanationDocuments implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private counter = 0;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '# This explanation is no longer available\n\nRun "Why is A -> B blocked?" again.\n';
  }

  create(from: string, to: string, markdown: string): vscode.Uri {
    const name = `${from} to ${to}`.replace(/[^A-Za-z0-9._ -]+/g, '-').slice(0, 120);
    const uri = vscode.Uri.from({ scheme: EXPLAIN_SCHEME, path: `/Why ${name}.md`, query: String(++this.counter) });
    this.contents.set(uri.toString(), markdown);
    while (this.contents.size > KEEP_EXPLANATIONS) this.contents.delete(this.contents.keys().next().value as string);
    return uri;
  }

  update(uri: vscode.Uri, markdown: string): void {
    this.contents.set(uri.toString(), markdown);
    this.changed.fire(uri);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
