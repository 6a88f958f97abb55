import type { ClusterModel, Direction, PeerInfo, PolicyInfo, PortInfo, RuleInfo } from '../model/types';
import type { Manifest, ParsedFile } from '../parse/parseFile';
import { child, YMap, YNode } from '../parse/yamlView';
import { Analyzer, createAnalyzer } from '../semantics/analyzer';
import { DnsSettings, defaultDnsSettings } from './dns';
import { fileModelSteps, joinFileModels, ModelPart } from './modelPieces';

/** Other files of the workspace, already parsed; the file being analysed is not among them. */
export interface WorkspaceFile {
  uri: string;
  parsed: ParsedFile;
}

export interface AnalysisOptions {
  /** The name the file is reported under in the model (its URI in the editor, its path in the CLI). */
  uri: string;
  workspace?: readonly WorkspaceFile[];
  dns?: DnsSettings;
  defaultNamespace?: string;
}

/** The model and engine for one file seen together with the rest of the workspace. */
export interface FileAnalysis {
  uri: string;
  file: ParsedFile;
  model: ClusterModel;
  analyzer: Analyzer;
  dns: DnsSettings;
  /** The policies written in this file, in source order. */
  policies: PolicyInfo[];
}

/**
 * One model per workspace snapshot: when the snapshot already holds the file being analysed
 * (the CLI's inputs, the server's open documents), every file of it shares the same model and
 * engine instead of rebuilding them per file.
 */
const sharedModels = new WeakMap<readonly WorkspaceFile[], { defaultNamespace: string; model: ClusterModel; analyzer: Analyzer }>();

/** Runs steps to the end, at once. */
export function drain<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** The model of files in this order, joined from each file's model (read once per parse of the file). */
function* joinFiles(files: readonly WorkspaceFile[], defaultNamespace: string): Generator<void, ClusterModel> {
  const parts: ModelPart[] = [];
  for (const w of files) parts.push({ file: w.uri, parsed: w.parsed, model: yield* fileModelSteps(w.uri, w.parsed, defaultNamespace) });
  return joinFileModels(parts, defaultNamespace);
}

/**
 * The last engine built, while something else keeps it: the next snapshot (one file changed)
 * usually has the same pods, and the engine takes what depends on them alone from it.
 */
let lastAnalyzer: WeakRef<Analyzer> | undefined;

/** The engine of a workspace model, taking what it can from the last engine built. */
function analyzerFor(model: ClusterModel): Analyzer {
  const analyzer = createAnalyzer(model, lastAnalyzer?.deref());
  lastAnalyzer = new WeakRef(analyzer);
  return analyzer;
}

/** The model and engine of a whole workspace snapshot, built once per snapshot. */
export function workspaceModel(workspace: readonly WorkspaceFile[], defaultNamespace = 'default'): { model: ClusterModel; analyzer: Analyzer } {
  return drain(workspaceModelSteps(workspace, defaultNamespace));
}

/** `workspaceModel`, yielding now and then (between files, and between pieces of a large file). */
export function* workspaceModelSteps(workspace: readonly WorkspaceFile[], defaultNamespace = 'default'): Generator<void, { model: ClusterModel; analyzer: Analyzer }> {
  let shared = sharedModels.get(workspace);
  if (!shared || shared.defaultNamespace !== defaultNamespace) {
    const built = yield* joinFiles(workspace, defaultNamespace);
    yield;
    const analyzer = analyzerFor(built);
    // Another caller working on the same snapshot between the steps may have got there first.
    const meanwhile = sharedModels.get(workspace);
    if (meanwhile && meanwhile.defaultNamespace === defaultNamespace) return meanwhile;
    shared = { defaultNamespace, model: built, analyzer };
    sharedModels.set(workspace, shared);
    yield;
  }
  return shared;
}

export function analyseFile(file: ParsedFile, options: AnalysisOptions): FileAnalysis {
  return drain(analyseFileSteps(file, options));
}

/** `analyseFile`, yielding now and then, for a caller that gives other work a turn meanwhile. */
export function* analyseFileSteps(file: ParsedFile, options: AnalysisOptions): Generator<void, FileAnalysis> {
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const workspace = options.workspace ?? [];
  let model: ClusterModel;
  let analyzer: Analyzer;
  if (workspace.some((w) => w.uri === options.uri && w.parsed === file)) {
    ({ model, analyzer } = yield* workspaceModelSteps(workspace, defaultNamespace));
  } else {
    model = yield* joinFiles([{ uri: options.uri, parsed: file }, ...workspace.filter((other) => other.uri !== options.uri)], defaultNamespace);
    yield;
    analyzer = analyzerFor(model);
  }
  const policies = policiesOf(model, options.uri);
  return { uri: options.uri, file, model, analyzer, dns: options.dns ?? defaultDnsSettings, policies };
}

const byFile = new WeakMap<ClusterModel, Map<string, { policies: PolicyInfo[]; sorted: boolean }>>();

/** The policies of a model written in one file, in source order; the model's policies are grouped by file once. */
function policiesOf(model: ClusterModel, file: string): PolicyInfo[] {
  let index = byFile.get(model);
  if (!index) {
    index = new Map();
    for (const policy of model.policies) {
      const entry = index.get(policy.location.file);
      if (entry) entry.policies.push(policy);
      else index.set(policy.location.file, { policies: [policy], sorted: false });
    }
    byFile.set(model, index);
  }
  const entry = index.get(file);
  if (!entry) return [];
  if (!entry.sorted) {
    entry.policies.sort((a, b) => a.location.span[0] - b.location.span[0]);
    entry.sorted = true;
  }
  return entry.policies;
}

/** The manifest a policy was read from. */
const manifestIndexes = new WeakMap<ParsedFile, Map<number, Manifest>>();

export function manifestOf(analysis: FileAnalysis, policy: PolicyInfo): Manifest | undefined {
  let index = manifestIndexes.get(analysis.file);
  if (!index) {
    index = new Map();
    for (const document of analysis.file.documents) for (const m of document.manifests) index.set(m.node.span[0], m);
    manifestIndexes.set(analysis.file, index);
  }
  const found = index.get(policy.location.span[0]);
  return found && found.node.span[1] === policy.location.span[1] ? found : undefined;
}

function asMap(node: YNode | null | undefined): YMap | undefined {
  return node && node.kind === 'map' ? node : undefined;
}

/** The YAML nodes of a policy's parts, found again from the model's indices. */
export function specOf(manifest: Manifest): YMap | undefined {
  return asMap(child(manifest.node, 'spec'));
}

export function ruleNode(manifest: Manifest, direction: Direction, rule: RuleInfo): YMap | undefined {
  const list = child(specOf(manifest), direction);
  return list && list.kind === 'seq' ? asMap(list.items[rule.index]) : undefined;
}

export function peerNode(manifest: Manifest, rule: RuleInfo, peer: PeerInfo): YMap | undefined {
  const list = child(ruleNode(manifest, rule.direction, rule), rule.direction === 'ingress' ? 'from' : 'to');
  return list && list.kind === 'seq' ? asMap(list.items[peer.index]) : undefined;
}

export function portNode(manifest: Manifest, rule: RuleInfo, port: PortInfo): YMap | undefined {
  const list = child(ruleNode(manifest, rule.direction, rule), 'ports');
  return list && list.kind === 'seq' ? asMap(list.items[port.index]) : undefined;
}

export function findPolicy(analysis: FileAnalysis, id: string): PolicyInfo | undefined {
  return analysis.policies.find((p) => p.id === id);
}
