import * as path from 'path';
import { checkFixture, fixtureFiles } from '../helpers/fixtures';

describe('validation fixtures (test/fixtures/validation)', () => {
  for (const file of fixtureFiles('validation')) {
    it(path.relative(path.resolve(__dirname, '../../../test/fixtures/validation'), file), () => {
      checkFixture(file);
    });
  }
});
