import * as assert from 'assert';
import { explainWorkspaceConnection } from '../../server/src/service/inspect/connection';
import { formatResolveProblem, isResolveProblem, listEndpoints, ResolvedConnection, resolveConnection, ResolveProblem } from '../../server/src/service/inspect/endpoints';
import { workspaceModel } from '../../server/src/service/lint/context';
import type { ExplainConnectionParams } from '../../server/src/protocol';
import { parseFile } from '../../server/src/service/parse/parseFile';
import { applyWorkspaceEdits, loadWorkspace } from '../helpers/workspace';

const fixture = 'test/fixtures/inspect/endpoints.yaml';

describe('inspect: endpoints and their resolution (test/fixtures/inspect/endpoints.yaml)', () => {
  const workspace = loadWorkspace([fixture]);
  const { model, analyzer } = workspaceModel(workspace, 'shop');

  const resolve = (from: string, to: string, port: number | string, protocol?: 'TCP' | 'UDP' | 'SCTP') =>
    resolveConnection(analyzer, { from, to, port, protocol }, { defaultNamespace: 'shop', where: 'the workspace' });
  const ok = (value: ResolvedConnection | ResolveProblem): ResolvedConnection => {
    assert.ok(!isResolveProblem(value), `unexpected problem: ${isResolveProblem(value) ? formatResolveProblem(value, 'plain') : ''}`);
    return value as ResolvedConnection;
  };
  const problem = (value: ResolvedConnection | ResolveProblem, style: 'cli' | 'plain' = 'cli'): string => {
    assert.ok(isResolveProblem(value), 'expected a problem');
    return formatResolveProblem(value as ResolveProblem, style);
  };
  const name = (r: ResolvedConnection, end: 'from' | 'to') => {
    const e = r[end];
    return e.kind === 'pod' ? e.pod.id : `external ${e.ip}`;
  };

  it('resolves NAMESPACE/POD, NAMESPACE/KIND/NAME, a workload by NAMESPACE/NAME, and a bare name in the default namespace', () => {
    const r = ok(resolve('shop/web', 'shop/Deployment/api', 8080));
    assert.strictEqual(name(r, 'from'), 'shop/web');
    assert.strictEqual(name(r, 'to'), 'shop/Deployment/api');
    assert.strictEqual(r.protocol, 'TCP');
    assert.strictEqual(name(ok(resolve('web', 'shop/cart', 80)), 'to'), 'shop/Deployment/cart');
    assert.strictEqual(r.analyzer, analyzer, 'no stand-in, so the workspace engine');
  });

  it('says which workloads an ambiguous NAMESPACE/NAME could be, and what a namespace holds for an unknown name', () => {
    assert.strictEqual(problem(resolve('shop/api', 'shop/web', 80)), '--from shop/api is ambiguous: shop/Deployment/api, shop/StatefulSet/api');
    assert.strictEqual(
      problem(resolve('shop/web', 'shop/ghost', 80), 'plain'),
      'Destination shop/ghost: no such pod or workload in the workspace, and not an IP address (pods in shop: shop/web, shop/Deployment/api, shop/StatefulSet/api, shop/Deployment/cart)',
    );
    assert.match(problem(resolve('', 'shop/web', 80), 'plain'), /^Source/);
  });

  it('reads an IP address as the pod that records it, or as an address outside the cluster (IPv4 and IPv6)', () => {
    const recorded = ok(resolve('10.1.0.5', 'shop/cart', 80));
    assert.strictEqual(name(recorded, 'from'), 'shop/web');
    assert.deepStrictEqual(recorded.notes, ['10.1.0.5 is the recorded address of shop/web; it is treated as that pod.']);
    assert.strictEqual(name(ok(resolve('shop/web', '203.0.113.9', 443)), 'to'), 'external 203.0.113.9');
    assert.strictEqual(name(ok(resolve('2001:db8::1', 'shop/web', 80)), 'from'), 'external 2001:db8::1');
  });

  it('resolves a port name on the destination with its protocol, and checks numbers and protocols', () => {
    const http = ok(resolve('shop/web', 'shop/Deployment/api', 'http'));
    assert.deepStrictEqual([http.port, http.protocol, http.portName], [8080, 'TCP', 'http']);
    assert.deepStrictEqual(http.notes, ['Port http is TCP 8080 on shop/Deployment/api.']);
    const stats = ok(resolve('shop/web', 'shop/Deployment/api', 'stats'));
    assert.deepStrictEqual([stats.port, stats.protocol], [8125, 'UDP']);
    assert.strictEqual(ok(resolve('shop/web', 'shop/Deployment/api', '8125', 'UDP')).port, 8125);
    assert.strictEqual(
      problem(resolve('shop/web', 'shop/Deployment/api', 'stats', 'TCP')),
      '--port stats: shop/Deployment/api has no TCP container port of that name; it has http (TCP 8080), stats (UDP 8125)',
    );
    assert.strictEqual(problem(resolve('shop/web', 'shop/Deployment/api', 0)), '--port 0: a port number is between 1 and 65535');
    assert.strictEqual(problem(resolve('shop/web', 'shop/Deployment/api', '70000')), '--port 70000: a port number is between 1 and 65535');
    assert.strictEqual(problem(resolve('shop/web', '203.0.113.9', 'http')), '--port http: a port name needs a pod destination to resolve it on');
    assert.strictEqual(problem(resolveConnection(analyzer, { from: 'shop/web', to: 'shop/cart', port: 80, protocol: 'ICMP' as 'TCP' })), '--protocol ICMP: use TCP, UDP or SCTP');
  });

  it('stands in for the cluster DNS when the workspace does not define it (kube-system/kube-dns, cluster-dns, coredns)', () => {
    for (const alias of ['kube-system/kube-dns', 'kube-system/cluster-dns', 'kube-system/coredns']) {
      const r = ok(resolve('shop/web', alias, 'dns'));
      assert.strictEqual(name(r, 'to'), 'kube-system/cluster-dns');
      assert.deepStrictEqual([r.port, r.protocol], [53, 'UDP']);
      assert.strictEqual(r.standIns.length, 1);
      assert.notStrictEqual(r.analyzer, analyzer, 'an engine that holds the stand-in');
      assert.ok(r.analyzer.podById('kube-system/cluster-dns'));
      assert.match(r.notes[0], /stands for the cluster DNS \(kube-dns in kube-system\), which is not defined in the workspace/);
    }
    assert.ok(isResolveProblem(resolve('shop/web', 'other/kube-dns', 53)), 'only in the DNS namespace');
  });

  it('lists the pods and workloads as choices, with namespace, kind, labels and ports, and the cluster DNS', () => {
    const { endpoints, namespaces } = listEndpoints(model);
    assert.deepStrictEqual(
      endpoints.map((e) => e.id),
      ['shop/Deployment/api', 'shop/StatefulSet/api', 'shop/Deployment/cart', 'shop/web', 'kube-system/cluster-dns'],
    );
    const api = endpoints[0];
    assert.strictEqual(api.label, 'api');
    assert.strictEqual(api.description, 'shop · Deployment');
    assert.strictEqual(api.detail, 'app=api · ports http TCP 8080, stats UDP 8125');
    assert.deepStrictEqual(api.ports, [
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'stats', port: 8125, protocol: 'UDP' },
    ]);
    assert.strictEqual(api.link?.uri, workspace[0].uri);
    assert.strictEqual(endpoints[3].detail, 'app=web, tier=front · ports http TCP 80');
    assert.deepStrictEqual(
      endpoints[4].ports?.map((p) => `${p.name} ${p.protocol} ${p.port}`),
      ['dns UDP 53', 'dns-tcp TCP 53'],
    );
    assert.deepStrictEqual(namespaces, ['shop']);
    // Every choice resolves to itself.
    for (const choice of endpoints) assert.ok(!isResolveProblem(resolve(choice.id, 'shop/web', 80)), choice.id);
  });
});

