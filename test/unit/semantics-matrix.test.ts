import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CliIo } from '../../server/src/cli/args';
import { run as runMatrix } from '../../server/src/cli/commands/matrix';
import { buildModelFromTexts } from '../../server/src/service/model';
import { createAnalyzer, explainConnection, podEndpoint } from '../../server/src/service/semantics';

/**
 * The matrix is computed between classes of pods that no policy can tell apart, and the CLI
 * writes it as bytes from pieces. These check both against the plain definitions: the verdict
 * of every pair from its explanation, and the output from the table cell by cell.
 */

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Replicas with the same labels in a namespace, some of them told apart only by a named port's
 * number or protocol, or by a recorded address, some with two containers declaring the same
 * port name (the name then stands for both numbers); pod names with characters that take
 * several bytes in UTF-8.
 */
function replicatedCluster(seed: number, pods: number): string {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const docs: string[] = [];
  for (let n = 0; n < 3; n++) docs.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns${n}\n  labels: {team: t${n % 2}}\n`);
  for (let p = 0; p < pods; p++) {
    const ports = next() < 0.7 ? '[{name: http, containerPort: 80}]' : pick([
      '[{name: http, containerPort: 8080}]',
      '[{name: http, containerPort: 80}, {name: metrics, containerPort: 8080}]',
      '[{name: metrics, containerPort: 80}, {name: http, containerPort: 8080}]',
      '[{name: http, containerPort: 80, protocol: UDP}]',
      '[{name: http, containerPort: 80}]\n  - name: sidecar\n    ports: [{name: http, containerPort: 8080}]',
    ]);
    const status = next() < 0.3 ? `status:\n  podIP: 10.0.${p % 2}.1\n` : '';
    docs.push(
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: "pöd-${p}"\n  namespace: ns${p % 3}\n  labels: {app: a${Math.floor(p / 3) % 3}, tier: ${pick(['fe', 'be'])}}\n` +
        `spec:\n  containers:\n  - name: c\n    ports: ${ports}\n${status}`,
    );
  }
  const peer = () =>
    pick([
      `    - podSelector: {matchLabels: {app: a${Math.floor(next() * 3)}}}\n`,
      `    - namespaceSelector: {matchLabels: {team: t${Math.floor(next() * 2)}}}\n      podSelector: {matchExpressions: [{key: tier, operator: NotIn, values: [fe]}]}\n`,
      `    - ipBlock: {cidr: 10.0.0.0/16, except: [10.0.${Math.floor(next() * 2)}.0/24]}\n`,
    ]);
  const port = () => pick(['    - port: http\n', '    - port: 80\n', '    - {port: 8000, endPort: 8100}\n']);
  for (let i = 0; i < 12; i++) {
    let spec = `  podSelector: {matchLabels: {app: a${Math.floor(next() * 3)}}}\n  policyTypes: [${pick(['Ingress', 'Egress', 'Ingress, Egress'])}]\n`;
    spec += `  ingress:\n  - from:\n${peer()}    ports:\n${port()}`;
    spec += `  egress:\n  - to:\n${peer()}    ports:\n${port()}`;
    docs.push(`apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np${i}\n  namespace: ns${Math.floor(next() * 3)}\nspec:\n${spec}`);
  }
  return docs.join('---\n');
}

describe('semantics: the matrix between classes of pods', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`agrees with the explanation and allows() on every pair (seed ${seed})`, () => {
      const model = buildModelFromTexts([{ path: 'cluster.yaml', text: replicatedCluster(seed, 120) }]);
      // Some pods share everything the verdicts depend on, so classes have several members.
      const kinds = new Set(model.pods.map((p) => JSON.stringify([p.namespace, Object.entries(p.labels).sort(), p.ports.map((q) => [q.name, q.protocol, q.containerPort]), p.ips])));
      assert.ok(kinds.size < model.pods.length * 0.75, `${kinds.size} kinds of ${model.pods.length} pods`);
      const analyzer = createAnalyzer(model);
      const ports = [80, 8080, 8050];
      const result = analyzer.matrix({ ports, protocols: ['TCP', 'UDP'] });
      assert.strictEqual(result.tables.length, 6);
      let allowed = 0;
      for (const table of result.tables) {
        for (let i = 0; i < result.pods.length; i++) {
          for (let j = 0; j < result.pods.length; j++) {
            const from = podEndpoint(result.pods[i]);
            const to = podEndpoint(result.pods[j]);
            const pair = `${table.protocol}/${table.port} ${result.pods[i].id} -> ${result.pods[j].id}`;
            // The explanation tests rule by rule, with none of the engine's sets.
            const verdict = explainConnection(analyzer, from, to, table.port, table.protocol).allowed;
            assert.strictEqual(table.allowed(i, j), verdict, `${pair}: matrix and explanation`);
            assert.strictEqual(analyzer.allows(from, to, table.port, table.protocol), verdict, `${pair}: allows() and explanation`);
            if (verdict) allowed++;
          }
        }
      }
      // Neither everything nor nothing: the policies decide.
      assert.ok(allowed > 0 && allowed < 6 * result.pods.length ** 2, `${allowed} allowed`);
    });
  }

  for (const seed of [5, 6]) {
    it(`an engine extended with more pods answers as one built over all of them (seed ${seed})`, () => {
      // The lint rules' stand-in pods: the workspace's engine plus a few pods, the policies unchanged.
      const model = buildModelFromTexts([{ path: 'cluster.yaml', text: replicatedCluster(seed, 120) }]);
      const base = createAnalyzer({ ...model, pods: model.pods.slice(0, 100) });
      const extended = createAnalyzer(model, base);
      const fresh = createAnalyzer(model);
      const ids = (pods: readonly { id: string }[]) => pods.map((p) => p.id);
      for (const policy of model.policies) assert.deepStrictEqual(ids(extended.selectedPods(policy)), ids(fresh.selectedPods(policy)), policy.id);
      let isolated = 0;
      for (const pod of model.pods) {
        assert.deepStrictEqual(extended.policiesSelecting(pod), fresh.policiesSelecting(pod), pod.id);
        for (const direction of ['ingress', 'egress'] as const) {
          assert.deepStrictEqual(extended.isolatingPolicies(pod, direction), fresh.isolatingPolicies(pod, direction), `${pod.id} ${direction}`);
          if (model.pods.indexOf(pod) >= 100 && fresh.isolatingPolicies(pod, direction).length > 0) isolated++;
        }
      }
      // Some of the added pods are selected, or the test would not test the extension.
      assert.ok(isolated > 0, 'an added pod is isolated');
      const a = extended.matrix({ ports: [80, 8080], protocols: ['TCP', 'UDP'] });
      const b = fresh.matrix({ ports: [80, 8080], protocols: ['TCP', 'UDP'] });
      for (let t = 0; t < a.tables.length; t++) {
        for (let i = 0; i < model.pods.length; i++) {
          for (let j = 0; j < model.pods.length; j++) assert.strictEqual(a.tables[t].allowed(i, j), b.tables[t].allowed(i, j), `table ${t}: ${model.pods[i].id} -> ${model.pods[j].id}`);
        }
      }
    });
  }
});

