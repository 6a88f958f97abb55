// The "did you mean" quick fix, applied from the lightbulb menu (Ctrl+.), renames the field;
// the saved file is exactly the expected text and the error is gone.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { waitFor } from '../lib/workbench.mjs';

export default [
  {
    name: 'the did-you-mean quick fix changes form: to from:',
    async run({ wb, shot, workspaceFile, resetFile, expectedText }) {
      resetFile('quickfix.yaml'); // a retry starts from the unfixed file
      await wb.quickOpen('quickfix.yaml');
      const message = 'unknown field "spec.ingress[0].form" (did you mean "from"?)';
      await wb.waitForProblems((rows) => rows.some((row) => row.file === 'quickfix.yaml' && row.message === message), { message: `"${message}"` });
      await wb.goTo(13, 5);
      await waitFor(() => wb.lightbulb().isVisible(), { timeout: 15_000, message: 'the lightbulb beside the line with the mistake' });
      await shot('lightbulb');
      const offered = await wb.applyQuickFix("Change to 'from'", { beforePick: () => shot('quick fix menu', { readme: 'quick-fix' }) });
      assert.ok(offered.includes("Change to 'from'"), JSON.stringify(offered));
      // The server re-validates the edited text: the error leaves the Problems panel.
      await wb.waitForProblems((rows) => !rows.some((row) => row.file === 'quickfix.yaml' && row.code === 'netpol/unknown-field'), { message: 'the unknown-field error to go away' });
      await wb.save();
      const saved = fs.readFileSync(workspaceFile('quickfix.yaml'), 'utf8');
      assert.equal(saved, expectedText('quickfix.fixed.yaml'));
      await shot('after the quick fix', { readme: 'quick-fix-applied' });
    },
  },
];