describe('inspect: explainConnection beyond the seven causes', () => {
  const workspace = loadWorkspace([fixture]);
  const explain = (params: ExplainConnectionParams) => explainWorkspaceConnection(workspace, params, { defaultNamespace: 'shop' });

  it('says an allowed connection is allowed, with the allowing rule and no fix', () => {
    const result = explain({ from: 'shop/web', to: 'shop/Deployment/api', port: 'http' });
    assert.strictEqual(result.allowed, true);
    assert.strictEqual(result.verdict, 'shop/web -> shop/Deployment/api on TCP 8080 (http): allowed');
    assert.match(result.markdown, /^# Allowed: `shop\/web` -> `shop\/Deployment\/api` on TCP 8080 \(http\)/);
    assert.match(
      result.markdown,
      /Allowed by:\n\n- \[shop\/web-egress egress rule 1\]\(<file:\/\/\/.*endpoints\.yaml#L92>\) \(peer 1, port 1\): allows TCP on the port named http to pods labelled app=api in namespace shop/,
    );
    assert.deepStrictEqual(result.fixes, []);
    assert.ok(result.links.some((l) => l.label === 'shop/web-egress egress rule 1: allows' && l.link.range.start.line === 91));
  });

  it('inserts an ipBlock /128 for an IPv6 address outside the cluster, and the connection is then allowed', () => {
    const result = explain({ from: 'shop/web', to: '2001:db8::1', port: 443 });
    assert.strictEqual(result.allowed, false);
    assert.deepStrictEqual(
      result.fixes.map((f) => f.title),
      ['Insert egress rule in shop/web-egress'],
    );
    const { workspace: fixed, texts } = applyWorkspaceEdits(
      workspace,
      result.fixes.map((f) => f.edit),
    );
    assert.match([...texts.values()][0], / {2}- to:\n {4}- ipBlock:\n {8}cidr: "2001:db8::1\/128"\n {4}ports:\n {4}- protocol: TCP\n {6}port: 443\n$/);
    assert.strictEqual(explainWorkspaceConnection(fixed, { from: 'shop/web', to: '2001:db8::1', port: 443 }, { defaultNamespace: 'shop' }).allowed, true);
  });

  it('inserts the rule into flow-style YAML and into a policy without the direction list, and the connection is then allowed', () => {
    const text = `apiVersion: v1
kind: Pod
metadata: {name: db, namespace: data, labels: {app: db}}
spec: {containers: [{name: db, image: postgres, ports: [{name: pg, containerPort: 5432}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api, team: shop}}
spec: {containers: [{name: api, image: api}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: data}
spec: {podSelector: {matchLabels: {app: db}}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: []
`;
    const flow = [{ uri: 'file:///flow.yaml', parsed: parseFile(text) }];
    const params = { from: 'shop/api', to: 'data/db', port: 'pg' };
    const result = explainWorkspaceConnection(flow, params);
    assert.strictEqual(result.verdict, 'shop/api -> data/db on TCP 5432 (pg): denied by the egress and ingress sides');
    assert.deepStrictEqual(
      result.fixes.map((f) => f.title),
      ['Insert egress rule in shop/api', 'Insert ingress rule in data/db'],
    );
    const { workspace: fixed, texts } = applyWorkspaceEdits(
      flow,
      result.fixes.map((f) => f.edit),
    );
    const after = texts.get('file:///flow.yaml')!;
    assert.match(
      after,
      /spec: \{podSelector: \{matchLabels: \{app: db\}\}, policyTypes: \[Ingress\], ingress: \[\{from: \[\{namespaceSelector: \{matchLabels: \{kubernetes.io\/metadata.name: shop\}\}, podSelector: \{matchLabels: \{app: api\}\}\}\], ports: \[\{protocol: TCP, port: pg\}\]\}\]\}/,
    );
    // `egress: []` becomes a block list, in the style the file suggests (sequences indented).
    assert.ok(
      after.endsWith(`  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: data
          podSelector:
            matchLabels:
              app: db
      ports:
        - protocol: TCP
          port: pg
`),
      after,
    );
    assert.strictEqual(explainWorkspaceConnection(fixed, params).allowed, true);
  });

  it('answers unresolvable or malformed requests with an error, never an exception', () => {
    const ghost = explain({ from: 'shop/ghost', to: 'shop/web', port: 80 });
    assert.match(ghost.error ?? '', /^Source shop\/ghost: no such pod or workload in the workspace/);
    assert.deepStrictEqual([ghost.allowed, ghost.fixes, ghost.links], [false, [], []]);
    for (const params of [null, {}, { from: 3, to: [], port: {} }, { from: 'shop/web', to: 'shop/cart', port: -1 }, { from: 'shop/web', to: 'shop/cart', port: 80, protocol: 'icmp' }]) {
      const result = explainWorkspaceConnection(workspace, params as unknown as ExplainConnectionParams);
      assert.ok(result.error, JSON.stringify(params));
    }
  });

  it('notes that the cluster DNS is a stand-in when it is asked about', () => {
    const result = explain({ from: 'shop/web', to: 'kube-system/kube-dns', port: 53, protocol: 'UDP' });
    assert.strictEqual(result.allowed, false);
    assert.match(result.markdown, /\*\*DNS is blocked \(cause 4\)\.\*\*/);
    assert.deepStrictEqual(
      result.fixes.map((f) => f.title),
      ['Insert DNS egress rule in shop/web-egress'],
    );
  });
});
