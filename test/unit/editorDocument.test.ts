import * as assert from 'assert';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { EditorDocument } from '../../server/src/editorDocument';
import { seeded } from '../fuzz/mutate';

/** The server's open documents must answer as vscode-languageserver-textdocument's do (where its answers are right). */
describe('EditorDocument (the server\'s open documents)', () => {
  /** The fuzzer's seeded generator, so that a failure can be replayed. */
  const random = seeded;

  it('applies incremental and full changes as TextDocument does, and answers positions alike', () => {
    const pieces = ['x', '', 'ab', '\n', '\r\n', '\r', 'a\nb\r\nc', '  app: web\n'];
    for (let seed = 1; seed <= 60; seed++) {
      const next = random(seed);
      const initial = 'kind: NetworkPolicy\r\nmetadata:\n  name: a\r\nspec: {}\n';
      let reference = TextDocument.create('file:///a.yaml', 'yaml', 1, initial);
      const ours = EditorDocument.create('file:///a.yaml', 'yaml', 1, initial);
      for (let step = 0; step < 60; step++) {
        const lines = reference.lineCount;
        const at = () => ({ line: Math.floor(next() * (lines + 1)) - (next() < 0.05 ? 1 : 0), character: Math.floor(next() * 12) });
        const version = step + 2;
        const changes =
          next() < 0.03
            ? [{ text: pieces[Math.floor(next() * pieces.length)].repeat(3) }]
            : Array.from({ length: 1 + Math.floor(next() * 2) }, () => ({ range: { start: at(), end: at() }, text: pieces[Math.floor(next() * pieces.length)] }));
        // The text as TextDocument makes it, and the positions as it counts them in that text
        // (its own incremental line offsets go wrong after a range that ends past the last line).
        reference = TextDocument.update(reference, changes, version);
        reference = TextDocument.create(reference.uri, 'yaml', version, reference.getText());
        ours.update(changes, version);
        const where = `seed ${seed}, step ${step}`;
        assert.strictEqual(ours.getText(), reference.getText(), where);
        assert.strictEqual(ours.version, version);
        assert.strictEqual(ours.lineCount, reference.lineCount, where);
        for (let k = 0; k < 8; k++) {
          const position = at();
          assert.strictEqual(ours.offsetAt(position), reference.offsetAt(position), `${where}: offsetAt ${JSON.stringify(position)}`);
          const offset = Math.floor(next() * (reference.getText().length + 2)) - (next() < 0.05 ? 1 : 0);
          assert.deepStrictEqual(ours.positionAt(offset), reference.positionAt(offset), `${where}: positionAt ${offset}`);
          const range = { start: at(), end: at() };
          assert.strictEqual(ours.getText(range), reference.getText(range), `${where}: getText ${JSON.stringify(range)}`);
          const line = Math.floor(next() * (lines + 2)) - 1;
          assert.deepStrictEqual(ours.getLineRange(line), reference.getLineRange(line), `${where}: getLineRange ${line}`);
          assert.strictEqual(ours.getEOLCharacters(line), reference.getEOLCharacters(line), `${where}: getEOLCharacters ${line}`);
        }
      }
    }
  });
});
