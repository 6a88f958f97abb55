import * as assert from 'assert';
import { LineIndex } from '../../server/src/service/text/lineIndex';

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
