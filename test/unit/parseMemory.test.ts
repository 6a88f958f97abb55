import * as assert from 'assert';
import * as v8 from 'v8';
import * as vm from 'vm';
import { parseFile, ParsedFile } from '../../server/src/service/parse/parseFile';

/**
 * What the server keeps of an open file while the user types. The strings of a view are cut
 * from the text they were read from, and V8 keeps the whole text alive for any slice of 13 or
 * more characters: a document re-read after an edit, or a scalar the reader remembers, must
 * not keep its version of the file in memory.
 */

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapAfterCollection(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A file of `count` policies whose names and label values are long enough to be slices. */
function manyPolicies(count: number): string {
  const docs: string[] = [];
  for (let i = 0; i < count; i++) {
    docs.push(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-frontend-to-backend-${i}
  namespace: production-namespace-${i % 7}
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: checkout-service-${i}
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app.kubernetes.io/component: storefront-web-${i % 13}
    ports:
    - port: ${8000 + (i % 100)}
`);
  }
  return docs.join('---\n');
}

describe('parse memory', () => {
  it('keeps no earlier version of the text alive while the user edits one document after another', () => {
    const text = manyPolicies(4000); // about 1.4 MB
    const versions = 24;
    let parsed: ParsedFile | undefined = parseFile(text);
    let current = text;
    const before = heapAfterCollection();
    for (let v = 0; v < versions; v++) {
      // A keystroke in a different policy each time, as the editor reports it.
      const at = current.indexOf(`checkout-service-${v * 150}\n`) + 'checkout-service-'.length;
      assert.ok(at > 20, 'the edit spot exists');
      const next = `${current.slice(0, at)}x${current.slice(at)}`;
      parsed = parseFile(next, undefined, parsed, { prefix: at, suffix: current.length - at });
      current = next;
    }
    const after = heapAfterCollection();
    const grown = after - before;
    // Every version kept would be 24 x 1.4 MB (the reader's shared scalars and the re-read
    // documents each kept theirs before); the file itself and the first version read are
    // expected.
    assert.ok(grown < 4 * text.length, `the heap grew by ${(grown / 1048576).toFixed(1)} MB over ${versions} edits of a ${(text.length / 1048576).toFixed(1)} MB file`);
    // The edits were read: the last one is in the view.
    const names = parsed.documents.flatMap((d) => d.manifests.map((m) => JSON.stringify(m.node)));
    assert.ok(names.some((n) => n.includes(`checkout-service-x${(versions - 1) * 150}`)));
  });
});
