import { buildClusterModel } from '../model/build';
import type { ClusterModel, Direction, PeerInfo, PolicyInfo, PortInfo, RuleInfo } from '../model/types';
import type { Manifest, ParsedFile } from '../parse/parseFile';
import { child, YMap, YNode } from '../parse/yamlView';
import { Analyzer, createAnalyzer } from '../semantics/analyzer';
import { DnsSettings, defaultDnsSettings } from './dns';

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

/** The model and engine of a whole workspace snapshot, built once per snapshot. */
export function workspaceModel(workspace: readonly WorkspaceFile[], defaultNamespace = 'default'): { model: ClusterModel; analyzer: Analyzer } {
  let shared = sharedModels.get(workspace);
  if (!shared || shared.defaultNamespace !== defaultNamespace) {
    const built = buildClusterModel(workspace.map((w) => ({ file: w.uri, parsed: w.parsed })), { defaultNamespace });
    shared = { defaultNamespace, model: built, analyzer: createAnalyzer(built) };
    sharedModels.set(workspace, shared);
  }
  return shared;
}

export function analyseFile(file: ParsedFile, options: AnalysisOptions): FileAnalysis {
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const workspace = options.workspace ?? [];
  let model: ClusterModel;
  let analyzer: Analyzer;
  if (workspace.some((w) => w.uri === options.uri && w.parsed === file)) {
    ({ model, analyzer } = workspaceModel(workspace, defaultNamespace));
  } else {
    const inputs = [{ file: options.uri, parsed: file }];
    for (const other of workspace) if (other.uri !== options.uri) inputs.push({ file: other.uri, parsed: other.parsed });
    model = buildClusterModel(inputs, { defaultNamespace });
    analyzer = createAnalyzer(model);
  }
  const policies = model.policies.filter((p) => p.location.file === options.uri).sort((a, b) => a.location.span[0] - b.location.span[0]);
  return { uri: options.uri, file, model, analyzer, dns: options.dns ?? defaultDnsSettings, policies };
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
