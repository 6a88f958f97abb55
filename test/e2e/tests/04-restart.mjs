// "NetworkPolicy Inspector: Restart Server" from the command palette: a new server process
// replaces the old one, the status bar goes through starting back to running, the output
// channel says so, and the new server validates what is typed next.
import assert from 'node:assert/strict';
import { waitFor } from '../lib/workbench.mjs';

const STATUS = 'netpol-inspector.netpol-inspector.netpol.status';

export default [
  {
    name: 'Restart Server starts a new language server that publishes diagnostics again',
    async run({ wb, shot, serverPids }) {
      await wb.quickOpen('restart.yaml');
      const message = 'unknown field "spec.polciyTypes" (did you mean "policyTypes"?)';
      await wb.waitForProblems((rows) => rows.some((row) => row.file === 'restart.yaml' && row.message === message), { message: `"${message}"` });
      const before = await waitFor(() => (serverPids().length === 1 ? serverPids() : undefined), { message: 'exactly one language server process' });

      const recorder = await wb.recordStatusItem(STATUS);
      await wb.runCommand('NetworkPolicy Inspector: Restart Server');
      const after = await waitFor(
        () => {
          const pids = serverPids();
          return pids.length === 1 && pids[0] !== before[0] ? pids : undefined;
        },
        { timeout: 60_000, message: `a new server process instead of pid ${before[0]}` },
      );
      await waitFor(async () => (await wb.statusItem(STATUS))?.icons.some((icon) => icon.includes('codicon-shield')), { message: 'the status bar item back to running (shield)' });
      const states = await recorder.states();
      await recorder.stop();
      const leftRunning = states.findIndex((state) => !state.includes('codicon-shield'));
      assert.ok(leftRunning >= 0, `the status bar item never left the running state: ${JSON.stringify(states)}`);
      assert.ok(states.at(-1).includes('codicon-shield'), `the status bar item ends running: ${JSON.stringify(states)}`);

      // The restarted server has the document again: a new mistake gets a new diagnostic.
      await wb.goTo(3, 1);
      await wb.type('metdata: {}\n');
      await wb.waitForProblems((rows) => rows.some((row) => row.file === 'restart.yaml' && row.message === 'unknown field "metdata" (did you mean "metadata"?)'), {
        message: 'the new server to report the mistake typed after the restart',
      });
      await wb.waitForProblems((rows) => rows.some((row) => row.file === 'restart.yaml' && row.message === message), { message: 'the first error again' });

      await wb.runCommand('NetworkPolicy Inspector: Show Log');
      await waitFor(async () => (await wb.outputText()).includes('Restarting the language server.'), { message: 'the output channel to say "Restarting the language server."' });
      await shot('after restart: new diagnostics and the log', { readme: 'restart' });
      return { before, after, states };
    },
  },
];
