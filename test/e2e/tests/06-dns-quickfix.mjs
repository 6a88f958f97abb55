// A policy that isolates egress without allowing DNS gets the netpol/dns-egress-blocked
// warning; the quick fix "Allow DNS egress: add a rule to this policy", picked from the Ctrl+.
// menu with the keyboard, appends the kube-dns rule. The saved file is exactly the expected
// text and the warning leaves the Problems panel.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { waitFor } from '../lib/workbench.mjs';

const FILE = 'dns.yaml';
const CODE = 'netpol/dns-egress-blocked';
const FIX = 'Allow DNS egress: add a rule to this policy';

const dnsWarning = (row) => row.file === FILE && row.code === CODE;

export default [
  {
    name: 'the Allow DNS egress quick fix adds a kube-dns rule to the policy',
    timeout: 240_000,
    async run({ wb, shot, workspaceFile, resetFile, expectedText }) {
      resetFile(FILE); // a retry starts from the unfixed file
      await wb.quickOpen(FILE);
      const rows = await wb.waitForProblems((all) => all.some(dnsWarning), { timeout: 60_000, message: `the ${CODE} warning for ${FILE}` });
      const warning = rows.find(dnsWarning);
      assert.equal(warning.severity, 'warning', JSON.stringify(warning));
      assert.match(warning.message, /^DNS is blocked: /);
      // On the metadata.name value.
      assert.deepEqual([warning.line, warning.column], [6, 9], JSON.stringify(warning));
      await shot('dns warning');

      await wb.goTo(warning.line, warning.column);
      await waitFor(() => wb.lightbulb().isVisible(), { timeout: 30_000, message: 'the lightbulb beside the line with the warning' });
      const offered = await wb.applyQuickFix(FIX, { beforePick: () => shot('dns quick fix menu') });
      assert.ok(offered.some((title) => title.includes(FIX)), JSON.stringify(offered));

      // The edit makes the editor dirty; then save and compare byte for byte.
      await waitFor(async () => (await wb.activeTab()).dirty, { message: 'the quick fix to change the editor' });
      await wb.save();
      const expected = expectedText('dns.fixed.yaml');
      await waitFor(() => fs.readFileSync(workspaceFile(FILE), 'utf8') === expected, {
        timeout: 15_000,
        message: `${FILE} on disk to equal test/e2e/expected/dns.fixed.yaml`,
      }).catch(() => {
        assert.equal(fs.readFileSync(workspaceFile(FILE), 'utf8'), expected); // shows the difference
      });

      // The server re-validates the edited text: the warning leaves the Problems panel.
      await wb.waitForProblems((all) => !all.some(dnsWarning), { timeout: 60_000, message: `the ${CODE} warning to go away` });
      await wb.goTo(22, 3); // the added rule, in view
      await shot('after the dns quick fix', { readme: 'dns-quick-fix' });
    },
  },
];
