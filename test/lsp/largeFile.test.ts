import * as assert from 'assert';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { createLanguageService } from '../../server/src/service/languageService';
import { LspClient } from '../helpers/lspClient';

/**
 * A file of many policies gets the API server's checks at once and the semantic rules once
 * typing pauses; those run in slices between messages, and a change drops the analysis under
 * way. What is published must be what the service computes for that version.
 */

function largeFile(policies: number): string {
  const documents: string[] = [];
  for (let i = 0; i < policies; i++) {
    if (i % 4 === 0) {
      documents.push(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${i}
  namespace: ns-${i % 9}
spec:
  template:
    metadata:
      labels:
        app: app-${i % 13}
    spec:
      containers:
      - name: main
        ports:
        - name: http
          containerPort: 8080
`);
    }
    documents.push(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: policy-${i}
  namespace: ns-${i % 9}
spec:
  podSelector:
    matchLabels:
      app: app-${i % 17}
  egress:
  - to:
    - podSelector:
        matchLabels:
          app: app-${(i * 7) % 13}
    ports:
    - port: ${i % 10 === 0 ? 'web' : 'http'}
`);
  }
  return documents.join('---\n');
}

describe('a large file over stdio (dist/server.js)', function () {
  this.timeout(60000);
  let client: LspClient;

  beforeEach(() => {
    client = new LspClient({ diagnostics: { delay: 0 } });
  });

  afterEach(() => client.kill());

  it('publishes the API checks, then the semantic rules; a change drops a stale analysis, and the last publication is what the service computes', async () => {
    await client.initialize();
    const uri = 'file:///work/large.yaml';
    const text = largeFile(600);
    // Every publication, until the document is closed.
    const publications: PublishDiagnosticsParams[] = [];
    const recorded = client.waitForDiagnostics(
      uri,
      (p) => {
        if (p.version === undefined) return true;
        publications.push(p);
        return false;
      },
      55000,
    );

    const service = createLanguageService();
    const expected = (content: string, semantic: boolean) => {
      const parsed = service.parse(content);
      return JSON.parse(JSON.stringify(service.validate(parsed, { uri, workspace: [{ uri, parsed }] }, { semantic })));
    };

    const first = client.waitForDiagnostics(uri, (p) => p.version === 1, 30000);
    await client.open(uri, text);
    assert.deepStrictEqual((await first).diagnostics, expected(text, false));
    const complete = await client.waitForDiagnostics(uri, (p) => p.version === 1, 30000);
    assert.deepStrictEqual(complete.diagnostics, expected(text, true));
    assert.ok(complete.diagnostics.length > (await first).diagnostics.length, 'the semantic rules add diagnostics');

    // Type once the pause is over, while the analysis of version 2 may be under way.
    const line = text.split('\n').findIndex((l, i) => i > 3000 && /^ {6}app: app-\d+$/.test(l));
    const character = text.split('\n')[line].length;
    const edit = (version: number, insert: string) => client.change(uri, version, [{ range: { start: { line, character: character + version - 2 }, end: { line, character: character + version - 2 } }, text: insert }]);
    let current = text;
    const apply = (version: number, insert: string) => {
      const lines = current.split('\n');
      lines[line] = lines[line].slice(0, character + version - 2) + insert + lines[line].slice(character + version - 2);
      current = lines.join('\n');
    };
    const v2 = client.waitForDiagnostics(uri, (p) => p.version === 2, 30000);
    await edit(2, 'x');
    apply(2, 'x');
    await v2;
    await new Promise((r) => setTimeout(r, 450));
    const v3 = client.waitForDiagnostics(uri, (p) => p.version === 3, 30000);
    await edit(3, 'y');
    apply(3, 'y');
    assert.deepStrictEqual((await v3).diagnostics, expected(current, false));
    const v3Complete = await client.waitForDiagnostics(uri, (p) => p.version === 3, 30000);
    assert.deepStrictEqual(v3Complete.diagnostics, expected(current, true));

    await client.close(uri);
    await recorded;
    // Never a publication for an older version after a newer one.
    const versions = publications.map((p) => p.version ?? 0);
    assert.deepStrictEqual(versions, [...versions].sort((a, b) => a - b), `publications in order: ${versions.join(', ')}`);
  });
});
