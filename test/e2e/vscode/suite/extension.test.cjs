// The extension inside a real extension host, through the `vscode` API: activation, the
// diagnostics of a known file, the did-you-mean code action and its edit, the restart command.
// The same checks as the browser tests, without the UI in between.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');

const EXTENSION_ID = 'netpol-inspector.netpol-inspector';
const expectedDir = path.resolve(__dirname, '..', '..', 'expected');

function workspaceUri(name) {
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  assert.ok(folder, 'the test workspace is open');
  return vscode.Uri.joinPath(folder.uri, name);
}

/** Resolves with the diagnostics of `uri` once `predicate` holds for them. */
function waitForDiagnostics(uri, predicate, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const diagnostics = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'netpol');
      if (predicate(diagnostics)) {
        done();
        resolve(diagnostics);
      }
    };
    const subscription = vscode.languages.onDidChangeDiagnostics((event) => {
      if (event.uris.some((u) => u.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      done();
      const now = vscode.languages.getDiagnostics(uri).map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.code && d.code.value ? d.code.value : d.code} ${d.message}`);
      reject(new Error(`Timed out waiting for the diagnostics of ${path.basename(uri.fsPath)}; they are:\n${now.join('\n') || '(none)'}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      subscription.dispose();
    };
    check();
  });
}

function codeOf(diagnostic) {
  return typeof diagnostic.code === 'object' && diagnostic.code !== null ? diagnostic.code.value : diagnostic.code;
}

async function open(name) {
  const document = await vscode.workspace.openTextDocument(workspaceUri(name));
  await vscode.window.showTextDocument(document);
  return document;
}

describe('NetworkPolicy Inspector in the extension host', function () {
  this.timeout(60_000);

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('is installed, activates on a YAML file and registers its commands', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is installed`);
    await open('typo.yaml');
    await extension.activate();
    assert.equal(extension.isActive, true);
    const commands = await vscode.commands.getCommands(true);
    for (const command of ['netpol.restartServer', 'netpol.showOutput']) assert.ok(commands.includes(command), `command ${command}`);
    const settings = vscode.workspace.getConfiguration('netpol');
    for (const key of ['rules', 'maxFileSize', 'diagnostics.delay', 'trace.server']) {
      assert.notEqual(settings.inspect(key), undefined, `setting netpol.${key} is contributed`);
    }
  });

  it('publishes the API server errors for typo.yaml', async () => {
    const document = await open('typo.yaml');
    const diagnostics = await waitForDiagnostics(document.uri, (d) => d.length >= 3);
    const summary = diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${codeOf(d)} ${d.message}`).sort();
    assert.ok(summary.includes('10:5 netpol/unknown-field unknown field "spec.ingress[0].form" (did you mean "from"?)'), summary.join('\n'));
    assert.ok(summary.includes('14:1 netpol/unknown-field unknown field "spce" (did you mean "spec"?)'), summary.join('\n'));
    assert.ok(summary.some((s) => s.startsWith('13:13 netpol/invalid-type ')), summary.join('\n'));
    const errors = diagnostics.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1}`);
    for (const position of ['10:5', '13:13', '14:1']) assert.ok(errors.includes(position), `an error at ${position}: ${summary.join('\n')}`);
  });

  it('offers the did-you-mean quick fix, whose edit gives the expected text', async () => {
    const document = await open('quickfix.yaml');
    const [diagnostic] = await waitForDiagnostics(document.uri, (d) => d.some((x) => codeOf(x) === 'netpol/unknown-field'));
    const actions = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', document.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
    const titles = actions.map((a) => a.title);
    const fix = actions.find((a) => a.title === "Change to 'from'");
    assert.ok(fix, `quick fixes offered: ${JSON.stringify(titles)}`);
    assert.equal(fix.isPreferred, true);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.equal(document.getText(), fs.readFileSync(path.join(expectedDir, 'quickfix.fixed.yaml'), 'utf8'));
    await waitForDiagnostics(document.uri, (d) => !d.some((x) => codeOf(x) === 'netpol/unknown-field'));
  });

  it('restarts the server with netpol.restartServer, and the new one validates edits', async () => {
    const document = await open('restart.yaml');
    await waitForDiagnostics(document.uri, (d) => d.some((x) => x.message.includes('"spec.polciyTypes"')));
    await vscode.commands.executeCommand('netpol.restartServer');
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor);
    await editor.edit((edit) => edit.insert(new vscode.Position(2, 0), 'metdata: {}\n'));
    const diagnostics = await waitForDiagnostics(document.uri, (d) => d.some((x) => x.message === 'unknown field "metdata" (did you mean "metadata"?)'));
    assert.ok(diagnostics.some((x) => x.message.includes('"spec.polciyTypes"')));
  });
});
