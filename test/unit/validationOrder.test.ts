import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { createLanguageService } from '../../server/src/service/languageService';
import { semanticRuleCodes } from '../../server/src/service/rules';

// API-server checks only: the semantic rules have their own fixtures.
const apiOnly = { rules: Object.fromEntries(semanticRuleCodes.map((code) => [code, 'off' as const])) };

// The fixture helper compares diagnostics as a sorted set; the API server's order is a
// property of its own, checked here on the field paths.
describe('validation order', () => {
  it('follows the API server: metadata, podSelector, ingress (ports, from), egress (ports, to), policyTypes', () => {
    const file = path.resolve(__dirname, '../../../test/fixtures/validation/api-order.yaml');
    const service = createLanguageService(apiOnly);
    const fields = service
      .validate(service.parse(fs.readFileSync(file, 'utf8')))
      .map((d) => (d.data as { field?: string }).field ?? '');
    const rank = (field: string) => {
      const order = [/^metadata\./, /^spec\.podSelector/, /^spec\.ingress\[\d+\]\.ports/, /^spec\.ingress\[\d+\]\.from/, /^spec\.egress\[\d+\]\.ports/, /^spec\.egress\[\d+\]\.to/, /^spec\.policyTypes/];
      return order.findIndex((pattern) => pattern.test(field));
    };
    assert.ok(fields.length >= 7, `expected errors in every section, got ${fields.join(', ')}`);
    assert.ok(fields.every((f) => rank(f) >= 0), fields.join(', '));
    const ranks = fields.map(rank);
    assert.deepStrictEqual(ranks, [...ranks].sort((a, b) => a - b), `out of order: ${fields.join(', ')}`);
  });
});
