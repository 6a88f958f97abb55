import * as path from 'path';
import { checkFixture, fixtureFiles } from '../helpers/fixtures';
import { semanticRuleCodes } from '../../server/src/service/rules';

// These fixtures are about what the API server accepts; the semantic rules have their own.
const apiOnly = { rules: Object.fromEntries(semanticRuleCodes.map((code) => [code, 'off' as const])) };

describe('validation fixtures (test/fixtures/validation)', () => {
  for (const file of fixtureFiles('validation')) {
    it(path.relative(path.resolve(__dirname, '../../../test/fixtures/validation'), file), () => {
      checkFixture(file, apiOnly);
    });
  }
});