describe('netpol matrix output', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-matrix-'));
    // 150 pods and 2 ports: about 3 MB of JSON, so several output buffers.
    fs.writeFileSync(path.join(dir, 'cluster.yaml'), replicatedCluster(7, 150));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function run(format: string, bytes: boolean): Promise<string> {
    const chunks: Buffer[] = [];
    let text = '';
    const io: CliIo = { stdout: (t) => (text += t), stderr: (t) => assert.fail(t), cwd: dir, readStdin: async () => '' };
    if (bytes) io.stdoutBytes = (b) => void chunks.push(Buffer.from(b));
    const code = await runMatrix(['cluster.yaml', '--ports', '80,8080', '--format', format], io);
    assert.strictEqual(code, 0);
    return text + Buffer.concat(chunks).toString('utf8');
  }

  for (const format of ['json', 'csv', 'text', 'md']) {
    it(`writes the same ${format} as bytes and as text`, async () => {
      assert.strictEqual(await run(format, true), await run(format, false));
    });
  }

  it('writes every probe of every table, in order, with its verdict', async () => {
    const model = buildModelFromTexts([{ path: 'cluster.yaml', text: fs.readFileSync(path.join(dir, 'cluster.yaml'), 'utf8') }]);
    const result = createAnalyzer(model).matrix({ ports: [80, 8080], protocols: ['TCP'] });
    const json = await run('json', true);
    assert.ok(json.length > 2 << 20, `${json.length} characters`);
    const expected = result.tables.flatMap((table) =>
      result.pods.flatMap((from, i) => result.pods.map((to, j) => ({ from: from.id, to: to.id, port: table.port, protocol: table.protocol, allowed: table.allowed(i, j) }))),
    );
    assert.deepStrictEqual(JSON.parse(json), { probes: expected });
    const csv = await run('csv', true);
    const quote = (id: string) => (/[",\n]/.test(id) ? `"${id.replace(/"/g, '""')}"` : id);
    assert.strictEqual(csv, `from,to,port,protocol,allowed\n${expected.map((p) => `${quote(p.from)},${quote(p.to)},${p.port},${p.protocol},${p.allowed}\n`).join('')}`);
  });

  it('draws the grids cell by cell', async () => {
    const model = buildModelFromTexts([{ path: 'cluster.yaml', text: fs.readFileSync(path.join(dir, 'cluster.yaml'), 'utf8') }]);
    const result = createAnalyzer(model).matrix({ ports: [80, 8080], protocols: ['TCP'] });
    const names = result.pods.map((p) => p.id);
    const width = Math.max(...names.map((n) => n.length));
    const text = result.tables
      .map((table) => {
        const head = ['-', ...names].map((n) => n.padEnd(width)).join(' ').trimEnd();
        const rows = names.map((name, i) => [name, ...names.map((_, j) => (table.allowed(i, j) ? '.' : 'X'))].map((c) => c.padEnd(width)).join(' ').trimEnd());
        return `\n${table.protocol}/${table.port}\n${[head, ...rows].join('\n')}\n`;
      })
      .join('');
    assert.strictEqual(await run('text', true), `Rows: from; columns: to; . allowed, X denied.\n${text}`);
    const md = result.tables
      .map((table, t) => {
        const rows = names.map((name, i) => `| ${name} | ${names.map((_, j) => (table.allowed(i, j) ? '✓' : '✗')).join(' | ')} |\n`);
        return `${t > 0 ? '\n' : ''}### ${table.protocol}/${table.port}\n\n| from \\ to | ${names.join(' | ')} |\n|---|${names.map(() => ':-:').join('|')}|\n${rows.join('')}`;
      })
      .join('');
    assert.strictEqual(await run('md', true), md);
  });
});
