import * as assert from 'assert';
import { analyseFile, drain, workspaceModel, workspaceModelSteps, WorkspaceFile } from '../../server/src/service/lint/context';
import { createLanguageService } from '../../server/src/service/languageService';
import { buildClusterModel, ClusterModel } from '../../server/src/service/model';
import { parseFile } from '../../server/src/service/parse/parseFile';
import { createAnalyzer } from '../../server/src/service/semantics/analyzer';
import { loadWorkspace } from '../helpers/workspace';

/**
 * The workspace model is joined from each file's model (and a large file's model from pieces
 * of it), so that one changed file does not make every file be read again. The join must give
 * exactly what reading all the files in order gives.
 */

function pod(name: string, namespace: string, app: string, extra = ''): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${namespace}
  labels:
    app: ${app}
spec:
  containers:
  - name: main
    ports:
    - name: http
      containerPort: 8080${extra}
`;
}

function policy(name: string, namespace: string | undefined, app: string): string {
  return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}
${namespace ? `  namespace: ${namespace}\n` : ''}spec:
  podSelector:
    matchLabels:
      app: ${app}
  egress:
  - to:
    - namespaceSelector:
        matchLabels:
          team: ${app}
    ports:
    - port: http
`;
}

function namespace(name: string, team: string): string {
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
  labels:
    team: ${team}
`;
}

function file(uri: string, documents: string[]): WorkspaceFile {
  return { uri, parsed: parseFile(documents.join('---\n')) };
}

/** Every field of two models, the parsed files by identity. */
function assertSameModel(actual: ClusterModel, expected: ClusterModel): void {
  assert.deepStrictEqual([...actual.files.keys()], [...expected.files.keys()]);
  for (const [uri, parsed] of expected.files) assert.ok(actual.files.get(uri) === parsed, `the parse of ${uri}`);
  const rest = (m: ClusterModel) => ({ ...m, files: undefined });
  assert.deepStrictEqual(rest(actual), rest(expected));
}

const modelOf = (files: readonly WorkspaceFile[]) => buildClusterModel(files.map((f) => ({ file: f.uri, parsed: f.parsed })));

describe('workspace model joined from per-file models', () => {
  it('equals the model read from all files in order: replacements, namespaces, the default namespace and warnings', () => {
    const files = [
      file('file:///a.yaml', [namespace('shop', 'web'), pod('web', 'shop', 'web'), policy('p', 'shop', 'web'), pod('web', 'shop', 'web2')]),
      file('file:///b.yaml', [pod('web', 'shop', 'web3'), policy('p', undefined, 'db'), namespace('shop', 'db'), policy('p', 'shop', 'api')]),
      file('file:///c.yaml', [pod('x', '1', 'x'), policy('q', 'other', 'web'), namespace('default', 'ops'), pod('web', 'shop', 'web4')]),
      file('file:///d.yaml', ['kind: [unclosed\n', policy('r', 'shop', 'web')]),
    ];
    const joined = workspaceModel(files).model;
    assertSameModel(joined, modelOf(files));
    assert.ok(joined.warnings.length >= 4, 'the duplicates are warned about');
  });

  it('equals it for the workspace fixtures, in any order of files', () => {
    const files = loadWorkspace(['test/fixtures/workspaces', 'examples']);
    assertSameModel(workspaceModel(files).model, modelOf(files));
    const reversed = [...files].reverse();
    assertSameModel(workspaceModel(reversed).model, modelOf(reversed));
  });

  it('reads a large file in pieces, yielding between them, to the same model', () => {
    const documents: string[] = [];
    for (let i = 0; i < 150; i++) {
      documents.push(i % 3 === 0 ? pod(`pod-${i % 40}`, `ns-${i % 7}`, `app-${i % 5}`) : policy(`policy-${i % 60}`, i % 11 === 0 ? undefined : `ns-${i % 7}`, `app-${i % 5}`));
      if (i % 50 === 0) documents.push(namespace(`ns-${i % 7}`, `app-${i % 3}`));
    }
    const big = file('file:///big.yaml', documents);
    const files = [file('file:///small.yaml', [pod('pod-1', 'ns-1', 'app-9')]), big];
    const steps = workspaceModelSteps(files);
    let yields = 0;
    let step = steps.next();
    while (!step.done) {
      yields++;
      step = steps.next();
    }
    assert.ok(yields > 2, `yields between pieces (${yields})`);
    assertSameModel(step.value.model, modelOf(files));
  });

  it('keeps each unchanged file\'s objects when one file changes, and the engine answers as a fresh one', () => {
    const a = file('file:///a.yaml', [namespace('shop', 'web'), pod('web', 'shop', 'web'), pod('api', 'shop', 'api'), policy('p', 'shop', 'web')]);
    const b = file('file:///b.yaml', [policy('q', 'shop', 'api'), pod('db', 'shop', 'db')]);
    const before = workspaceModel([a, b]);
    // b changes: the same pods again, and one more policy.
    const b2 = file('file:///b.yaml', [policy('q', 'shop', 'api'), pod('db', 'shop', 'db'), policy('deny', 'shop', 'db')]);
    const after = workspaceModel([a, b2]);
    assertSameModel(after.model, modelOf([a, b2]));
    assert.ok(after.model.policies[0] === before.model.policies[0], 'the unchanged file was not read again');
    const fresh = createAnalyzer(after.model);
    const reused = createAnalyzer(after.model, before.analyzer);
    for (const p of after.model.policies) {
      assert.deepStrictEqual(reused.selectedPods(p).map((x) => x.id), fresh.selectedPods(p).map((x) => x.id), p.id);
      for (const rule of [...p.ingress, ...p.egress]) for (const peer of rule.peers) assert.deepStrictEqual(reused.peerPods(p, peer).map((x) => x.id), fresh.peerPods(p, peer).map((x) => x.id));
    }
    for (const x of after.model.pods) {
      for (const direction of ['ingress', 'egress'] as const) {
        assert.deepStrictEqual(reused.isolatingPolicies(x, direction).map((p) => p.id), fresh.isolatingPolicies(x, direction).map((p) => p.id), `${x.id} ${direction}`);
      }
    }
    // Other pods: nothing is taken over, and the answers are still right.
    const a2 = file('file:///a.yaml', [namespace('shop', 'web'), pod('web', 'shop', 'api'), pod('api', 'shop', 'api'), policy('p', 'shop', 'web')]);
    const changed = workspaceModel([a2, b2]);
    const again = createAnalyzer(changed.model, after.analyzer);
    for (const p of changed.model.policies) assert.deepStrictEqual(again.selectedPods(p).map((x) => x.id), createAnalyzer(changed.model).selectedPods(p).map((x) => x.id), p.id);
  });

  it('stays equal through a series of changed files: objects moving between files, duplicates appearing and going', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const content = (i: number) => {
      const documents: string[] = [];
      const count = 1 + random(4);
      for (let d = 0; d < count; d++) {
        const kind = random(10);
        // Mostly names of this file's own, sometimes one that another file may use too.
        const name = random(6) === 0 ? `shared-${random(3)}` : `f${i}-${d}-${random(3)}`;
        if (kind < 4) documents.push(pod(name, `ns-${random(3)}`, `app-${random(4)}`));
        else if (kind < 8) documents.push(policy(name, random(5) === 0 ? undefined : `ns-${random(3)}`, `app-${random(4)}`));
        else if (kind < 9) documents.push(namespace(random(4) === 0 ? `ns-${random(3)}` : `own-${i}`, `app-${random(4)}`));
        else documents.push(`apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: ns-${random(3)}\nspec:\n  selector:\n    app: app-${random(4)}\n  ports:\n  - port: 80\n`);
      }
      return documents;
    };
    let files = Array.from({ length: 12 }, (_, i) => file(`file:///f${i}.yaml`, content(i)));
    for (let step = 0; step < 150; step++) {
      const next = [...files];
      const changes = 1 + (random(5) === 0 ? random(3) : 0);
      for (let c = 0; c < changes; c++) {
        const i = random(next.length);
        next[i] = file(next[i].uri, content(i));
      }
      files = next;
      assertSameModel(workspaceModel(files).model, modelOf(files));
    }
  });

  it('gives the same analysis for a file outside the snapshot as for one in it', () => {
    const a = file('file:///a.yaml', [pod('web', 'shop', 'web'), policy('p', 'shop', 'web')]);
    const b = file('file:///b.yaml', [policy('q', 'shop', 'api'), pod('web', 'shop', 'web9')]);
    const outside = analyseFile(b.parsed, { uri: b.uri, workspace: [a] });
    const inside = analyseFile(b.parsed, { uri: b.uri, workspace: [b, a] });
    assertSameModel(outside.model, modelOf([b, a]));
    assert.deepStrictEqual(outside.policies.map((p) => p.id), inside.policies.map((p) => p.id));
  });
});

describe('validation in steps', () => {
  it('gives what validate gives, yielding as it goes', () => {
    const service = createLanguageService();
    const documents: string[] = [];
    for (let i = 0; i < 120; i++) documents.push(i % 4 === 0 ? pod(`pod-${i}`, 'shop', `app-${i % 6}`) : policy(`policy-${i}`, 'shop', `app-${i % 9}`));
    const text = documents.join('---\n');
    const uri = 'file:///big.yaml';
    const viaSteps = service.parse(text);
    const steps = service.validateSteps(viaSteps, { uri, workspace: [{ uri, parsed: viaSteps }] });
    let yields = 0;
    let step = steps.next();
    while (!step.done) {
      yields++;
      step = steps.next();
    }
    assert.ok(yields > 10, `yields (${yields})`);
    const once = createLanguageService().parse(text);
    assert.deepStrictEqual(step.value, createLanguageService().validate(once, { uri, workspace: [{ uri, parsed: once }] }));
    assert.ok(step.value.length > 0);
    assert.deepStrictEqual(drain(service.validateSteps(viaSteps, { uri, workspace: [{ uri, parsed: viaSteps }] }, { semantic: false })), service.validate(viaSteps, { uri }, { semantic: false }));
  });
});
