import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { snippetToText } from '../../server/src/service/completion';
import { createLanguageService } from '../../server/src/service/languageService';

interface Snippet {
  prefix: string;
  description: string;
  body: string[];
}

const root = path.resolve(__dirname, '..', '..', '..');
const snippetFile = path.join(root, 'snippets', 'networkpolicy.code-snippets');
const snippets = JSON.parse(fs.readFileSync(snippetFile, 'utf8')) as Record<string, Snippet>;
const service = createLanguageService();

describe('snippets (snippets/networkpolicy.code-snippets)', () => {
  it('has the snippets the extension promises, each with a netpol- prefix and a description', () => {
    const prefixes = Object.values(snippets).map((s) => s.prefix);
    assert.deepStrictEqual(prefixes.sort(), [
      'netpol-allow-dns',
      'netpol-allow-from-namespace',
      'netpol-allow-from-pods',
      'netpol-allow-same-namespace',
      'netpol-allow-to-cidr',
      'netpol-deny-all',
      'netpol-deny-egress',
      'netpol-deny-ingress',
      'netpol-policy',
    ]);
    for (const snippet of Object.values(snippets)) assert.ok(snippet.description.length > 0, snippet.prefix);
  });

  for (const [name, snippet] of Object.entries(snippets)) {
    it(`${snippet.prefix}: a valid NetworkPolicy with its placeholders at their defaults`, () => {
      const text = snippetToText(snippet.body.join('\n'));
      const file = service.parse(text);
      assert.strictEqual(file.documents.length, 1, name);
      assert.deepStrictEqual(file.documents[0].errors, [], `${name}: YAML syntax errors`);
      const manifest = file.documents[0].manifests[0];
      assert.strictEqual(manifest?.kind, 'NetworkPolicy', name);
      assert.strictEqual(manifest.apiVersion, 'networking.k8s.io/v1', name);
      // Warnings are allowed: a deny-egress policy is rightly told that it blocks DNS.
      const errors = service.validate(file).filter((d) => d.severity === 1);
      assert.deepStrictEqual(errors.map((d) => `${d.code}: ${d.message}`), [], `${name}: errors\n${text}`);
    });
  }

  it('allow-dns allows UDP and TCP 53 to kube-dns in kube-system', () => {
    const text = snippetToText(Object.values(snippets).find((s) => s.prefix === 'netpol-allow-dns')!.body.join('\n'));
    for (const line of ['kubernetes.io/metadata.name: kube-system', 'k8s-app: kube-dns', '- protocol: UDP', '- protocol: TCP', 'port: 53']) {
      assert.ok(text.includes(line), line);
    }
  });
});
