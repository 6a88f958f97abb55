import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Protocol } from '../../server/src/protocol';
import { MAX_REACHABILITY_PODS, reachability } from '../../server/src/service/inspect/reachability';
import { workspaceModel, WorkspaceFile } from '../../server/src/service/lint/context';
import { parseFile } from '../../server/src/service/parse/parseFile';

/**
 * The reachability view's data (`netpol/reachability`): the pods of the chosen namespaces and
 * the allowed grid, which must agree with the engine's one-connection verdict for every pair.
 */

const repo = path.resolve(__dirname, '../../..');

function workspaceOf(files: Record<string, string>): WorkspaceFile[] {
  return Object.entries(files).map(([name, text]) => ({ uri: `file:///ws/${name}`, parsed: parseFile(text) }));
}

function folder(dir: string): WorkspaceFile[] {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry.name)) files[path.relative(dir, full)] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return workspaceOf(files);
}

/** Every cell of the grid against Analyzer.allows for the same pair. */
function assertGridMatchesAllows(workspace: WorkspaceFile[], port: number, protocol: Protocol, namespaces?: string[]): number {
  const result = reachability(workspace, 'default', { namespaces, port, protocol });
  const { analyzer } = workspaceModel(workspace, 'default');
  assert.equal(result.allowed.length, result.pods.length);
  let allowedCount = 0;
  result.pods.forEach((from, i) => {
    assert.equal(result.allowed[i].length, result.pods.length);
    const source = analyzer.podById(from.id)!;
    result.pods.forEach((to, j) => {
      const destination = analyzer.podById(to.id)!;
      const expected = analyzer.allows({ kind: 'pod', pod: source }, { kind: 'pod', pod: destination }, port, protocol);
      assert.equal(result.allowed[i][j], expected, `${from.id} -> ${to.id} on ${protocol} ${port}`);
      if (expected) allowedCount++;
    });
  });
  return allowedCount;
}

const SMALL = {
  'ns.yaml': `
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {team: x}}
---
apiVersion: v1
kind: Namespace
metadata: {name: b}
`,
  'pods.yaml': `
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: a, labels: {app: web}}
spec:
  containers:
  - name: c
    ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: a, labels: {app: db}}
spec:
  containers:
  - name: c
    ports: [{name: pg, containerPort: 5432}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: b}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec:
      containers: [{name: c, image: busybox}]
`,
  'policies.yaml': `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-web, namespace: a}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: pg}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-egress, namespace: b}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {matchLabels: {team: x}}, podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 8080, protocol: TCP}]
`,
};

