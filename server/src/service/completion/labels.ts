import type { ParsedDocument, ParsedFile } from '../parse/parseFile';
import { child, YNode } from '../parse/yamlView';

/** Pod selectors match pod labels; namespace selectors match namespace labels. */
export type LabelScope = 'pod' | 'namespace';

export interface LabeledObject {
  labels: Readonly<Record<string, string>>;
  /** What carries the labels, for the completion's documentation: "Deployment shop/web". */
  origin: string;
  /** For pods: the namespace written in the manifest, if any. */
  namespace?: string;
}

/**
 * A source of label sets to complete from. The current file is always one; a workspace index
 * or a cluster connection can add more through the completion context.
 */
export interface LabelProvider {
  objects(scope: LabelScope): Iterable<LabeledObject>;
}

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

const podTemplateKinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']);

interface DocumentLabels {
  pods: LabeledObject[];
  /** Namespace objects with their labels, and names of namespaces objects are placed in. */
  namespaces: { name: string; labels?: Record<string, string> }[];
}

const MEMO = 'completion.labels';

/**
 * Providers made here from parsed files, whose objects never change (a parse is never edited
 * in place; an edit makes a new one). Their objects, and what completion derives from them,
 * are computed once: in a file of thousands of documents, a completion request must not walk
 * every document again.
 */
const stableProviders = new WeakSet<LabelProvider>();

/** True for a provider whose objects are the same on every call, so that results derived from them can be kept. */
export function isStableProvider(provider: LabelProvider): boolean {
  return stableProviders.has(provider);
}

/** A provider whose objects are computed once per scope; the arrays are shared, and callers must not change them. */
function stableProvider(compute: (scope: LabelScope) => LabeledObject[]): LabelProvider {
  const computed = new Map<LabelScope, LabeledObject[]>();
  const provider: LabelProvider = {
    objects(scope) {
      let objects = computed.get(scope);
      if (!objects) computed.set(scope, (objects = compute(scope)));
      return objects;
    },
  };
  stableProviders.add(provider);
  return provider;
}

const fileProviders = new WeakMap<ParsedFile, LabelProvider>();

/** The labels written in one file: pods, pod templates of workloads, Service selectors and namespaces. */
export function fileLabels(file: ParsedFile): LabelProvider {
  let provider = fileProviders.get(file);
  if (provider) return provider;
  const perDocument = file.documents.map(documentLabels);
  provider = stableProvider((scope) => {
    if (scope === 'pod') return perDocument.flatMap((d) => d.pods);
    const byName = new Map<string, Record<string, string>>();
    for (const document of perDocument) {
      for (const namespace of document.namespaces) {
        const known = byName.get(namespace.name) ?? {};
        byName.set(namespace.name, { ...known, ...(namespace.labels ?? {}) });
      }
    }
    return [...byName].map(([name, labels]) => ({ origin: `Namespace ${name}`, labels: { ...labels, [NAMESPACE_NAME_LABEL]: name } }));
  });
  fileProviders.set(file, provider);
  return provider;
}

function documentLabels(document: ParsedDocument): DocumentLabels {
  const memo = document.memo.get(MEMO) as DocumentLabels | undefined;
  if (memo) return memo;
  const result: DocumentLabels = { pods: [], namespaces: [] };
  for (const manifest of document.manifests) {
    const kind = manifest.kind;
    const name = manifest.name ?? '(unnamed)';
    const where = manifest.namespace ? `${manifest.namespace}/${name}` : name;
    if (manifest.namespace) result.namespaces.push({ name: manifest.namespace });
    if (kind === 'Namespace' && manifest.name) {
      result.namespaces.push({ name: manifest.name, labels: readLabels(child(child(manifest.node, 'metadata'), 'labels')) });
      continue;
    }
    let labelsNode: YNode | null | undefined;
    if (kind === 'Pod') labelsNode = child(child(manifest.node, 'metadata'), 'labels');
    else if (kind && podTemplateKinds.has(kind)) labelsNode = child(child(child(child(manifest.node, 'spec'), 'template'), 'metadata'), 'labels');
    else if (kind === 'CronJob') labelsNode = child(child(child(child(child(child(manifest.node, 'spec'), 'jobTemplate'), 'spec'), 'template'), 'metadata'), 'labels');
    else if (kind === 'Service') labelsNode = child(child(manifest.node, 'spec'), 'selector');
    if (!labelsNode) continue;
    const labels = readLabels(labelsNode);
    if (Object.keys(labels).length === 0) continue;
    result.pods.push({ labels, origin: kind === 'Service' ? `selector of Service ${where}` : `${kind} ${where}`, namespace: manifest.namespace });
  }
  document.memo.set(MEMO, result);
  return result;
}

function readLabels(node: YNode | null | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!node || node.kind !== 'map') return labels;
  for (const entry of node.entries) {
    if (entry.key === null || entry.key === '') continue;
    const value = entry.value;
    if (value === null) labels[entry.key] = '';
    else if (value.kind === 'scalar') labels[entry.key] = typeof value.value === 'string' ? value.value : value.source;
  }
  return labels;
}

/** The objects of several providers, each origin once; the first provider's labels win. */
function combinedObjects(providers: readonly (LabelProvider | undefined)[], scope: LabelScope): LabeledObject[] {
  // The same object can come from several providers (the open file and a workspace index).
  const byOrigin = new Map<string, LabeledObject>();
  for (const provider of providers) {
    if (!provider) continue;
    for (const object of provider.objects(scope)) {
      const known = byOrigin.get(object.origin);
      // The very same object again (a file that is also in the workspace) adds nothing.
      if (known === object) continue;
      byOrigin.set(object.origin, known ? { ...known, labels: { ...object.labels, ...known.labels } } : object);
    }
  }
  return [...byOrigin.values()];
}

/** Combinations of stable providers, by their providers in order (`absent` standing for a missing one). */
const combinations = new WeakMap<object, { next: WeakMap<object, unknown>; combined?: LabelProvider }>();
const absent = {};

/** One provider that yields the objects of several, each origin once; the first provider's labels win. */
export function combineLabelProviders(providers: readonly (LabelProvider | undefined)[]): LabelProvider {
  if (providers.length === 0 || !providers.every((p) => p === undefined || stableProviders.has(p))) {
    return { objects: (scope) => combinedObjects(providers, scope) };
  }
  // Stable providers make a stable combination, kept for as long as they live.
  let level: WeakMap<object, unknown> = combinations;
  let node: { next: WeakMap<object, unknown>; combined?: LabelProvider } | undefined;
  for (const provider of providers) {
    const key = provider ?? absent;
    node = level.get(key) as typeof node;
    if (!node) level.set(key, (node = { next: new WeakMap() }));
    level = node.next;
  }
  if (!node!.combined) node!.combined = stableProvider((scope) => combinedObjects(providers, scope));
  return node!.combined;
}

const workspaceProviders = new WeakMap<readonly { parsed: ParsedFile }[], LabelProvider>();

/**
 * The labels of several parsed files, such as the files of a workspace. The server's
 * workspace snapshots are new arrays whenever a file changes, so one provider is kept per array.
 */
export function workspaceLabels(files: readonly { parsed: ParsedFile }[]): LabelProvider {
  let provider = workspaceProviders.get(files);
  if (!provider) workspaceProviders.set(files, (provider = combineLabelProviders(files.map((f) => fileLabels(f.parsed)))));
  return provider;
}
