// "Why is A -> B blocked?" and "Generate connectivity checks" in a real extension host: the
// explanation opens as a netpol-explain Markdown document, a fix is applied to the policy's
// document and the explanation follows, and the checks open as a shell script.
'use strict';

const assert = require('node:assert/strict');
const vscode = require('vscode');

const EXTENSION_ID = 'netpol-inspector.netpol-inspector';
const FILE = 'why-blocked.yaml';

const text = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: why}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: api:1
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: storefront, namespace: why}
spec:
  selector: {matchLabels: {app: storefront}}
  template:
    metadata: {labels: {app: storefront}}
    spec:
      containers: [{name: storefront, image: storefront:1}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-allow-metrics
  namespace: why
spec:
  podSelector:
    matchLabels:
      app: api
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: monitoring
`;

async function until(get, predicate, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (predicate(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The explanation document the command returned, read afresh. */
async function explanationText(uri) {
  return uri ? (await vscode.workspace.openTextDocument(uri)).getText() : '';
}

describe('NetworkPolicy Inspector commands in the extension host', function () {
  this.timeout(60_000);
  let uri;

  before(async () => {
    const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
    assert.ok(folder, 'the test workspace is open');
    uri = vscode.Uri.joinPath(folder.uri, FILE);
    await vscode.workspace.fs.writeFile(uri, Buffer.from(text));
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    await extension.activate();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(uri).then(undefined, () => undefined);
  });

  it('registers both commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const command of ['netpol.whyBlocked', 'netpol.generateChecks']) assert.ok(commands.includes(command), `command ${command}`);
  });

  it('explains why storefront -> api is blocked, inserts the ingress rule, and the explanation then says allowed', async () => {
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const ask = { from: 'why/storefront', to: 'why/api', port: 'http' };
    // The server knows the document once it has analysed it; ask until the explanation is there.
    const shown = await until(
      () => vscode.commands.executeCommand('netpol.whyBlocked', ask),
      (u) => u !== undefined,
      'the explanation document',
    );
    assert.equal(shown.scheme, 'netpol-explain');
    const explanation = await explanationText(shown);
    assert.match(explanation, /^# Denied/);
    assert.match(explanation, /Default deny \(cause 1\)/);
    // Shown in the Markdown preview, beside the editor.
    const preview = vscode.window.tabGroups.all
      .flatMap((group) => group.tabs)
      .find((tab) => tab.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(tab.input.viewType) && tab.label.includes('Why'));
    assert.ok(preview, `a Markdown preview tab; tabs: ${vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label).join(', ')}`);
    assert.match(explanation, /\*\*Insert ingress rule in why\/api-allow-metrics\*\*/);

    const applied = await vscode.commands.executeCommand('netpol.whyBlocked', { ...ask, apply: 'Insert ingress rule in why/api-allow-metrics' });
    assert.ok(
      document.getText().endsWith(`          kubernetes.io/metadata.name: monitoring
  - from:
    - podSelector:
        matchLabels:
          app: storefront
    ports:
    - protocol: TCP
      port: http
`),
      document.getText(),
    );
    assert.ok(document.isDirty, 'edited, not saved');
    await until(
      () => explanationText(applied),
      (t) => t.startsWith('# Allowed'),
      'the explanation to follow the edit',
    );
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('generates connectivity checks for a policy into a new shell script editor', async () => {
    await vscode.commands.executeCommand('netpol.generateChecks', uri.toString(), 'why/api-allow-metrics');
    const editor = await until(
      async () => vscode.window.activeTextEditor,
      (e) => e !== undefined && e.document.isUntitled && e.document.getText().startsWith('#!/bin/sh'),
      'the checks editor',
    );
    assert.equal(editor.document.languageId, 'shellscript');
    assert.match(editor.document.getText(), /# Connectivity checks for NetworkPolicy why\/api-allow-metrics/);
    assert.match(editor.document.getText(), /kubectl run np-check-1 -n why --rm -i --restart=Never --image=busybox:1.36 --labels=app=storefront -- wget --spider --timeout=1 -q "http:\/\/\$ip:8080"/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
