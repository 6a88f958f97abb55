// Opening a file with mistakes fills the Problems panel with the API server's errors and
// draws squiggles, exactly as `netpol check` reports them.
import assert from 'node:assert/strict';
import { waitFor } from '../lib/workbench.mjs';

const STATUS = 'netpol-inspector.netpol-inspector.netpol.status';

/** What the Problems panel must show for typo.yaml, whatever else the rules grow to report. */
const TYPO_EXPECTED = [
  { line: 10, column: 5, code: 'netpol/unknown-field', message: 'unknown field "spec.ingress[0].form" (did you mean "from"?)' },
  { line: 13, column: 13, code: 'netpol/invalid-type', message: /cannot unmarshal array into Go struct field NetworkPolicyPort\.spec\.ingress\.ports\.port/ },
  { line: 14, column: 1, code: 'netpol/unknown-field', message: 'unknown field "spce" (did you mean "spec"?)' },
];

function matches(row, expected) {
  return (
    row.line === expected.line &&
    row.column === expected.column &&
    row.code === expected.code &&
    (typeof expected.message === 'string' ? row.message === expected.message : expected.message.test(row.message))
  );
}

/**
 * True when the errors and warnings in `rows` for `file` are exactly the CLI's (same position,
 * code, message). Information diagnostics are left out of the comparison: they explain the
 * workspace (what a policy selects), and the editor and the CLI may see different workspaces.
 */
function sameAsCli(rows, file, cli) {
  const serious = (d) => d.severity === 'error' || d.severity === 'warning';
  const mine = rows.filter((row) => row.file === file && serious(row));
  const expected = cli.filter(serious);
  return mine.length === expected.length && expected.every((d) => mine.some((row) => row.line === d.line && row.column === d.column && row.code === d.code && row.message === d.message && row.severity === d.severity));
}

export default [
  {
    name: 'Problems panel and squiggles show the errors of typo.yaml',
    async run({ wb, shot, cli }) {
      await wb.quickOpen('typo.yaml');
      const expectedFromCli = cli('typo.yaml');
      const rows = await wb.waitForProblems((all) => sameAsCli(all, 'typo.yaml', expectedFromCli), {
        message: `the Problems panel to list netpol check's errors and warnings for typo.yaml (${expectedFromCli.length} diagnostics in all)`,
      });
      for (const expected of TYPO_EXPECTED) {
        assert.ok(rows.some((row) => row.file === 'typo.yaml' && row.severity === 'error' && matches(row, expected)), `missing in the Problems panel: ${JSON.stringify({ ...expected, message: String(expected.message) })}`);
      }
      assert.ok(rows.every((row) => row.source === 'netpol'), `every problem comes from the netpol source: ${JSON.stringify(rows.map((r) => r.source))}`);
      await waitFor(async () => (await wb.squiggleCount()) >= TYPO_EXPECTED.length, { message: 'a squiggle under each mistake' });
      const status = await wb.statusItem(STATUS);
      assert.ok(status?.visible && status.text.includes('NetPol') && status.icons.some((i) => i.includes('codicon-shield')), `status bar item: ${JSON.stringify(status)}`);
      await shot('problems panel and squiggles', { readme: 'problems' });
    },
  },
  {
    name: 'a valid policy adds no error or warning',
    async run({ wb, shot, cli }) {
      await wb.quickOpen('valid.yaml');
      const expectedFromCli = cli('valid.yaml');
      assert.deepEqual(expectedFromCli.filter((d) => d.severity === 'error'), [], 'netpol check finds no error in valid.yaml');
      await wb.waitForProblems((all) => sameAsCli(all, 'valid.yaml', expectedFromCli) && all.every((row) => row.file === 'valid.yaml'), {
        message: `the Problems panel to list only valid.yaml's errors and warnings, as netpol check does (${expectedFromCli.length} diagnostics in all)`,
      });
      await shot('valid policy');
    },
  },
];
