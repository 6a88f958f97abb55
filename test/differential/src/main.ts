import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { adaptForPeer } from './adapt';
import { compareSet, Disagreement, SetReport } from './compare';
import { generateScenario, renderScenario } from './generate';
import { parsePeerOutput, runPeer } from './peer';
import { Random, setSeed } from './random';

interface Options {
  sets: number;
  seed: number;
  /** Run only this set index (with the same seed it is the same set as in a full run). */
  only?: number;
  jobs: number;
  peer: string;
  keep: boolean;
  out: string;
}

const usage = 'usage: npm run test:differential -- [--sets N] [--seed S] [--only INDEX] [--jobs J] [--keep] [--out DIR]';

class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const options: Options = { sets: 1000, seed: 1, jobs: 2, peer: process.env.NETPOLICY_BIN ?? '', keep: false, out: path.resolve('test-results', 'differential') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value\n${usage}`);
      return next;
    };
    const integer = (text: string, min: number) => {
      const n = Number(text);
      if (!Number.isInteger(n) || n < min) throw new UsageError(`${arg} wants an integer >= ${min}, not ${text}\n${usage}`);
      return n;
    };
    if (arg === '--sets') options.sets = integer(value(), 1);
    else if (arg === '--seed') options.seed = integer(value(), 0);
    else if (arg === '--only') options.only = integer(value(), 0);
    else if (arg === '--jobs') options.jobs = integer(value(), 1);
    else if (arg === '--peer') options.peer = value();
    else if (arg === '--out') options.out = path.resolve(value());
    else if (arg === '--keep') options.keep = true;
    else throw new UsageError(`unknown argument ${arg}\n${usage}`);
  }
  if (!options.peer) throw new UsageError(`the peer binary is needed (--peer or NETPOLICY_BIN)\n${usage}`);
  return options;
}

/** How often the peer is run again on a set where its first answer disagrees with ours. */
const peerReruns = 24;

/** Sets that failed even after the peer was rerun. */
const state = { hopeless: 0 };

interface SetOutcome {
  index: number;
  seed: number;
  report: SetReport;
  peerMs: number;
  /** The rewrites of adapt.ts that the set needed. */
  adapted: string[];
}

function describe(d: Disagreement): string {
  const what = d.port === undefined ? '' : ` ${d.protocol} ${d.port}`;
  const verdicts = d.peer === undefined && d.ours === undefined ? '' : ` peer=${d.peer === undefined ? '-' : d.peer ? 'allow' : 'deny'} ours=${d.ours === undefined ? '-' : d.ours ? 'allow' : 'deny'}`;
  return `${d.kind} ${d.from} -> ${d.to}${what}:${verdicts}\n    ${d.detail.replace(/\n/g, '\n    ')}`;
}

async function runSet(options: Options, index: number, tmp: string): Promise<SetOutcome> {
  const seed = setSeed(options.seed, index);
  const generated = generateScenario(seed);
  const { scenario, applied } = adaptForPeer(generated);
  const full = renderScenario(scenario, { withStatus: true });
  const stripped = renderScenario(scenario, { withStatus: false });
  const original = applied.length > 0 ? { applied, full: renderScenario(generated, { withStatus: true }), stripped: renderScenario(generated, { withStatus: false }) } : undefined;
  const dir = path.join(tmp, `set-${index}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const file of full) fs.writeFileSync(path.join(dir, file.path), file.text);
  const run = await runPeer(options.peer, dir);
  let report: SetReport;
  // The peer logs a manifest it cannot read and goes on without it: that must not pass unseen.
  const peerErrors = run.stderr.split('\n').filter((line) => /error/i.test(line));
  if (!run.ok || peerErrors.length > 0) {
    const detail = `netpolicy list ${run.ok ? 'reported errors' : 'failed'}:\n${run.stderr.trim() || run.stdout.trim()}`;
    report = { pairs: 0, probes: 0, addressProbes: 0, allowed: 0, addressAllowed: 0, explained: new Map(), failures: 1, unexplained: [{ kind: 'peer', from: '', to: '', detail }] };
  } else {
    const peers = [parsePeerOutput(run.stdout)];
    const compare = () => compareSet({ scenario, peers, full, stripped, original, random: new Random(seed ^ 0x5bd1e995), keep: 5 });
    report = compare();
    // The peer's answer depends on the order it happens to visit policies in (compare.ts,
    // peer-nondeterministic): ask it again before calling a disagreement unexplained. Once a few
    // sets have failed all the same, the run fails anyway, and reruns would only cost time.
    for (let rerun = 0; report.failures > 0 && rerun < peerReruns && state.hopeless < 10; rerun += 4) {
      for (let i = 0; i < 4; i++) {
        const again = await runPeer(options.peer, dir);
        if (again.ok) peers.push(parsePeerOutput(again.stdout));
      }
      report = compare();
    }
  }
  if (report.failures > 0 && ++state.hopeless <= 50) {
    // Keep what is needed to rerun the set by hand: the YAML the peer read, and what differed.
    const saved = path.join(options.out, `seed-${seed}`);
    fs.mkdirSync(saved, { recursive: true });
    for (const file of full) fs.writeFileSync(path.join(saved, file.path), file.text);
    if (original) {
      // The set before adapt.ts rewrote it, apart so that the peer can be run on the folder above.
      fs.mkdirSync(path.join(saved, 'original'), { recursive: true });
      for (const file of original.full) fs.writeFileSync(path.join(saved, 'original', file.path), file.text);
    }
    const lines = [`set ${index} of seed ${options.seed} (set seed ${seed}): ${report.failures} unexplained`, ...report.unexplained.map(describe)];
    fs.writeFileSync(path.join(saved, 'disagreements.txt'), lines.join('\n') + '\n');
  }
  if (!options.keep) fs.rmSync(dir, { recursive: true, force: true });
  return { index, seed, report, peerMs: run.ms, adapted: applied };
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-differential-'));
  const indices = options.only !== undefined ? [options.only] : Array.from({ length: options.sets }, (_, i) => i);
  const started = performance.now();
  const outcomes: SetOutcome[] = [];
  let next = 0;
  let failed = 0;
  let shown = 0;
  const progressEvery = Math.max(1, Math.ceil(indices.length / 10));
  const worker = async () => {
    while (next < indices.length) {
      const index = indices[next++];
      const outcome = await runSet(options, index, tmp);
      outcomes.push(outcome);
      if (outcome.report.failures > 0) {
        failed++;
        if (shown < 10) {
          shown++;
          const saved = path.relative(process.cwd(), path.join(options.out, `seed-${outcome.seed}`));
          console.log(`FAIL set ${index}: ${outcome.report.failures} unexplained disagreement(s); saved under ${saved}; rerun: npm run test:differential -- --seed ${options.seed} --only ${index}`);
          for (const d of outcome.report.unexplained.slice(0, 2)) console.log(`  ${describe(d).split('\n').slice(0, 12).join('\n  ')}`);
        }
      }
      if (outcomes.length % progressEvery === 0 || outcomes.length === indices.length) {
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        console.log(`[${outcomes.length}/${indices.length}] ${outcomes.length - failed} passed, ${failed} failed, ${seconds} s`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.jobs, indices.length) }, worker));
  } finally {
    if (!options.keep) fs.rmSync(tmp, { recursive: true, force: true });
    else console.log(`sets kept in ${tmp}`);
  }

  const totals = { pairs: 0, probes: 0, addressProbes: 0, allowed: 0, addressAllowed: 0, adapted: 0, peerMs: 0 };
  const rewrites = new Map<string, number>();
  const explained = new Map<string, number>();
  for (const o of outcomes) {
    totals.pairs += o.report.pairs;
    totals.probes += o.report.probes;
    totals.addressProbes += o.report.addressProbes;
    totals.allowed += o.report.allowed;
    totals.addressAllowed += o.report.addressAllowed;
    totals.peerMs += o.peerMs;
    if (o.adapted.length > 0) totals.adapted++;
    for (const name of o.adapted) rewrites.set(name, (rewrites.get(name) ?? 0) + 1);
    for (const [name, n] of o.report.explained) explained.set(name, (explained.get(name) ?? 0) + n);
  }
  const seconds = (performance.now() - started) / 1000;
  const share = (part: number, whole: number) => `${whole === 0 ? 0 : Math.round((100 * part) / whole)}% allowed`;
  console.log(`compared ${outcomes.length} sets (seed ${options.seed}): ${totals.pairs} ordered pod pairs, ${totals.probes} pod-to-pod probes (${share(totals.allowed, totals.probes)}), ${totals.addressProbes} pod/address probes (${share(totals.addressAllowed, totals.addressProbes)})`);
  console.log(`explained peer differences (probes): ${[...explained].filter(([name]) => !rewrites.has(name)).map(([name, n]) => `${name} ${n}`).join(', ') || 'none'}`);
  console.log(`sets given to the peer in an equivalent form: ${totals.adapted} (${[...rewrites].map(([name, n]) => `${name} ${n}`).join(', ') || 'none'})`);
  console.log(`time: ${seconds.toFixed(1)} s (peer ${(totals.peerMs / 1000).toFixed(1)} s summed over ${options.jobs} job(s))`);
  console.log(failed === 0 ? 'no unexplained disagreement' : `${failed} set(s) with unexplained disagreements; see ${path.relative(process.cwd(), options.out)}`);
  console.log(`${outcomes.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof UsageError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(2);
  },
);
