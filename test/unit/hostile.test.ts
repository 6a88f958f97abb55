import * as assert from 'assert';
import { createLanguageService } from '../../server/src/service/languageService';
import { diagnosticsProblem } from '../fuzz/check';

const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
  - ports:
    - port: 70000
`;

function check(text: string, options = {}) {
  const service = createLanguageService(options);
  const diagnostics = service.validate(service.parse(text), { uri: 'hostile.yaml' });
  const problem = diagnosticsProblem(text, diagnostics);
  assert.strictEqual(problem, undefined, problem);
  return diagnostics;
}

// Hostile and odd input: each gets a clear diagnostic or is analysed normally, and nothing
// throws. (Time budgets are checked by the benchmark, not here.)
describe('hostile input', function () {
  this.timeout(60000);

  it('bounds an alias bomb with one diagnostic', () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 12; i++) text += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    text += `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bomb}\nspec:\n  podSelector:\n    matchLabels:\n      bomb: *a11\n`;
    const codes = check(text).map((d) => d.code);
    assert.ok(codes.includes('netpol/yaml-limit'), codes.join(', '));
  });

  it('reports a file over netpol.maxFileSize once, without parsing it', () => {
    const big = policy + '#'.repeat(6 * 1024 * 1024) + '\n';
    const diagnostics = check(big);
    assert.deepStrictEqual(diagnostics.map((d) => d.code), ['netpol/file-too-large']);
    assert.match(String(diagnostics[0].message), /6\.0 MB, more than the 5\.0 MB set in netpol\.maxFileSize/);
  });

  it('survives 10,000 levels of nesting', () => {
    for (const text of ['['.repeat(10000) + ']'.repeat(10000), `${policy}x: ${'{a: '.repeat(10000)}1${'}'.repeat(10000)}\n`]) {
      check(text);
    }
  });

  it('reads binary content, invalid UTF-8 and NUL characters as text with a syntax error', () => {
    const binary = Buffer.from([0x00, 0xff, 0xfe, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xc3, 0x28]).toString('utf8');
    check(binary.repeat(1000));
  });

  it('analyses a file with a BOM, CRLF or mixed line ends, as without them', () => {
    const expected = check(policy).map((d) => `${d.code}@${d.range.start.line}:${d.range.start.character}`);
    for (const text of [`\ufeff${policy}`, policy.replace(/\n/g, '\r\n'), policy.replace(/\n/g, (_m, i: number) => (i % 2 ? '\r\n' : '\n'))]) {
      const diagnostics = check(text).map((d) => `${d.code}@${d.range.start.line}:${d.range.start.character + (text.startsWith('\ufeff') && d.range.start.line === 0 ? -1 : 0)}`);
      assert.deepStrictEqual(diagnostics, expected);
    }
  });

  it('reports tabs used for indentation as a syntax error where they are', () => {
    const diagnostics = check(policy.replace('  podSelector', '\tpodSelector'));
    const syntax = diagnostics.find((d) => d.code === 'netpol/yaml-syntax');
    assert.ok(syntax, diagnostics.map((d) => d.code).join(', '));
    assert.strictEqual(syntax!.range.start.line, 6);
  });

  it('analyses a line of 1 MB', () => {
    const text = policy.replace('name: web', `name: web\n  annotations:\n    note: "${'x'.repeat(1024 * 1024)}"`);
    const codes = check(text).map((d) => d.code);
    assert.ok(codes.includes('netpol/invalid-port'));
    assert.ok(codes.includes('netpol/invalid-metadata'), 'annotations over 256 KiB are rejected by the API server');
  });
});
