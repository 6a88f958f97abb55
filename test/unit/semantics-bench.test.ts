import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CliIo } from '../../server/src/cli/args';
import { run as runMatrix } from '../../server/src/cli/commands/matrix';

/**
 * The matrix floor from issue 3, as a benchmark rather than a test (timings depend on the
 * machine): `netpol matrix` over 1,000 pods in 20 namespaces with 300 policies and 2 ports,
 * JSON output, under 2 s. Runs only with NETPOL_BENCH=1.
 */

/** A small deterministic generator, so that every run measures the same cluster. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export function generateCluster(seed = 1, pods = 1000, namespaces = 20, policies = 300): string {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const apps = Array.from({ length: 30 }, (_, i) => `app${i}`);
  const tiers = ['fe', 'be', 'db', 'cache'];
  const docs: string[] = [];
  for (let n = 0; n < namespaces; n++) {
    docs.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns${n}\n  labels:\n    team: t${n % 5}\n    env: ${pick(['prod', 'dev'])}\n`);
  }
  for (let p = 0; p < pods; p++) {
    docs.push(
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod${p}\n  namespace: ns${p % namespaces}\n  labels:\n    app: ${pick(apps)}\n    tier: ${pick(tiers)}\n` +
        `spec:\n  containers:\n  - name: c\n    ports:\n    - {name: http, containerPort: ${pick([80, 8080])}}\n    - {name: metrics, containerPort: 9090}\n` +
        `status:\n  podIP: 10.${Math.floor(p / 250)}.${p % 250}.${1 + (p % 7)}\n`,
    );
  }
  const peer = () =>
    pick([
      `    - podSelector: {matchLabels: {app: ${pick(apps)}}}\n`,
      `    - namespaceSelector: {matchLabels: {team: t${Math.floor(next() * 5)}}}\n`,
      `    - namespaceSelector: {matchExpressions: [{key: env, operator: NotIn, values: [dev]}]}\n      podSelector: {matchLabels: {tier: ${pick(tiers)}}}\n`,
      `    - ipBlock: {cidr: 10.${Math.floor(next() * 4)}.0.0/16, except: [10.0.${Math.floor(next() * 250)}.0/24]}\n`,
    ]);
  const port = () => pick(['    - port: 80\n', '    - port: http\n', '    - {port: 8000, endPort: 8100}\n', '    - {protocol: UDP, port: 53}\n']);
  for (let i = 0; i < policies; i++) {
    let spec = `  podSelector: {matchLabels: {app: ${pick(apps)}}}\n`;
    const types = pick([['Ingress'], ['Egress'], ['Ingress', 'Egress'], null]);
    if (types) spec += `  policyTypes: [${types.join(', ')}]\n`;
    spec += `  ingress:\n  - from:\n${peer()}${peer()}    ports:\n${port()}`;
    if (next() < 0.5) spec += `  egress:\n  - to:\n${peer()}    ports:\n${port()}`;
    docs.push(`apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np${i}\n  namespace: ns${Math.floor(next() * namespaces)}\nspec:\n${spec}`);
  }
  return docs.join('---\n');
}

(process.env.NETPOL_BENCH ? describe : describe.skip)('benchmark: netpol matrix, 1,000 pods x 300 policies x 2 ports (NETPOL_BENCH=1)', () => {
  it('finishes under 2 s', async function () {
    this.timeout(60000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-bench-'));
    try {
      fs.writeFileSync(path.join(dir, 'cluster.yaml'), generateCluster());
      let bytes = 0;
      const io: CliIo = { stdout: (t) => (bytes += t.length), stderr: () => undefined, cwd: dir, readStdin: async () => '' };
      const started = process.hrtime.bigint();
      const code = await runMatrix(['cluster.yaml', '--ports', '80,8080', '--format', 'json'], io);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      console.log(`      netpol matrix: ${ms.toFixed(0)} ms, ${(bytes / 1e6).toFixed(0)} MB of JSON`);
      assert.strictEqual(code, 0);
      assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
