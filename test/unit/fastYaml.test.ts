import * as assert from 'assert';
import { seedTexts } from '../fuzz/fuzz';
import { compareOnMutations, compareReaders, countFastChunks, ReaderComparison } from '../fuzz/readers';

// The fast YAML reader (server/src/service/parse/fastYaml.ts) must read exactly what the `yaml`
// package reads, and leave to it every chunk it is not sure of. `npm run fuzz` compares them on
// many more mutations.
describe('fast YAML reader', function () {
  this.timeout(120000);

  it('reads every example and fixture as the yaml package does, and takes most of them', () => {
    const result: ReaderComparison = { chunks: 0, fast: 0, valid: 0 };
    seedTexts().forEach((text, i) => {
      compareReaders(text, `seed text ${i}`);
      countFastChunks(text, result);
    });
    assert.ok(result.fast >= 0.8 * result.valid, `the fast reader took ${result.fast} of ${result.valid} valid chunks`);
  });

  it('agrees with the yaml package on 1,500 mutated manifests, or leaves them to it', () => {
    const result = compareOnMutations(seedTexts(), 1500, 7000);
    assert.ok(result.fast > 0.3 * result.valid, `the fast reader took ${result.fast} of ${result.valid} valid chunks`);
  });
});
