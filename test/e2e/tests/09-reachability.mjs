// The reachability view: "NetworkPolicy Inspector: Show Reachability" opens a webview with the
// grid of who can reach whom, here for the shop of examples/ (copied into the workspace, and
// removed again at the end). frontend/web reaches backend/catalog on TCP 8080, not the other
// way round; selecting the denied cell shows the explanation with links to the deciding
// rules, and a link reveals the policy in the editor.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../lib/session.mjs';
import { waitFor } from '../lib/workbench.mjs';

const COMMAND = 'NetworkPolicy Inspector: Show Reachability';
const WEB = 'frontend/web (Deployment)';
const CATALOG = 'backend/catalog (Deployment)';
const cell = (from, to, verdict) => `td[aria-label=${JSON.stringify(`${from} to ${to}: ${verdict}`)}]`;

export default [
  {
    name: 'the reachability view shows who can reach whom and explains a denied cell',
    timeout: 300_000,
    async run({ wb, page, shot, workspaceFile }) {
      const examples = workspaceFile('examples');
      fs.rmSync(examples, { recursive: true, force: true });
      fs.cpSync(path.join(repoRoot, 'examples'), examples, { recursive: true });
      try {
        await wb.runCommand(COMMAND);
        const frame = await wb.webviewFrame('#grid', { timeout: 60_000 });
        // The webview's CSP is in force: its only script is the nonce'd one it loaded.
        const csp = await frame.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
        assert.match(csp, /^default-src 'none'; style-src [^;]+; script-src 'nonce-[0-9a-f]{32}'; img-src [^;]+$/);
        assert.ok(!/unsafe-inline/.test(csp), csp);

        // The shop's namespaces appear once the copied files are indexed; pick two of them.
        const box = (name) => frame.locator(`#namespace-list input[type="checkbox"][value="${name}"]`);
        await waitFor(async () => (await box('frontend').count()) > 0 && (await box('backend').count()) > 0, { timeout: 90_000, message: 'the frontend and backend namespaces in the view' });
        await box('frontend').check();
        await box('backend').check();
        await frame.locator('#protocol').selectOption('TCP');
        await frame.locator('#port').fill('8080');
        await frame.locator('#port').press('Enter');

        // The grid: three workloads, web -> catalog allowed (✓), catalog -> web denied (✗).
        const allowed = frame.locator(cell(WEB, CATALOG, 'allowed'));
        const denied = frame.locator(cell(CATALOG, WEB, 'denied'));
        await waitFor(async () => (await allowed.count()) === 1 && (await denied.count()) === 1, { timeout: 60_000, message: 'the grid for frontend and backend on TCP 8080' });
        assert.equal((await allowed.innerText()).trim(), '\u2713');
        assert.equal((await denied.innerText()).trim(), '\u2717');
        const rows = await frame.locator('#grid tbody tr').count();
        assert.equal(rows, 3, 'catalog, orders and web');
        const status = await frame.locator('#status').innerText();
        assert.match(status, /3 pods and workloads; \d+ of 9 connections allowed on TCP 8080/);
        // Not colour alone: the legend explains both glyphs.
        const legend = await frame.locator('#legend').innerText();
        assert.ok(legend.includes('\u2713 allowed') && legend.includes('\u2717 denied'), legend);

        // Select the denied cell: the explanation says why, with links to the rules.
        await denied.click();
        const title = frame.locator('#explanation-title');
        await waitFor(async () => /denied by the (egress|ingress)/.test(await title.innerText().catch(() => '')), { timeout: 60_000, message: 'the explanation of the denied cell' });
        const titleText = await title.innerText();
        assert.ok(titleText.startsWith('\u2717'), titleText);
        assert.ok(titleText.includes('backend/Deployment/catalog -> frontend/Deployment/web on TCP 8080'), titleText);
        const body = await frame.locator('#explanation-body').innerText();
        assert.match(body, /isolated for (egress|ingress)/, body);
        const links = frame.locator('#explanation-links button.rule-link');
        assert.ok((await links.count()) > 0, 'links to the deciding rules');
        assert.equal(await denied.getAttribute('aria-selected'), 'true');
        await shot('reachability grid and explanation', { readme: 'reachability' });

        // A link reveals the policy in the editor.
        const isolating = links.filter({ hasText: 'isolates' }).first();
        const label = await isolating.innerText();
        await isolating.click();
        // The webview keeps its group; the policy opens in the other one, with the name selected.
        const policyTab = page.locator('.tabs-container .tab.active[aria-label*="policies-"]');
        await waitFor(async () => (await policyTab.count()) > 0 && (await wb.cursorPosition()).includes('selected'), { timeout: 30_000, message: `the editor for "${label}"` });
        assert.match((await policyTab.first().getAttribute('aria-label')) ?? '', /2[0-3]-policies-(backend|frontend)\.yaml/);
        await shot('reachability link revealed the policy');

        // The grid follows typing: in backend/api-from-web, `app: web` becomes `app: webx`
        // (unsaved), so web may no longer reach catalog; undoing brings the ✓ back.
        await wb.quickOpen('21-policies-backend.yaml');
        await wb.goTo(53, 19);
        await wb.type('x');
        const deniedNow = frame.locator(cell(WEB, CATALOG, 'denied'));
        await waitFor(async () => (await deniedNow.count()) === 1, { timeout: 30_000, message: 'web -> catalog to turn denied while typing' });
        await shot('reachability follows an unsaved edit');
        await wb.editorFocused();
        await wb.press('Control+Z');
        await waitFor(async () => (await allowed.count()) === 1, { timeout: 30_000, message: 'web -> catalog to be allowed again after undo' });
      } finally {
        // Close the view and the examples' editors first, so that no open document keeps the
        // shop in the server's workspace for the tests that follow.
        await wb.closeAllEditors().catch(() => {});
        fs.rmSync(examples, { recursive: true, force: true });
      }
    },
  },
];
