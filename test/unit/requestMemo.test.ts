import * as assert from 'assert';
import * as fs from 'fs';
import { detectFileStyle, detectFileStyleSteps, detectStyle } from '../../server/src/service/edit/yamlEdit';
import { workspaceLabels } from '../../server/src/service/completion';
import { createLanguageService } from '../../server/src/service/languageService';
import type { ParsedFile } from '../../server/src/service/parse/parseFile';
import { fixtureFiles } from '../helpers/fixtures';

/**
 * What code actions and completion keep between requests (a file's indentation style read
 * document by document, label statistics per parse) must give what reading everything again gives.
 */

/** A small seeded generator, so that a failure can be replayed. */
function rng(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % Math.max(1, n);
  };
}

const policyDoc = (name: string, indent: string, compact: boolean) => {
  const item = compact ? '' : indent;
  return [
    'apiVersion: networking.k8s.io/v1',
    'kind: NetworkPolicy',
    'metadata:',
    `${indent}name: ${name}`,
    'spec:',
    `${indent}podSelector: {}`,
    `${indent}ingress:`,
    `${indent}${item}- from:`,
    `${indent}${item}${indent}- podSelector:`,
    `${indent}${item}${indent}${indent}  matchLabels:`,
    `${indent}${item}${indent}${indent}    app: web # the front end`,
  ].join('\n');
};

describe('memoised request state', () => {
  it('reads a parsed file\'s indentation style as reading its whole text does, through incremental edits', function () {
    this.timeout(120000);
    const service = createLanguageService();
    const texts = fixtureFiles('').map((file) => fs.readFileSync(file, 'utf8'));
    // Documents of different styles side by side, with comments and markers between them.
    const mixed = Array.from({ length: 12 }, (_, i) => policyDoc(`p${i}`, i % 3 === 0 ? '    ' : '  ', i % 2 === 0)).join('\n# between\n---\n# lead\n');
    texts.push(mixed, `${mixed}\n`, mixed.replace(/\n/g, '\r\n'), `%YAML 1.1\n---\n${mixed}`);
    const pieces = ['\n', '\r\n', '\r', '---\n', '...\n', '- ', '  - ', 'k:', 'k: []', ' # c', '#', '\t', '    ', 'a:\n  - b\n', 'a:\n    b: c\n', '\n---\n', '\n# x\n'];
    const next = rng(9);
    let checked = 0;
    for (const original of texts) {
      let text = original;
      let file: ParsedFile = service.parse(text);
      assert.deepStrictEqual(detectFileStyle(file), detectStyle(text));
      for (let step = 0; step < 6; step++) {
        const at = next(text.length + 1);
        const removed = next(3) === 0 ? next(Math.min(30, text.length - at) + 1) : 0;
        const inserted = pieces[next(pieces.length)];
        const edited = text.slice(0, at) + inserted + text.slice(at + removed);
        file = service.parse(edited, file, { prefix: at, suffix: text.length - at - removed });
        text = edited;
        assert.deepStrictEqual(detectFileStyle(file), detectStyle(text), `after inserting ${JSON.stringify(inserted)} at ${at}`);
        // Read again: from what the documents kept.
        assert.deepStrictEqual(detectFileStyle(file), detectStyle(text));
        checked++;
      }
    }
    assert.ok(checked > 100);
  });

  it('reads the indentation style of a large file in steps, with the same result', () => {
    const service = createLanguageService();
    const text = Array.from({ length: 450 }, (_, i) => policyDoc(`p${i}`, i % 5 === 0 ? '    ' : '  ', i % 2 === 0)).join('\n---\n');
    const file = service.parse(text);
    const steps = detectFileStyleSteps(file);
    let yields = 0;
    let step = steps.next();
    while (!step.done) {
      yields++;
      step = steps.next();
    }
    // A yield every 100 documents: the server reads a large file ahead of the first code action in slices.
    assert.strictEqual(yields, 4);
    assert.deepStrictEqual(step.value, detectStyle(text));
    assert.deepStrictEqual(detectFileStyle(file), detectStyle(text));
  });

  it('completes the labels of the current parse, not those of an earlier one', () => {
    const service = createLanguageService();
    const deployment = (app: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  namespace: shop\nspec:\n  template:\n    metadata:\n      labels:\n        app: ${app}\n`;
    const policy = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n  namespace: shop\nspec:\n  podSelector:\n    matchLabels:\n      app: ';
    const uri = 'file:///a.yaml';
    const labelsAt = (file: ParsedFile) => {
      const workspace = [{ uri, parsed: file }];
      return service.completion(file, file.text.length, { labels: workspaceLabels(workspace) }).items.map((i) => i.label);
    };
    const first = `${deployment('web')}---\n${policy}`;
    let file = service.parse(first);
    assert.deepStrictEqual(labelsAt(file), ['web']);
    assert.deepStrictEqual(labelsAt(file), ['web']);
    const at = first.indexOf('app: web') + 'app: '.length;
    const second = `${first.slice(0, at)}api${first.slice(at + 'web'.length)}`;
    file = service.parse(second, file, { prefix: at, suffix: first.length - at - 'web'.length });
    assert.deepStrictEqual(labelsAt(file), ['api']);
  });
});