describe('reachability view data (netpol/reachability)', () => {
  it('lists the pods of every namespace when none is chosen, sorted by namespace and name, with links', () => {
    const workspace = workspaceOf(SMALL);
    const result = reachability(workspace, 'default', { port: 5432, protocol: 'TCP' });
    assert.deepEqual(result.namespaces, ['a', 'b']);
    assert.deepEqual(
      result.pods.map((p) => `${p.id} ${p.kind}`),
      ['a/db Pod', 'a/web Pod', 'b/Deployment/client Deployment'],
    );
    assert.equal(result.port, 5432);
    assert.equal(result.protocol, 'TCP');
    assert.equal(result.truncated, undefined);
    for (const pod of result.pods) {
      assert.ok(pod.link, `${pod.id} has a link`);
      assert.equal(pod.link!.uri, 'file:///ws/pods.yaml');
    }
    // The Deployment's manifest starts on line 17 (0-based 16) of pods.yaml.
    assert.equal(result.pods[2].link!.range.start.line, 17);
  });

  it('computes the expected grid on a small workspace (named port, AND peer, egress isolation)', () => {
    const workspace = workspaceOf(SMALL);
    const at = (port: number, protocol: Protocol = 'TCP') => {
      const r = reachability(workspace, 'default', { port, protocol });
      const index = (id: string) => r.pods.findIndex((p) => p.id === id);
      return (from: string, to: string) => r.allowed[index(from)][index(to)];
    };
    const pg = at(5432);
    assert.equal(pg('a/web', 'a/db'), true, 'web -> db on the named port pg');
    assert.equal(pg('a/db', 'a/db'), false, 'db isolates ingress; db is not web');
    assert.equal(pg('b/Deployment/client', 'a/db'), false, 'client egress allows only 8080 to web');
    assert.equal(pg('a/db', 'a/web'), true, 'web is not isolated');
    const http = at(8080);
    assert.equal(http('b/Deployment/client', 'a/web'), true);
    assert.equal(http('b/Deployment/client', 'a/db'), false);
    assert.equal(http('a/web', 'a/db'), false, 'pg resolves to 5432 on db, not 8080');
    assert.equal(at(8080, 'UDP')('b/Deployment/client', 'a/web'), false, 'the egress rule is TCP only');
  });

  it('agrees with Analyzer.allows for every pair (small workspace)', () => {
    const workspace = workspaceOf(SMALL);
    for (const protocol of ['TCP', 'UDP', 'SCTP'] as const) for (const port of [53, 80, 5432, 8080]) assertGridMatchesAllows(workspace, port, protocol);
  });

  it('agrees with Analyzer.allows for every pair (examples/)', () => {
    const workspace = folder(path.join(repo, 'examples'));
    let allowed = 0;
    for (const port of [53, 443, 5432, 6379, 8080, 8443, 9090]) for (const protocol of ['TCP', 'UDP'] as const) allowed += assertGridMatchesAllows(workspace, port, protocol);
    assert.ok(allowed > 0, 'some connections are allowed');
    // And with a namespace filter.
    assertGridMatchesAllows(workspace, 8080, 'TCP', ['frontend', 'backend']);
  });

  it('shows the shop: web reaches catalog on 8080, not the other way round', () => {
    const workspace = folder(path.join(repo, 'examples', 'shop'));
    const r = reachability(workspace, 'default', { namespaces: ['frontend', 'backend'], port: 8080, protocol: 'TCP' });
    const index = (id: string) => r.pods.findIndex((p) => p.id === id);
    assert.deepEqual(r.namespaces, ['backend', 'data', 'frontend', 'payments']);
    assert.deepEqual(
      r.pods.map((p) => p.id),
      ['backend/Deployment/catalog', 'backend/Deployment/orders', 'frontend/Deployment/web'],
    );
    assert.equal(r.allowed[index('frontend/Deployment/web')][index('backend/Deployment/catalog')], true);
    assert.equal(r.allowed[index('backend/Deployment/catalog')][index('frontend/Deployment/web')], false);
  });

  it('filters by namespace, ignoring unknown names, duplicates and non-strings', () => {
    const workspace = workspaceOf(SMALL);
    const only = (namespaces: unknown) => reachability(workspace, 'default', { namespaces: namespaces as string[], port: 80, protocol: 'TCP' }).pods.map((p) => p.id);
    assert.deepEqual(only(['b']), ['b/Deployment/client']);
    assert.deepEqual(only(['a', 'a']), ['a/db', 'a/web']);
    assert.deepEqual(only(['nope']), []);
    assert.deepEqual(only([]), ['a/db', 'a/web', 'b/Deployment/client'], 'none chosen: every namespace');
    assert.deepEqual(only([42, null, 'b', { toString: () => 'a' }]), ['b/Deployment/client']);
    assert.deepEqual(only('a'), ['a/db', 'a/web', 'b/Deployment/client'], 'not an array: every namespace');
    // The namespace list does not depend on the filter.
    assert.deepEqual(reachability(workspace, 'default', { namespaces: ['b'], port: 80, protocol: 'TCP' }).namespaces, ['a', 'b']);
  });

  it('truncates to the pod limit with a message, keeping the grid square and consistent', () => {
    const pods: string[] = [];
    for (let i = 0; i < 12; i++) pods.push(`apiVersion: v1\nkind: Pod\nmetadata: {name: p${String(i).padStart(2, '0')}, namespace: n${i % 2}, labels: {i: "${i}"}}\n`);
    const policy = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: n0}\nspec:\n  podSelector: {}\n  ingress:\n  - from: [{podSelector: {matchLabels: {i: "2"}}}]\n`;
    const workspace = workspaceOf({ 'pods.yaml': pods.join('---\n'), 'policy.yaml': policy });
    const result = reachability(workspace, 'default', { port: 80, protocol: 'TCP' }, { maxPods: 5 });
    assert.equal(result.pods.length, 5);
    assert.equal(result.allowed.length, 5);
    for (const row of result.allowed) assert.equal(row.length, 5);
    assert.match(result.truncated ?? '', /first 5 of 12 pods/);
    assert.deepEqual(
      result.pods.map((p) => p.id),
      ['n0/p00', 'n0/p02', 'n0/p04', 'n0/p06', 'n0/p08'],
    );
    // n0 isolates ingress and admits only i=2 from n0.
    assert.equal(result.allowed[1][0], true, 'p02 -> p00');
    assert.equal(result.allowed[0][1], false, 'p00 -> p02');
    assert.equal(reachability(workspace, 'default', { namespaces: ['n1'], port: 80, protocol: 'TCP' }, { maxPods: 6 }).truncated, undefined, 'six pods in n1: not cut');
    assert.equal(MAX_REACHABILITY_PODS, 200);
    // The default limit cuts a larger workspace at 200.
    const many: string[] = [];
    for (let i = 0; i < 230; i++) many.push(`apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, namespace: big}\n`);
    const big = reachability(workspaceOf({ 'many.yaml': many.join('---\n') }), 'default', { port: 80, protocol: 'TCP' });
    assert.equal(big.pods.length, 200);
    assert.match(big.truncated ?? '', /first 200 of 230/);
  });

  it('answers malformed parameters without a grid or an exception', () => {
    const workspace = workspaceOf(SMALL);
    for (const port of [0, -1, 65536, 80.5, NaN, '80', null, undefined]) {
      const r = reachability(workspace, 'default', { port: port as number, protocol: 'TCP' });
      assert.deepEqual(r.pods, [], String(port));
      assert.deepEqual(r.allowed, []);
      assert.match(r.truncated ?? '', /port must be/);
      assert.deepEqual(r.namespaces, ['a', 'b']);
    }
    assert.equal(reachability(workspace, 'default', { port: 80, protocol: 'ICMP' as Protocol }).protocol, 'TCP');
    assert.equal(reachability(workspace, 'default', null as never).pods.length, 0);
  });

  it('gives an empty grid for a workspace without pods', () => {
    const r = reachability(workspaceOf({ 'x.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' }), 'default', { port: 80, protocol: 'TCP' });
    assert.deepEqual(r, { namespaces: [], pods: [], allowed: [], port: 80, protocol: 'TCP' });
  });
});
