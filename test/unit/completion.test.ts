import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CompletionItem, CompletionList, TextEdit } from 'vscode-languageserver-types';
import { getCompletions, quoteIfNeeded, snippetToText } from '../../server/src/service/completion';
import type { CompletionContext, LabeledObject, LabelProvider } from '../../server/src/service/completion';
import { createLanguageService } from '../../server/src/service/languageService';
import { fixtureFiles } from '../helpers/fixtures';

/**
 * Completion fixtures are YAML files with `$0` at the cursor and header comments:
 *
 *   # expect: podSelector, namespaceSelector, ipBlock   labels, in the order shown (sortText)
 *   # trigger: space                                   optional: typed ' ' (or `colon`) opened the list
 *   # apply: podSelector                               optional: accept this item; compare with x.after.yaml
 *
 * `$0` is removed before parsing. An empty `# expect:` means no completions.
 */
interface Fixture {
  text: string;
  offset: number;
  expect: string[];
  trigger?: string;
  apply?: string;
}

function readFixture(file: string): Fixture {
  const raw = fs.readFileSync(file, 'utf8');
  const offset = raw.indexOf('$0');
  assert.ok(offset >= 0, `${path.basename(file)}: no $0 cursor`);
  const text = raw.slice(0, offset) + raw.slice(offset + 2);
  const header = (name: string) => new RegExp(`^# ${name}:(.*)$`, 'm').exec(raw)?.[1].trim();
  const expect = header('expect');
  assert.ok(expect !== undefined, `${path.basename(file)}: no "# expect:" line`);
  const trigger = header('trigger');
  return {
    text,
    offset,
    expect: expect === '' ? [] : expect.split(/\s*,\s*/),
    trigger: trigger === 'space' ? ' ' : trigger === 'colon' ? ':' : trigger,
    apply: header('apply'),
  };
}

const service = createLanguageService();

function complete(text: string, offset: number, context: CompletionContext = {}): CompletionList {
  return getCompletions(service.parse(text), offset, context);
}

/** Items in the order an editor shows them before any filtering. */
function shown(list: CompletionList): CompletionItem[] {
  return [...list.items].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label) || a.label.localeCompare(b.label));
}

/** The text after accepting an item, with its snippet left at its defaults. */
function accept(text: string, item: CompletionItem): string {
  const edit = item.textEdit as TextEdit;
  const edits: TextEdit[] = [{ range: edit.range, newText: item.insertTextFormat === 2 ? snippetToText(edit.newText) : edit.newText }, ...(item.additionalTextEdits ?? [])];
  return TextDocument.applyEdits(TextDocument.create('file:///x.yaml', 'yaml', 1, text), edits);
}

function check(file: string): void {
  const fixture = readFixture(file);
  const context: CompletionContext = fixture.trigger ? { triggerKind: 2, triggerCharacter: fixture.trigger } : { triggerKind: 1 };
  const list = complete(fixture.text, fixture.offset, context);
  assert.deepStrictEqual(shown(list).map((i) => i.label), fixture.expect, `${path.basename(file)}: completion labels differ`);
  for (const item of list.items) {
    const edit = item.textEdit as TextEdit;
    assert.ok(edit && edit.range.start.line === edit.range.end.line, `${item.label}: the edit must stay on the cursor's line`);
    assert.ok(edit.range.start.character <= edit.range.end.character);
  }
  if (fixture.apply) {
    const item = list.items.find((i) => i.label === fixture.apply);
    assert.ok(item, `${path.basename(file)}: no item ${fixture.apply}`);
    const afterFile = file.replace(/\.yaml$/, '.after.yaml');
    const expected = fs.readFileSync(afterFile, 'utf8');
    assert.strictEqual(accept(fixture.text, item), expected, `${path.basename(afterFile)}: text after accepting ${fixture.apply} differs`);
  }
}

describe('completion fixtures (test/fixtures/completion)', () => {
  for (const file of fixtureFiles('completion')) {
    it(path.relative(path.resolve(__dirname, '../../../test/fixtures/completion'), file), () => check(file));
  }
});

