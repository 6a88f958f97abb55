import * as assert from 'assert';
import { fuzzCore, fuzzServer } from '../fuzz/fuzz';

// The quick version of `npm run fuzz`: the same generators and checks, fewer cases.
describe('fuzzing (quick)', function () {
  this.timeout(120000);

  it('the core survives 400 mutated manifests with every range inside the document', () => {
    const report = fuzzCore(400, 1000);
    assert.strictEqual(report.cases, 400);
  });

  it('the language server answers every request within 1 s for 40 edit streams and stays up', async () => {
    const report = await fuzzServer(40, 2000);
    assert.strictEqual(report.cases, 40);
  });
});
