import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { buildModelFromTexts, ClusterModel, LabelSelector, Span } from '../../server/src/service/model';

/**
 * The cluster model, driven by fixtures: each test/fixtures/semantics/model/NAME.yaml is
 * read into a model whose summary must equal NAME.model.json. Positions are 1-based
 * `line:column` of where each thing starts, so the spans the explanations point to are
 * checked too. Set NETPOL_UPDATE_FIXTURES=1 to rewrite the JSON (then review the diff).
 */

const folder = path.resolve(__dirname, '../../../test/fixtures/semantics/model');

function summarise(model: ClusterModel, file: string) {
  const lines = model.files.get(file)!.lines;
  const at = (span: Span | undefined) => {
    if (!span) return null;
    const p = lines.positionAt(span[0]);
    return `${p.line + 1}:${p.character + 1}`;
  };
  const selector = (s: LabelSelector | undefined) =>
    s === undefined
      ? null
      : {
          requirements: s.requirements.map((r) => `${r.key} ${r.operator} [${r.values.join(', ')}] (${r.from} at ${at(r.span)})`),
          problems: s.problems,
        };
  return {
    defaultNamespace: model.defaultNamespace,
    namespaces: [...model.namespaces.values()].map((ns) => ({
      name: ns.name,
      labels: ns.labels,
      declaredAt: at(ns.declaredAt?.span),
      referencedAt: at(ns.referencedAt?.span),
      isDefault: ns.isDefault,
    })),
    pods: model.pods.map((pod) => ({
      id: pod.id,
      kind: pod.kind,
      namespaceExplicit: pod.namespaceExplicit,
      labels: pod.labels,
      ports: pod.ports.map((p) => `${p.container}: ${p.name ?? '-'} ${p.protocol} ${p.containerPort} at ${at(p.location.span)}`),
      ips: pod.ips,
      hostNetwork: pod.hostNetwork,
      at: at(pod.location.span),
      labelsAt: at(pod.labelsAt?.span),
    })),
    services: model.services.map((s) => ({
      id: s.id,
      selector: s.selector ?? null,
      ports: s.ports.map((p) => `${p.name ?? '-'} ${p.protocol} ${p.port} -> ${p.targetPort}`),
    })),
    policies: model.policies.map((p) => ({
      id: p.id,
      at: at(p.location.span),
      nameAt: at(p.nameSpan),
      namespaceExplicit: p.namespaceExplicit,
      podSelectorWritten: p.podSelectorWritten,
      podSelector: selector(p.podSelector),
      policyTypes: { ingress: p.policyTypes.ingress, egress: p.policyTypes.egress, explicit: p.policyTypes.explicit },
      rules: [...p.ingress, ...p.egress].map((r) => ({
        rule: `${r.direction}[${r.index}] at ${at(r.span)}`,
        peers: r.peers.map((peer) => ({
          at: at(peer.span),
          podSelector: selector(peer.podSelector),
          namespaceSelector: selector(peer.namespaceSelector),
          ipBlock: peer.ipBlock ? `${peer.ipBlock.cidrText} except [${peer.ipBlock.except.map((e) => e.text).join(', ')}]` : null,
          problem: peer.problem ?? null,
        })),
        ports: r.ports.map((port) => `${port.protocol}${port.protocolExplicit ? '' : ' (default)'} ${port.port ?? '*'}${port.endPort !== undefined ? `-${port.endPort}` : ''} at ${at(port.span)}${port.problem ? ` problem: ${port.problem}` : ''}`),
      })),
    })),
    warnings: model.warnings.map((w) => `${at(w.location.span)} ${w.message}`),
  };
}

describe('model: cluster model from manifests (test/fixtures/semantics/model)', () => {
  for (const name of fs.readdirSync(folder).filter((n) => n.endsWith('.yaml')).sort()) {
    it(name, () => {
      const text = fs.readFileSync(path.join(folder, name), 'utf8');
      const model = buildModelFromTexts([{ path: name, text }]);
      const actual = summarise(model, name);
      const expectedFile = path.join(folder, name.replace(/\.yaml$/, '.model.json'));
      if (process.env.NETPOL_UPDATE_FIXTURES) fs.writeFileSync(expectedFile, `${JSON.stringify(actual, null, 2)}\n`);
      assert.deepStrictEqual(actual, JSON.parse(fs.readFileSync(expectedFile, 'utf8')));
    });
  }
});

describe('model: objects kubectl would reject', () => {
  it('leaves out an object whose namespace YAML 1.1 reads as a boolean, with a warning', () => {
    const model = buildModelFromTexts([{ path: 'p.yaml', text: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: n\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: api\n  namespace: "n"\n' }]);
    assert.deepStrictEqual(model.pods.map((p) => p.id), ['n/api']);
    assert.match(model.warnings[0].message, /Pod web is left out: its metadata.namespace is not a string/);
  });
});
