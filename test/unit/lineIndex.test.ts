import * as assert from 'assert';
import { LineIndex } from '../../server/src/service/text/lineIndex';
import { seeded } from '../fuzz/mutate';

describe('LineIndex (offsets <-> LSP positions)', () => {
  it('counts UTF-16 code units, so an astral character is two characters wide', () => {
    const text = 'a: "😀x"\nb: 1\n';
    const index = new LineIndex(text);
    const x = text.indexOf('x');
    assert.deepStrictEqual(index.positionAt(x), { line: 0, character: 6 });
    assert.strictEqual(index.offsetAt({ line: 0, character: 6 }), x);
  });

  it('never points between the halves of a surrogate pair', () => {
    const text = '😀';
    assert.deepStrictEqual(new LineIndex(text).positionAt(1), { line: 0, character: 0 });
  });

  it('treats \\n, \\r\\n and a lone \\r as line breaks, and an offset inside \\r\\n as the line end', () => {
    const text = 'a\r\nbb\rccc\nd';
    const index = new LineIndex(text);
    assert.strictEqual(index.lineCount, 4);
    assert.deepStrictEqual(index.positionAt(2), { line: 0, character: 1 });
    assert.deepStrictEqual(index.positionAt(3), { line: 1, character: 0 });
    assert.deepStrictEqual(index.positionAt(6), { line: 2, character: 0 });
    assert.deepStrictEqual(index.positionAt(text.length), { line: 3, character: 1 });
    assert.strictEqual(index.lineText(1), 'bb');
  });

  it('clamps positions past the end of a line or of the text', () => {
    const index = new LineIndex('ab\ncd');
    assert.strictEqual(index.offsetAt({ line: 0, character: 99 }), 2);
    assert.strictEqual(index.offsetAt({ line: 9, character: 0 }), 5);
    assert.deepStrictEqual(index.positionAt(99), { line: 1, character: 2 });
  });
});

describe('LineIndex.edited (line starts kept across edits)', () => {
  /** The fuzzer's seeded generator, so that a failure can be replayed. */
  const random = seeded;

  it('answers as a fresh index would through hundreds of edits, keystrokes within a line among them', () => {
    const pieces = ['x', 'y', '', 'ab', '\n', '\r\n', '\r', 'a\nb', 'zz'];
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(seed);
      let text = Array.from({ length: 40 }, (_, i) => `line ${i}: ${'v'.repeat(i % 7)}`).join(seed % 2 ? '\n' : '\r\n');
      let index = new LineIndex(text);
      for (let step = 0; step < 150; step++) {
        // Mostly typing at a spot that drifts, as an editor does; sometimes anywhere.
        const at = Math.floor(next() * (text.length + 1));
        const end = Math.min(text.length, at + (next() < 0.7 ? 0 : Math.floor(next() * 6)));
        const insert = next() < 0.7 ? pieces[Math.floor(next() * 3)] : pieces[Math.floor(next() * pieces.length)];
        const prefix = at;
        const suffix = text.length - end;
        text = text.slice(0, at) + insert + text.slice(end);
        index = LineIndex.edited(index, text, prefix, suffix);
        const fresh = new LineIndex(text);
        assert.strictEqual(index.lineCount, fresh.lineCount, `seed ${seed}, step ${step}`);
        for (let line = 0; line < fresh.lineCount; line++) {
          assert.strictEqual(index.lineStart(line), fresh.lineStart(line), `seed ${seed}, step ${step}, line ${line}`);
          assert.strictEqual(index.lineEnd(line), fresh.lineEnd(line), `seed ${seed}, step ${step}, line ${line}`);
        }
        for (let k = 0; k < 10; k++) {
          const offset = Math.floor(next() * (text.length + 2));
          assert.deepStrictEqual(index.positionAt(offset), fresh.positionAt(offset), `seed ${seed}, step ${step}, offset ${offset}`);
        }
      }
    }
  });

  it('leaves the index it was made from as it was', () => {
    const text = 'a\nbb\nccc\n';
    const before = new LineIndex(text);
    const after = LineIndex.edited(before, 'a\nbXb\nccc\n', 3, 6);
    LineIndex.edited(after, 'a\nbX\nb\nccc\n', 4, 6);
    assert.deepStrictEqual([0, 1, 2, 3].map((line) => before.lineStart(line)), [0, 2, 5, 9]);
    assert.deepStrictEqual([0, 1, 2, 3].map((line) => after.lineStart(line)), [0, 2, 6, 10]);
  });
});
