// A page object for the VS Code workbench (as served by code-server), driven the way a person
// uses it: keyboard shortcuts, Quick Open, the command palette, the Problems panel, the
// lightbulb. Every wait is on what the page shows; none is a fixed sleep.
//
// Add new checks (hovers, the side panel, ...) as methods here, so that the tests stay short.

/** Polls `probe` until it returns a truthy value, and returns that value. */
export async function waitFor(probe, { timeout = 30_000, interval = 200, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  let lastError;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  const detail = lastError ? ` (last error: ${lastError.message})` : last !== undefined ? ` (last value: ${JSON.stringify(last)})` : '';
  throw new Error(`Timed out after ${timeout / 1000} s waiting for ${message}${detail}`);
}

/** CSS attribute values need their quotes escaped. */
function cssString(value) {
  return JSON.stringify(value);
}

export class Workbench {
  constructor(page, { timeout = 30_000, trace = process.env.NETPOL_E2E_TRACE === '1' } = {}) {
    this.page = page;
    this.timeout = timeout;
    this.started = Date.now();
    this.traceEnabled = trace;
  }

  /** With NETPOL_E2E_TRACE=1, logs each step with the seconds since the workbench opened. */
  trace(message) {
    if (this.traceEnabled) process.stderr.write(`[e2e ${((Date.now() - this.started) / 1000).toFixed(1)}s] ${message}\n`);
  }

  /** Loads the workbench and waits until the explorer shows the folder's files. */
  async open(url) {
    await this.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await this.page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    await this.page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 90_000 });
    await this.page.waitForSelector('#workbench\\.parts\\.statusbar', { timeout: 30_000 });
    await this.dismissNotifications();
  }

  async press(keys) {
    await this.page.keyboard.press(keys);
  }

  /** Closes notification toasts that could cover the editor or steal the focus. */
  async dismissNotifications() {
    const toasts = this.page.locator('.notification-toast-container .notification-list-item');
    const count = await toasts.count();
    for (let i = 0; i < count; i++) {
      await this.page.locator('.notification-toast-container .codicon-notifications-clear').first().click({ timeout: 2000 }).catch(() => {});
    }
  }

  get quickInput() {
    return this.page.locator('.quick-input-widget');
  }

  /** Opens the quick input with `keys`, types `text` and picks the row whose label is `label`. */
  async pickFromQuickInput(keys, text, label, { exact = true } = {}) {
    const input = this.quickInput.locator('.quick-input-box input');
    for (let attempt = 1; ; attempt++) {
      try {
        await this.press('Escape');
        await this.press(keys);
        await input.waitFor({ state: 'visible', timeout: 10_000 });
        // The palette opens with '>' typed in; keep it and type after it.
        const prefix = (await input.inputValue()).startsWith('>') ? '>' : '';
        await input.fill(`${prefix}${text}`);
        const rows = this.quickInput.locator('.monaco-list-row');
        const matches = (rowLabel) => (exact ? rowLabel === label : rowLabel.includes(label));
        // Read all rows in one go (the list re-renders while results arrive), then move the
        // focus with the arrow keys to the wanted row and accept it with Enter.
        const readRows = () =>
          rows.evaluateAll((els) =>
            els.map((el) => ({ label: (el.querySelector('.label-name')?.textContent || el.getAttribute('aria-label') || '').trim(), focused: el.classList.contains('focused') })),
          );
        await waitFor(async () => (await readRows()).some((row) => matches(row.label)), { timeout: 20_000, message: `"${label}" in the quick input` });
        await waitFor(
          async () => {
            const current = await readRows();
            if (current.some((row) => row.focused && matches(row.label))) return true;
            await this.press('ArrowDown');
            return false;
          },
          { timeout: 10_000, interval: 50, message: `"${label}" focused in the quick input` },
        );
        await this.press('Enter');
        await this.quickInput.waitFor({ state: 'hidden', timeout: 10_000 });
        return;
      } catch (error) {
        this.trace(`quick input ${keys} "${text}": attempt ${attempt} failed: ${error.message.split('\n')[0]}`);
        if (attempt >= 3) throw error;
        await this.press('Escape');
      }
    }
  }

  /** Quick Open (Ctrl+P): opens a workspace file by name and waits for its editor to have the focus. */
  async quickOpen(fileName) {
    this.trace(`quick open ${fileName}`);
    await this.pickFromQuickInput('Control+P', fileName, fileName);
    await this.page.locator(`.tabs-container .tab.active[aria-label^=${cssString(fileName)}]`).waitFor({ timeout: this.timeout });
    await this.editorFocused();
  }

  /** The command palette (F1): runs a command by its full title, "Category: Title". */
  async runCommand(title) {
    this.trace(`command ${title}`);
    await this.pickFromQuickInput('F1', title, title);
  }

  async editorFocused() {
    this.trace('waiting for the editor focus');
    await waitFor(() => this.page.evaluate(() => Boolean(document.activeElement?.closest('.editor-instance .monaco-editor'))), {
      timeout: this.timeout,
      message: 'the editor to have the keyboard focus',
    });
  }

  /** Ctrl+G: puts the cursor at line:column (1-based), as the status bar then shows. */
  async goTo(line, column = 1) {
    await this.pickFromQuickInputRaw('Control+G', `${line}:${column}`);
    await waitFor(async () => (await this.cursorPosition()) === `Ln ${line}, Col ${column}`, { timeout: this.timeout, message: `the cursor at Ln ${line}, Col ${column}` });
  }

  /** Opens the quick input with `keys`, types `text` and accepts it with Enter. */
  async pickFromQuickInputRaw(keys, text) {
    const input = this.quickInput.locator('.quick-input-box input');
    await this.press('Escape');
    await this.press(keys);
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    const prefix = (await input.inputValue()).startsWith(':') ? ':' : '';
    await input.fill(`${prefix}${text}`);
    await this.press('Enter');
    await this.quickInput.waitFor({ state: 'hidden', timeout: 10_000 });
    await this.editorFocused();
  }

  /** The status bar's cursor position, e.g. "Ln 10, Col 5". */
  async cursorPosition() {
    const text = await this.page.locator('#status\\.editor\\.selection').innerText().catch(() => '');
    return text.trim();
  }

  /** The active editor's tab: its label and whether it has unsaved changes. */
  async activeTab() {
    const tab = this.page.locator('.tabs-container .tab.active').first();
    return { label: (await tab.getAttribute('aria-label')) ?? '', dirty: ((await tab.getAttribute('class')) ?? '').split(/\s+/).includes('dirty') };
  }

  async save() {
    await this.press('Control+S');
    await waitFor(async () => !(await this.activeTab()).dirty, { timeout: this.timeout, message: 'the editor to be saved' });
  }

  /** Types into the active editor at the cursor, as a person would. */
  async type(text) {
    await this.editorFocused();
    await this.page.keyboard.type(text, { delay: 10 });
  }

  /** Reverts and closes every editor, so that the next test starts from a clean workbench. */
  async closeAllEditors() {
    await this.press('Escape');
    for (let i = 0; i < 20; i++) {
      const tabs = await this.page.locator('.tabs-container .tab').count();
      if (tabs === 0) return;
      const { dirty } = await this.activeTab();
      await this.runCommand(dirty ? 'View: Revert and Close Editor' : 'View: Close All Editors');
      // The command runs after the palette closes: wait for a tab to go, so that the next round
      // does not read a tab that is being removed (and wait for its .active in vain).
      await waitFor(async () => (await this.page.locator('.tabs-container .tab').count()) < tabs, { timeout: 10_000, message: 'an editor to close' }).catch(() => {});
    }
  }

  // ---- Problems panel -------------------------------------------------------------------

  /** Shows the Problems panel (Ctrl+Shift+M, or the palette when the key is taken). */
  async showProblems() {
    const panel = this.page.locator('.markers-panel');
    if (await panel.isVisible()) return;
    await this.press('Control+Shift+M');
    try {
      await panel.waitFor({ state: 'visible', timeout: 5000 });
    } catch {
      await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
      await panel.waitFor({ state: 'visible', timeout: this.timeout });
    }
  }

  /**
   * The Problems panel's marker rows: severity, message, source, code, line and column, as the
   * panel shows them (file rows are left out).
   */
  async problems() {
    return this.page.$$eval('.markers-panel .monaco-list-row', (rows) => {
      const result = [];
      let file = '';
      const ordered = rows.map((row) => ({ row, index: Number(row.getAttribute('data-index') ?? 0) })).sort((a, b) => a.index - b.index);
      for (const { row } of ordered) {
        const label = row.getAttribute('aria-label') ?? '';
        const fileRow = /problems? in file (.+?) of folder/.exec(label);
        if (fileRow) {
          file = fileRow[1];
          continue;
        }
        const severity = /^(Error|Warning|Info|Information|Hint)\b/.exec(label)?.[1]?.toLowerCase();
        if (!severity) continue;
        const text = row.innerText;
        const position = /\[Ln (\d+), Col (\d+)\]/.exec(text);
        const message = row.querySelector('.marker-message')?.textContent?.trim() ?? text.split('\n')[0];
        const code = row.querySelector('.marker-code')?.textContent?.trim() ?? '';
        const source = row.querySelector('.marker-source')?.textContent?.trim() ?? '';
        result.push({ file, severity: severity === 'information' ? 'info' : severity, message, source, code, line: position ? Number(position[1]) : 0, column: position ? Number(position[2]) : 0, label });
      }
      return result;
    });
  }

  /** Waits until the Problems panel shows rows that satisfy `predicate(rows)`; returns the rows. */
  async waitForProblems(predicate, { timeout = this.timeout, message = 'the expected problems' } = {}) {
    await this.showProblems();
    let last = [];
    try {
      return await waitFor(
        async () => {
          last = await this.problems();
          return predicate(last) ? last : undefined;
        },
        { timeout, message },
      );
    } catch (error) {
      error.message += `\nThe Problems panel showed:\n${last.map((p) => `  ${p.severity} [Ln ${p.line}, Col ${p.column}] ${p.message} (${p.code})`).join('\n') || '  (nothing)'}`;
      throw error;
    }
  }

  // ---- Editor: squiggles, quick fixes -----------------------------------------------------

  /** The squiggles (error/warning decorations) the editor draws in its visible lines. */
  async squiggleCount() {
    return this.page.locator('.editor-instance .monaco-editor .view-overlays .squiggly-error, .editor-instance .monaco-editor .view-overlays .squiggly-warning').count();
  }

  /** The lightbulb the editor shows beside the cursor's line when quick fixes are available. */
  lightbulb() {
    return this.page.locator('.editor-instance .monaco-editor .lightBulbWidget');
  }

  /**
   * Ctrl+. at the cursor, then picks the action titled `title` from the menu. Returns the titles
   * the menu offered.
   */
  async applyQuickFix(title, { beforePick } = {}) {
    const widget = this.page.locator('.action-widget');
    for (let attempt = 1; ; attempt++) {
      try {
        await this.editorFocused();
        await this.press('Control+.');
        await widget.waitFor({ state: 'visible', timeout: 10_000 });
        const rows = widget.locator('.monaco-list-row.action');
        await waitFor(async () => (await rows.count()) > 0, { timeout: 10_000, message: 'quick fixes in the menu' });
        const titles = (await rows.evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') ?? el.textContent ?? ''))).map((text) => text.trim());
        const index = titles.findIndex((text) => text.includes(title));
        if (index < 0) throw new Error(`The quick fix menu has no "${title}": it offers ${JSON.stringify(titles)}`);
        if (beforePick) await beforePick(titles);
        // The menu takes the keyboard (a pointer block covers the page): move to the fix and
        // press Enter, as a person using the keyboard does.
        await waitFor(
          async () => {
            const focused = (await widget.locator('.monaco-list-row.action.focused').getAttribute('aria-label').catch(() => '')) ?? '';
            if (focused.includes(title)) return true;
            await this.press('ArrowDown');
            return false;
          },
          { timeout: 10_000, interval: 100, message: `"${title}" focused in the quick fix menu` },
        );
        await this.press('Enter');
        await widget.waitFor({ state: 'hidden', timeout: 10_000 });
        return titles;
      } catch (error) {
        if (attempt >= 3 || /has no "/.test(error.message)) throw error;
        await this.press('Escape');
      }
    }
  }

  // ---- Hovers -----------------------------------------------------------------------------

  /**
   * The visible text of the hover widgets the page shows (the editor's hover is a
   * `.monaco-hover`), whitespace collapsed; '' when none is visible.
   */
  async hoverText() {
    return this.page.evaluate(() =>
      [...document.querySelectorAll('.monaco-hover')]
        .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
        .map((el) => (el.innerText ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim())
        .filter(Boolean)
        .join('\n'),
    );
  }

  /** True when every visible hover has faded in (no running animation, full opacity), for screenshots. */
  async hoverSettled() {
    return this.page.evaluate(() =>
      [...document.querySelectorAll('.monaco-hover')]
        .filter((el) => el.getClientRects().length > 0)
        .every((el) => {
          for (let node = el; node && node !== document.body; node = node.parentElement) {
            if (Number(getComputedStyle(node).opacity) < 1) return false;
            if (node.getAnimations().some((a) => a.playState === 'running')) return false;
          }
          return true;
        }),
    );
  }

  /**
   * Shows the hover at the cursor (Ctrl+K Ctrl+I, "Show or Focus Hover"; the command palette
   * when the keys do not bring it up) and waits until it contains `text`. Returns its text.
   */
  async showHover(text, { timeout = 60_000 } = {}) {
    const deadline = Date.now() + timeout;
    for (let attempt = 1; ; attempt++) {
      this.trace(`show hover (attempt ${attempt}), waiting for "${text}"`);
      await this.editorFocused();
      if (attempt % 2 === 1) {
        await this.press('Control+K');
        await this.press('Control+I');
      } else {
        await this.runCommand('Show or Focus Hover');
      }
      try {
        return await waitFor(
          async () => {
            const shown = await this.hoverText();
            return shown.includes(text) && (await this.hoverSettled()) ? shown : undefined;
          },
          { timeout: Math.max(5_000, Math.min(20_000, deadline - Date.now())), message: `the hover to contain "${text}"` },
        );
      } catch (error) {
        const shown = await this.hoverText();
        if (Date.now() >= deadline) {
          error.message += `\nThe hover showed: ${shown ? JSON.stringify(shown) : '(no hover)'}`;
          throw error;
        }
        // A hover that opened before the server had the document: close it and ask again.
        await this.press('Escape');
      }
    }
  }

  // ---- Status bar, output ---------------------------------------------------------------

  /** A status bar item by its id, e.g. 'netpol-inspector.netpol-inspector.netpol.status'. */
  async statusItem(id) {
    const item = this.page.locator(`#${id.replace(/\./g, '\\.')}`);
    if (!(await item.count())) return undefined;
    const label = item.locator('.statusbar-item-label').first();
    const icons = await label.locator('.codicon').evaluateAll((els) => els.map((el) => [...el.classList].filter((c) => c.startsWith('codicon-')).join(' ')));
    return { text: (await label.innerText()).trim(), ariaLabel: (await label.getAttribute('aria-label')) ?? '', icons, visible: await item.isVisible() };
  }

  /**
   * Records every state a status bar item goes through, from now on, in the page itself (a
   * MutationObserver), so that a state that lasts a few milliseconds is not missed.
   */
  async recordStatusItem(id) {
    await this.page.evaluate((itemId) => {
      const w = window;
      w.__netpolStatusLog = [];
      const snapshot = () => {
        const el = document.getElementById(itemId);
        const label = el?.querySelector('.statusbar-item-label');
        const entry = label ? `${[...label.querySelectorAll('.codicon')].map((i) => [...i.classList].filter((c) => c.startsWith('codicon-') && c !== 'codicon').join('+')).join(',')}|${label.textContent?.trim()}` : '(none)';
        if (w.__netpolStatusLog.at(-1) !== entry) w.__netpolStatusLog.push(entry);
      };
      snapshot();
      w.__netpolStatusObserver?.disconnect();
      w.__netpolStatusObserver = new MutationObserver(snapshot);
      const bar = document.getElementById('workbench.parts.statusbar');
      w.__netpolStatusObserver.observe(bar, { subtree: true, childList: true, attributes: true, characterData: true });
    }, id);
    return {
      states: () => this.page.evaluate(() => [...window.__netpolStatusLog]),
      stop: () => this.page.evaluate(() => window.__netpolStatusObserver?.disconnect()),
    };
  }

  /** The text of the Output panel's visible lines (the channel shown last). */
  async outputText() {
    return this.page.evaluate(() => {
      const lines = [...document.querySelectorAll('.part.panel .output-view .view-lines .view-line, .part.panel [id="workbench.panel.output"] .view-lines .view-line')];
      return lines
        .map((line) => ({ top: parseFloat(line.style.top) || 0, text: (line.textContent ?? '').replace(/\u00a0/g, ' ') }))
        .sort((a, b) => a.top - b.top)
        .map((line) => line.text)
        .join('\n');
    });
  }

  // ---- Webviews ---------------------------------------------------------------------------

  /**
   * The frame of the extension's webview that has `selector` (a webview is an iframe inside
   * the workbench's webview iframe); waits until the page has loaded it.
   */
  async webviewFrame(selector, { timeout = this.timeout } = {}) {
    this.trace(`waiting for a webview with ${selector}`);
    return waitFor(
      async () => {
        for (const frame of this.page.frames()) {
          if (frame === this.page.mainFrame()) continue;
          if (await frame.$(selector).catch(() => null)) return frame;
        }
        return undefined;
      },
      { timeout, message: `a webview with ${selector}` },
    );
  }

  async screenshot(file) {
    await this.page.screenshot({ path: file });
  }
}
