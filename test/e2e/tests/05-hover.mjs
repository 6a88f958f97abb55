// Hovering a peer explains how its selectors combine: one list item with a namespaceSelector
// and a podSelector is AND, two list items are OR. The hover is brought up from the keyboard
// (Ctrl+K Ctrl+I, "Show or Focus Hover") at the podSelector key, as a person would.
import assert from 'node:assert/strict';
import { waitFor } from '../lib/workbench.mjs';

/** hover.yaml: where the podSelector keys are (1-based), and what their hovers must say. */
const AND_PEER = { line: 19, column: 7, text: 'AND (one list item): from pods labelled role=client that are also in namespaces labelled user=alice' };
const OR_PEER = { line: 26, column: 7, text: 'One of 2 list items (OR)' };

export default [
  {
    name: 'hover on a peer shows AND for one list item and OR for two list items',
    timeout: 240_000,
    async run({ wb, page, shot, resetFile }) {
      resetFile('hover.yaml'); // closed by the runner before each test
      await wb.quickOpen('hover.yaml');
      // More of the policy in view for the screenshot: hide the panel an earlier test left open.
      if (await page.locator('.part.panel').isVisible()) await wb.runCommand('View: Hide Panel');
      await waitFor(async () => !(await page.locator('.part.panel').isVisible()), { message: 'the panel to hide' });
      await wb.editorFocused();

      await wb.goTo(AND_PEER.line, AND_PEER.column);
      const andHover = await wb.showHover(AND_PEER.text);
      assert.ok(!andHover.includes(OR_PEER.text), `the AND peer's hover does not speak of OR list items: ${andHover}`);
      await shot('hover on the AND peer', { readme: 'hover' });

      // Close it, so that the next wait cannot see this hover's text.
      await wb.press('Escape');
      await waitFor(async () => !(await wb.hoverText()).includes(AND_PEER.text), { message: 'the first hover to close' });

      await wb.goTo(OR_PEER.line, OR_PEER.column);
      const orHover = await wb.showHover(OR_PEER.text);
      assert.ok(orHover.includes('Peer 2: from pods labelled role=client in namespace shop'), `the OR peer's hover names the peer: ${orHover}`);
      assert.ok(!orHover.includes('AND (one list item)'), `the OR peer's hover does not say AND: ${orHover}`);
      await shot('hover on the OR peer');
      await wb.press('Escape');
    },
  },
];