const policy = (spec: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n  namespace: shop\nspec:\n${spec}`;

describe('completion', () => {
  it('takes an LSP position as well as an offset, and counts characters in UTF-16', () => {
    const raw = policy('  podSelector:\n    matchLabels: {emoji: "😀😀", $0}\n');
    const offset = raw.indexOf('$0');
    const text = raw.replace('$0', '');
    const withDeployment = `${text}---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n`;
    const file = service.parse(withDeployment);
    const byOffset = getCompletions(file, offset);
    const position = file.lines.positionAt(offset);
    assert.strictEqual(position.character, '    matchLabels: {emoji: "😀😀", '.length);
    const byPosition = service.completion(file, position);
    assert.deepStrictEqual(byPosition, byOffset);
    assert.deepStrictEqual(byOffset.items.map((i) => i.label), ['app']);
    assert.deepStrictEqual((byOffset.items[0].textEdit as TextEdit).range.start, position);
  });

  it('reads CRLF files', () => {
    const raw = policy('  podSelector: {}\n  policyTypes:\n    - $0\n').replace(/\n/g, '\r\n');
    const list = complete(raw.replace('$0', ''), raw.indexOf('$0'));
    assert.deepStrictEqual(shown(list).map((i) => i.label), ['Ingress', 'Egress']);
  });

  it('adds the labels of a provider to those of the file', () => {
    const provider: LabelProvider = {
      objects: (scope): LabeledObject[] =>
        scope === 'pod'
          ? [
              { origin: 'Deployment shop/api', namespace: 'shop', labels: { app: 'api', tier: 'backend' } },
              { origin: 'Deployment other/db', namespace: 'other', labels: { app: 'db', store: 'sql' } },
            ]
          : [{ origin: 'Namespace shop', labels: { 'kubernetes.io/metadata.name': 'shop', team: 'checkout' } }],
    };
    const keys = policy('  podSelector:\n    matchLabels:\n      $0\n');
    const list = complete(keys.replace('$0', ''), keys.indexOf('$0'), { labels: provider });
    // Labels of pods in the policy's own namespace come first.
    assert.deepStrictEqual(shown(list).map((i) => i.label), ['app', 'tier', 'store']);
    const values = policy('  podSelector:\n    matchLabels:\n      app: $0\n');
    const valueList = complete(values.replace('$0', ''), values.indexOf('$0'), { labels: provider });
    assert.deepStrictEqual(shown(valueList).map((i) => i.label), ['api', 'db']);
    const namespaces = policy('  podSelector: {}\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              $0\n');
    const nsList = complete(namespaces.replace('$0', ''), namespaces.indexOf('$0'), { labels: provider });
    assert.deepStrictEqual(shown(nsList).map((i) => i.label), ['kubernetes.io/metadata.name', 'team']);
  });

  it('inserts plain text for clients without snippets', () => {
    const raw = policy('  podSelector: {}\n  ingress:\n    - ports:\n        - $0\n');
    const list = complete(raw.replace('$0', ''), raw.indexOf('$0'), { snippetSupport: false });
    const protocol = list.items.find((i) => i.label === 'protocol')!;
    assert.strictEqual(protocol.insertTextFormat, 1);
    assert.strictEqual((protocol.textEdit as TextEdit).newText, 'protocol: TCP');
    assert.strictEqual(protocol.command, undefined);
  });

  it('documents keys with their schema description', () => {
    const raw = policy('  $0\n');
    const list = complete(raw.replace('$0', ''), raw.indexOf('$0'));
    const podSelector = list.items.find((i) => i.label === 'podSelector')!;
    assert.deepStrictEqual(podSelector.documentation, { kind: 'markdown', value: 'The pods of this namespace the policy applies to. `{}` selects every pod in the namespace.' });
    assert.strictEqual(podSelector.detail, 'LabelSelector');
  });

  it('quotes values that YAML 1.1 would not read as the same string', () => {
    assert.strictEqual(quoteIfNeeded('web', false), 'web');
    assert.strictEqual(quoteIfNeeded('app.kubernetes.io/name', false), 'app.kubernetes.io/name');
    for (const value of ['true', 'yes', 'off', 'null', '~', '123', '0x1f', '1.5', '1:20', '', '*x', 'a: b', 'a #b']) {
      assert.notStrictEqual(quoteIfNeeded(value, false), value, value);
    }
    assert.strictEqual(quoteIfNeeded('a,b', true), '"a,b"');
  });

  it('expands snippets to their defaults', () => {
    assert.strictEqual(snippetToText('a: ${1|TCP,UDP|}\nb: ${2:x ${3:y}} $0 \\$ \\}'), 'a: TCP\nb: x y  $ }');
    assert.strictEqual(snippetToText('name: ${1:${TM_FILENAME_BASE}}'), 'name: ');
  });

  it('never throws: at any offset of any fixture, and at the end of prefixes of one, as if typed', function () {
    // Some thousands of requests: a few seconds on a busy machine.
    this.timeout(120000);
    const cases = fixtureFiles('completion').map((file) => {
      const raw = fs.readFileSync(file, 'utf8');
      return { text: raw.replace('$0', ''), cursor: raw.indexOf('$0') };
    });
    for (const text of ['', '-', '- ', ':', '{', '[', '"', "'", '? a\n: b', 'a: [\n', 'a: {b: [c, {d: ', '\t- \t', '---\n...\n', '%YAML 1.1\n---\n', 'a: |\n  x\n  ']) {
      cases.push({ text, cursor: text.length });
    }
    const typed = { triggerKind: 2, triggerCharacter: ' ' };
    for (const { text, cursor } of cases) {
      const file = service.parse(text);
      for (let offset = 0; offset <= text.length; offset++) assert.ok(Array.isArray(getCompletions(file, offset).items));
      // Typing: the text up to each line end, and up to each character of the cursor's line.
      const lineStart = text.lastIndexOf('\n', cursor - 1) + 1;
      const lineEnd = text.indexOf('\n', cursor) < 0 ? text.length : text.indexOf('\n', cursor);
      const ends = new Set<number>();
      for (let i = 0; i <= text.length; i++) if (i === text.length || text[i] === '\n' || (i >= lineStart && i <= lineEnd)) ends.add(i);
      for (const end of ends) {
        const prefix = service.parse(text.slice(0, end));
        assert.ok(Array.isArray(getCompletions(prefix, end).items));
        assert.ok(Array.isArray(getCompletions(prefix, end, typed).items));
      }
    }
  });
});
