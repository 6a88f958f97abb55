// The packaged extension is installed: the Extensions view lists it with its icon, its details
// page shows the README, and its Features tab lists every command and setting it contributes.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor } from '../lib/workbench.mjs';

export default [
  {
    name: 'the VSIX is installed: Extensions view, icon, details page, contributed commands and settings',
    async run({ wb, page, shot, session }) {
      const manifest = JSON.parse(fs.readFileSync(path.join(session.extensionDir, 'package.json'), 'utf8'));
      await wb.runCommand('Extensions: Show Enabled Extensions');
      const row = page.locator('.extensions-viewlet .monaco-list-row', { hasText: 'NetworkPolicy Inspector' }).first();
      await row.waitFor({ timeout: 30_000 });
      assert.ok((await row.innerText()).includes(manifest.description.slice(0, 40)));
      // The icon from media/icon.png is loaded (not the default placeholder).
      await waitFor(() => row.locator('img.icon').evaluate((img) => img.complete && img.naturalWidth >= 128).catch(() => false), { message: 'the extension icon to load' });

      await row.click();
      const editor = page.locator('.extension-editor');
      await editor.locator('.name', { hasText: 'NetworkPolicy Inspector' }).first().waitFor({ timeout: 30_000 });
      await shot('extension details', { readme: 'extension' });

      await editor.locator('.navbar .action-label', { hasText: /^Features$/i }).first().click();
      await editor.locator('.extension-feature-list-item[aria-label="Settings"]').first().click();
      const settingIds = Object.keys(manifest.contributes.configuration.properties);
      await waitFor(async () => {
        const text = await editor.innerText();
        return settingIds.every((id) => text.includes(id));
      }, { message: `the Features tab to list the settings ${settingIds.join(', ')}` });
      await shot('contributed settings');

      await editor.locator('.extension-feature-list-item[aria-label="Commands"]').first().click();
      const titles = manifest.contributes.commands.map((c) => c.title);
      await waitFor(async () => {
        const text = await editor.innerText();
        return titles.every((title) => text.includes(title));
      }, { message: `the Features tab to list the commands ${titles.join(', ')}` });
      await wb.runCommand('View: Close All Editors');
      await wb.runCommand('View: Show Explorer');
    },
  },
];
