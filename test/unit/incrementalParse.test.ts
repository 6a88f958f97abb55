import * as assert from 'assert';
import { createLanguageService } from '../../server/src/service/languageService';
import { semanticRuleCodes } from '../../server/src/service/rules';

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
