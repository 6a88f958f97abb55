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

/** The labels written in one file: pods, pod templates of workloads, Service selectors and namespaces. */
export function fileLabels(file: ParsedFile): LabelProvider {
  const perDocument = file.documents.map(documentLabels);
  return {
    objects(scope) {
      if (scope === 'pod') return perDocument.flatMap((d) => d.pods);
      const byName = new Map<string, Record<string, string>>();
      for (const document of perDocument) {
        for (const namespace of document.namespaces) {
          const known = byName.get(namespace.name) ?? {};
          byName.set(namespace.name, { ...known, ...(namespace.labels ?? {}) });
        }
      }
      return [...byName].map(([name, labels]) => ({ origin: `Namespace ${name}`, labels: { ...labels, [NAMESPACE_NAME_LABEL]: name } }));
    },
  };
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

/** One provider that yields the objects of several, each origin once; the first provider's labels win. */
export function combineLabelProviders(providers: readonly (LabelProvider | undefined)[]): LabelProvider {
  return {
    objects(scope) {
      // The same object can come from several providers (the open file and a workspace index).
      const byOrigin = new Map<string, LabeledObject>();
      for (const provider of providers) {
        if (!provider) continue;
        for (const object of provider.objects(scope)) {
          const known = byOrigin.get(object.origin);
          byOrigin.set(object.origin, known ? { ...known, labels: { ...object.labels, ...known.labels } } : object);
        }
      }
      return [...byOrigin.values()];
    },
  };
}

/** The labels of several parsed files, such as the files of a workspace. */
export function workspaceLabels(files: readonly { parsed: ParsedFile }[]): LabelProvider {
  return combineLabelProviders(files.map((f) => fileLabels(f.parsed)));
}
