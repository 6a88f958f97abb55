// The NetworkPolicy side panel follows the cursor without a command: it lists the pods the
// policy at the cursor selects, its isolated directions, each rule's peers with the pods they
// match, and the other policies selecting the same pods; a code lens above each policy says
// the same in one line and opens the panel; selecting a pod reveals its manifest.
import assert from 'node:assert/strict';
import { waitFor } from '../lib/workbench.mjs';

/** panel.yaml, 1-based: a line inside each policy. */
const DB_POLICY_LINE = 36;
const DENY_POLICY_LINE = 53;

export default [
  {
    name: 'the side panel shows what the policy at the cursor selects and who may reach it',
    timeout: 240_000,
    async run({ wb, page, shot, resetFile }) {
      resetFile('panel.yaml');
      await wb.quickOpen('panel.yaml');
      // The code lenses need the editor's height: hide the panel an earlier test left open.
      if (await page.locator('.part.panel').isVisible()) await wb.runCommand('View: Hide Panel');
      await waitFor(async () => !(await page.locator('.part.panel').isVisible()), { message: 'the panel to hide' });
      await wb.editorFocused();
      const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^\s*Policy/i }) }).first();
      const rows = view.locator('.monaco-list-row');
      const rowTexts = async () => (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());

      // The code lens above the first policy, before the panel is open.
      const lens = page.locator('.monaco-editor .codelens-decoration', { hasText: 'selects 1 pod · isolates Ingress' }).first();
      await lens.waitFor({ timeout: 60_000 });

      // Open the NetworkPolicy container once from the activity bar, then go back to the editor.
      // (A second click would close it again, as on a retry of this test.)
      if (!(await view.isVisible())) await page.locator('.activitybar .action-item a[aria-label^="NetworkPolicy"]').first().click();
      await view.waitFor({ timeout: 30_000 });
      await wb.quickOpen('panel.yaml');
      await wb.goTo(DB_POLICY_LINE, 7);
      await waitFor(async () => (await rowTexts()).some((t) => t.startsWith('Selects 1 pod')), { message: 'the panel to show the orders-db policy', timeout: 60_000 });
      let texts = await rowTexts();
      assert.ok(texts.includes('orders-db'), `the selected pod is listed: ${texts.join(' | ')}`);
      assert.ok(texts.some((t) => t.startsWith('Ingress: isolated')), `ingress is isolated: ${texts.join(' | ')}`);
      assert.ok(texts.some((t) => t.startsWith('pods labelled app=orders-api in namespace billing')), `the peer is described: ${texts.join(' | ')}`);
      assert.ok(texts.some((t) => t.startsWith('Other policies selecting these pods')), `the default deny also selects the pod: ${texts.join(' | ')}`);
      const description = await view.locator('.pane-header').innerText();
      assert.ok(description.includes('billing/orders-db'), `the view names the policy: ${description}`);
      await shot('side panel for the policy at the cursor', { readme: 'side-panel' });

      // The peer's matched pod is listed under it; selecting it reveals its manifest.
      const apiRow = rows.filter({ hasText: /^\s*orders-api\s*$/ }).first();
      await apiRow.waitFor({ timeout: 30_000 });
      await apiRow.click();
      await waitFor(async () => (await wb.cursorPosition()).startsWith('Ln 16,'), { message: 'the cursor on the orders-api pod manifest' });
      // The cursor left the policy: the panel keeps showing it.
      texts = await rowTexts();
      assert.ok(texts.some((t) => t.startsWith('Selects 1 pod')), `the panel keeps the last policy: ${texts.join(' | ')}`);

      // Another policy: the panel follows the cursor.
      await wb.editorFocused();
      await wb.goTo(DENY_POLICY_LINE, 3);
      await waitFor(async () => (await rowTexts()).some((t) => t.startsWith('Selects 2 pods')), { message: 'the panel to show the default deny' });
      texts = await rowTexts();
      assert.ok(texts.some((t) => t.startsWith('Egress: isolated')), `egress is isolated: ${texts.join(' | ')}`);
      assert.ok(texts.some((t) => t.startsWith('No rule: every outgoing connection')), `the deny is spelled out: ${texts.join(' | ')}`);
      await shot('side panel for the default deny');

      // The code lens of the first policy brings it back into the panel. The cursor goes to the
      // `---` above it first (in no policy, so the panel keeps the default deny) to bring the lens into view.
      await wb.goTo(27, 1);
      texts = await rowTexts();
      assert.ok(texts.some((t) => t.startsWith('Selects 2 pods')), `the panel keeps the default deny: ${texts.join(' | ')}`);
      // VS Code drops a lens's command when it re-fetches the lenses, and a click that lands on
      // the old rendering in between does nothing ("Actual command not found"): click again then.
      for (let attempt = 1; ; attempt++) {
        await lens.locator('a').first().click();
        try {
          await waitFor(async () => (await rowTexts()).some((t) => t.startsWith('Selects 1 pod')), { message: 'the code lens to show the orders-db policy', timeout: 10_000 });
          break;
        } catch (error) {
          if (attempt >= 3) throw error;
        }
      }
    },
  },
];
