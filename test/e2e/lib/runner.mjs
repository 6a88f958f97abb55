// A small test runner for the browser tests: tests run one after another on one workbench,
// each with a time limit and retries (the UI can be racy), a screenshot per step and on
// failure, and a closing line "N passed, N failed" that CI reads.

import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Runs `tests` ({ name, run(t), timeout?, retries? }) in order. `makeContext(test, attempt)`
 * gives each attempt its context; `beforeEach` and `afterFailure` tidy the workbench.
 */
export async function runTests(tests, { makeContext, beforeEach, afterFailure, log }) {
  const results = [];
  for (const test of tests) {
    const started = Date.now();
    const attempts = 1 + (test.retries ?? 1);
    let error;
    const errors = [];
    let attempt = 0;
    for (attempt = 1; attempt <= attempts; attempt++) {
      error = undefined;
      const context = makeContext(test, attempt);
      try {
        if (beforeEach) await beforeEach(test, context);
        await withTimeout(test.run(context), test.timeout ?? 180_000, `"${test.name}" did not finish within ${(test.timeout ?? 180_000) / 1000} s`);
        break;
      } catch (caught) {
        error = caught;
        errors.push(caught);
        log(`✗ ${test.name} (attempt ${attempt} of ${attempts}): ${caught?.stack ?? caught}`);
        if (afterFailure) await afterFailure(test, context, caught).catch((e) => log(`  (cleanup after the failure failed too: ${e.message})`));
      }
    }
    const seconds = (Date.now() - started) / 1000;
    if (error && errors.length > 1) {
      // Every attempt's reason: a retry can fail differently from the first try.
      error = new Error(errors.map((e, i) => `attempt ${i + 1}: ${e?.message ?? e}`).join('\n'));
    }
    results.push({ name: test.name, ok: !error, error, attempts: Math.min(attempt, attempts), seconds });
    log(`${error ? '✗' : '✓'} ${test.name} (${seconds.toFixed(1)} s${!error && attempt > 1 ? `, passed on attempt ${attempt}: flaky` : ''})`);
  }
  return results;
}

function withTimeout(promise, ms, message) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]);
}

/** Numbered screenshots under the artifacts folder: 01-diagnostics-problems.png, ... */
export class Screenshots {
  constructor(dir) {
    this.dir = dir;
    this.count = 0;
    this.readme = new Map();
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Takes a screenshot of `page`; `readme` names it for media/screenshots/ as well. */
  async take(page, label, { readme } = {}) {
    this.count += 1;
    const file = path.join(this.dir, `${String(this.count).padStart(2, '0')}-${label.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
    await page.screenshot({ path: file });
    if (readme) this.readme.set(readme, file);
    return file;
  }

  /** Copies the screenshots named for the README to `target` (media/screenshots/). */
  copyForReadme(target) {
    fs.mkdirSync(target, { recursive: true });
    const copied = [];
    for (const [name, file] of this.readme) {
      const destination = path.join(target, `${name}.png`);
      fs.copyFileSync(file, destination);
      copied.push(destination);
    }
    return copied;
  }
}

export function summary(results) {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  const lines = results.map((r) => `  ${r.ok ? '✓' : '✗'} ${r.name}${r.ok && r.attempts > 1 ? ` (flaky: passed on attempt ${r.attempts})` : ''}${r.ok ? '' : `\n      ${String(r.error?.message ?? r.error).split('\n').join('\n      ')}`}`);
  return { passed, failed, text: `${lines.join('\n')}\n\n${passed} passed, ${failed} failed` };
}
