import * as assert from 'assert';
import { createLanguageService } from '../../server/src/service/languageService';
import { semanticRuleCodes } from '../../server/src/service/rules';
import type { ParsedFile } from '../../server/src/service/parse/parseFile';
import { LineIndex } from '../../server/src/service/text/lineIndex';

/** Everything a parse tells, offsets included, in a comparable form. */
function snapshot(file: ParsedFile): unknown {
  return {
    lines: Array.from({ length: file.lines.lineCount + 1 }, (_, line) => file.lines.offsetAt({ line, character: 0 })),
    documents: file.documents.map((d) => ({
      index: d.index,
      span: d.span,
      errors: d.errors,
      kinds: d.kinds,
      // The view as JSON keeps every node's span, key span and value.
      view: JSON.stringify(d.view),
      manifests: d.manifests.map((m) => ({ ...m, node: m.node.span })),
    })),
  };
}

// API-server checks only: the semantic rules have their own fixtures.
const apiOnly = { rules: Object.fromEntries(semanticRuleCodes.map((code) => [code, 'off' as const])) };

const policy = (name: string, port: number | string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}
spec:
  podSelector:
    matchLabels: {app: ${name}}
  ingress:
  - ports:
    - port: ${port}
`;

/** A small deterministic generator, so that a failure names its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('incremental parsing', () => {
  const service = createLanguageService(apiOnly);

  it('gives the same diagnostics as a fresh parse after random edits, reusing unchanged documents', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(seed);
      let text = Array.from({ length: 6 }, (_, i) => policy(`p${i}`, i % 2 ? 70000 : 'http')).join('---\n');
      let parsed = service.parse(text);
      for (let step = 0; step < 15; step++) {
        const at = Math.floor(next() * (text.length + 1));
        const pieces = ['x', '\n', '---\n', ' ', '9', ': ', '- ', '"', '{', ''];
        const insert = pieces[Math.floor(next() * pieces.length)];
        const remove = next() < 0.5 ? Math.floor(next() * 4) : 0;
        text = text.slice(0, at) + insert + text.slice(at + remove);
        const previousDocuments = new Set(parsed.documents);
        parsed = service.parse(text, parsed);
        const fresh = service.parse(text);
        assert.deepStrictEqual(service.validate(parsed), service.validate(fresh), `seed ${seed}, step ${step}`);
        assert.deepStrictEqual(
          parsed.documents.map((d) => d.span),
          fresh.documents.map((d) => d.span),
          `seed ${seed}, step ${step}: document spans`,
        );
        if (parsed.documents.length > 2) {
          assert.ok(parsed.documents.some((d) => previousDocuments.has(d)), `seed ${seed}, step ${step}: nothing was reused`);
        }
      }
    }
  });

  it('with the edit hint the server sends, gives exactly the parse of the new text', () => {
    const pieces = ['x', '\n', '---\n', '--- ', '...\n', ' ', '9', ': ', '- ', '"', '{', '\r\n', '\r', '%YAML 1.1\n', '# c\n', '&a ', '*a', ''];
    for (let seed = 1; seed <= 30; seed++) {
      const next = random(seed);
      let text = Array.from({ length: 8 }, (_, i) => policy(`p${i}`, i % 2 ? 70000 : 'http')).join(seed % 3 === 0 ? '---\r\n' : '---\n');
      let parsed = service.parse(text);
      for (let step = 0; step < 20; step++) {
        const at = Math.floor(next() * (text.length + 1));
        const insert = pieces[Math.floor(next() * pieces.length)];
        const remove = next() < 0.5 ? Math.floor(next() * 6) : 0;
        const end = Math.min(text.length, at + remove);
        const hint = { prefix: at, suffix: text.length - end };
        const hadDirective = /^%/m.test(text);
        text = text.slice(0, at) + insert + text.slice(end);
        // Documents whose following document (its `---` line) starts well before the edit.
        const untouched = parsed.documents.filter((d, i) => i + 1 < parsed.documents.length && parsed.documents[i + 1].span[0] + 4 <= at);
        parsed = service.parse(text, parsed, hint);
        const fresh = service.parse(text);
        assert.deepStrictEqual(snapshot(parsed), snapshot(fresh), `seed ${seed}, step ${step}: inserted ${JSON.stringify(insert)} at ${at}, removed ${remove}`);
        // A file with a directive is parsed whole, before and after.
        if (!hadDirective && !/^%/m.test(text)) for (const d of untouched) assert.ok(parsed.documents.includes(d), `seed ${seed}, step ${step}: a document before the edit was parsed again`);
      }
    }
  });

  it('updates line starts from an edit as a fresh index would, for every kind of line break', () => {
    const pieces = ['\n', '\r', '\r\n', 'ab', '\n\n', '\r\r\n', '', 'x\ry'];
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      let text = 'a\nb\r\nc\rd\n\r\ne';
      let index = new LineIndex(text);
      for (let step = 0; step < 30; step++) {
        const at = Math.floor(next() * (text.length + 1));
        const end = Math.min(text.length, at + Math.floor(next() * 3));
        const insert = pieces[Math.floor(next() * pieces.length)];
        const prefix = at;
        const suffix = text.length - end;
        text = text.slice(0, at) + insert + text.slice(end);
        index = LineIndex.edited(index, text, prefix, suffix);
        const fresh = new LineIndex(text);
        const starts = (i: LineIndex) => Array.from({ length: i.lineCount }, (_, line) => i.offsetAt({ line, character: 0 }));
        assert.deepStrictEqual(starts(index), starts(fresh), `seed ${seed}, step ${step}: ${JSON.stringify(text)}`);
      }
    }
  });

  it('keeps every document of a multi-document file when one of them is broken', () => {
    const text = [policy('a', 70000), 'kind: [unclosed\n', policy('b', 'Bad_Name')].join('---\n');
    const diagnostics = service.validate(service.parse(text));
    assert.deepStrictEqual(
      diagnostics.map((d) => d.code),
      ['netpol/invalid-port', 'netpol/yaml-syntax', 'netpol/invalid-port'],
    );
    assert.strictEqual(diagnostics[0].range.start.line, 9);
    // The syntax error stays inside the broken document (lines 11-12), and the policy after it is still checked.
    assert.ok(diagnostics[1].range.start.line >= 11 && diagnostics[1].range.end.line <= 12, JSON.stringify(diagnostics[1].range));
    assert.strictEqual(diagnostics[2].range.start.line, 22);
  });
});
