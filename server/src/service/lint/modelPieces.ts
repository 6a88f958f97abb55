import { buildClusterModel } from '../model/build';
import { ClusterModel, Location, ModelWarning, namespaceNameLabel, NamespaceInfo, PodInfo, PolicyInfo, ServiceInfo } from '../model/types';
import type { ParsedFile } from '../parse/parseFile';

/**
 * The workspace model, one file at a time. Each file's objects are read once per parse of
 * that file (a file's model, kept with its ParsedFile); the workspace model is then joined
 * from them, so one changed file costs reading that file plus the join, not reading every
 * file again. The join gives what `buildClusterModel` over all the files in order gives: a
 * later object replaces an earlier one with the same identity (and a warning says so), a
 * namespace takes the labels of its last Namespace object and the place it was first
 * referred to. One difference, in the warnings alone: when a file defines an object twice
 * and an earlier file defines it too, the builder warns at both of the file's definitions,
 * the join twice at the last one (a file's model keeps only its last definition). Nothing
 * reads a workspace model's warnings.
 */
export interface ModelPart {
  /** The name locations are reported under. */
  file: string;
  parsed: ParsedFile;
  /** The objects of `parsed` alone (or of some of its documents), read as `buildClusterModel` reads them. */
  model: ClusterModel;
}

const fileModels = new WeakMap<ParsedFile, { file: string; defaultNamespace: string; model: ClusterModel }>();

/** The objects of one file, read once per parse of the file. */
export function fileModel(file: string, parsed: ParsedFile, defaultNamespace: string): ClusterModel {
  const hit = fileModels.get(parsed);
  if (hit && hit.file === file && hit.defaultNamespace === defaultNamespace) return hit.model;
  const model = buildClusterModel([{ file, parsed }], { defaultNamespace });
  fileModels.set(parsed, { file, defaultNamespace, model });
  return model;
}

/** Documents read into one piece of a large file's model between two turns. */
const DOCUMENTS_PER_PIECE = 64;

/**
 * `fileModel` for a caller that gives other work a turn: a large file is read some documents
 * at a time, yielding after each piece, and its pieces joined.
 */
export function* fileModelSteps(file: string, parsed: ParsedFile, defaultNamespace: string): Generator<void, ClusterModel> {
  const hit = fileModels.get(parsed);
  if (hit && hit.file === file && hit.defaultNamespace === defaultNamespace) return hit.model;
  if (parsed.documents.length <= DOCUMENTS_PER_PIECE) return fileModel(file, parsed, defaultNamespace);
  const parts: ModelPart[] = [];
  for (let start = 0; start < parsed.documents.length; start += DOCUMENTS_PER_PIECE) {
    const documents = parsed.documents.slice(start, start + DOCUMENTS_PER_PIECE);
    parts.push({ file, parsed, model: buildClusterModel([{ file, parsed: { ...parsed, documents } }], { defaultNamespace }) });
    yield;
  }
  const model = joinModels(parts, defaultNamespace);
  fileModels.set(parsed, { file, defaultNamespace, model });
  return model;
}

const DUPLICATE = 'is defined more than once; the last definition is used';

/** What a workload's or a Pod's duplicate is called in warnings, as the builder words it. */
function podWhat(pod: PodInfo): string {
  return pod.kind === 'Pod' ? `Pod ${pod.id}` : `${pod.kind} ${pod.namespace}/${pod.name}`;
}

/** Joins the parts, in order, into one model. Parts of one file (pieces of a large file) follow one another and share its `parsed`. */
export function joinModels(parts: readonly ModelPart[], defaultNamespace: string): ClusterModel {
  if (parts.length === 1 && parts[0].model.files.get(parts[0].file) === parts[0].parsed) return parts[0].model;
  return new Join(parts, defaultNamespace).model();
}

const joins = new WeakMap<ClusterModel, Join>();
let lastJoined: WeakRef<ClusterModel> | undefined;

/**
 * `joinModels` for the files of a workspace, one part per file. When the last join was of the
 * same files and only some of them changed, it is updated rather than done again: one changed
 * file costs its own objects (and those of files defining the same objects), not every file's.
 */
export function joinFileModels(parts: readonly ModelPart[], defaultNamespace: string): ClusterModel {
  if (parts.length === 1 && parts[0].model.files.get(parts[0].file) === parts[0].parsed) return parts[0].model;
  const previous = lastJoined?.deref();
  let join = previous && joins.get(previous);
  // The join then stands for the new model; the previous model stays as it was.
  if (previous && join && join.update(parts, defaultNamespace)) joins.delete(previous);
  else join = new Join(parts, defaultNamespace);
  const model = join.model();
  joins.set(model, join);
  lastJoined = new WeakRef(model);
  return model;
}

type Kind = 'pods' | 'services' | 'policies';
const kinds: readonly Kind[] = ['pods', 'services', 'policies'];

/**
 * A join of parts, kept so that it can be updated. As the builder reads objects in order and a
 * later object replaces an earlier one with the same identity, the model's list of a kind is,
 * part by part, the part's objects that no later part defines again; a part's warnings are its
 * own, plus one for each of its objects (and Namespaces) that an earlier part defined.
 */
class Join {
  private parts: readonly ModelPart[];
  /** Per kind: the part defining each identity, or the parts in ascending order when several do. */
  private readonly definers: Record<Kind, Map<string, number | number[]>> = { pods: new Map(), services: new Map(), policies: new Map() };
  /** Per part: the objects of each kind it contributes, and its warnings. */
  private runs: { pods: readonly PodInfo[]; services: readonly ServiceInfo[]; policies: readonly PolicyInfo[]; warnings: readonly ModelWarning[] }[] = [];
  private namespaces: Map<string, NamespaceInfo> = new Map();
  /** Per part: the warnings for its Namespaces that an earlier part declared. */
  private namespaceWarnings: ModelWarning[][] = [];

  constructor(
    parts: readonly ModelPart[],
    private defaultNamespace: string,
  ) {
    this.parts = parts;
    parts.forEach((part, k) => {
      for (const kind of kinds) for (const object of part.model[kind]) this.define(kind, object.id, k);
    });
    this.joinNamespaces();
    this.runs = parts.map((_, k) => this.runOf(k));
  }

  /** Takes in a new list of the same files, some changed; false when that is not the case (or too many changed). */
  update(parts: readonly ModelPart[], defaultNamespace: string): boolean {
    if (defaultNamespace !== this.defaultNamespace || parts.length !== this.parts.length) return false;
    const changed: number[] = [];
    for (let k = 0; k < parts.length; k++) {
      const before = this.parts[k];
      const now = parts[k];
      if (before.file !== now.file) return false;
      if (before.model !== now.model || before.parsed !== now.parsed) changed.push(k);
    }
    if (changed.length > Math.max(8, parts.length / 8)) return false;
    const affected = new Set<number>(changed);
    const touched: Record<Kind, Set<string>> = { pods: new Set(), services: new Set(), policies: new Set() };
    for (const k of changed) {
      for (const kind of kinds) {
        for (const object of this.parts[k].model[kind]) {
          this.undefine(kind, object.id, k);
          touched[kind].add(object.id);
        }
        for (const object of parts[k].model[kind]) {
          this.define(kind, object.id, k);
          touched[kind].add(object.id);
        }
      }
    }
    this.parts = parts;
    // Parts that define a touched identity may gain or lose an object, or a warning.
    for (const kind of kinds) {
      for (const id of touched[kind]) {
        const parts = this.definers[kind].get(id);
        if (typeof parts === 'number') affected.add(parts);
        else for (const k of parts ?? []) affected.add(k);
      }
    }
    const before = this.namespaceWarnings;
    this.joinNamespaces();
    for (let k = 0; k < parts.length; k++) if ((before[k]?.length ?? 0) + (this.namespaceWarnings[k]?.length ?? 0) > 0) affected.add(k);
    const runs = [...this.runs];
    for (const k of affected) runs[k] = this.runOf(k);
    this.runs = runs;
    return true;
  }

  model(): ClusterModel {
    const pods: PodInfo[] = [];
    const services: ServiceInfo[] = [];
    const policies: PolicyInfo[] = [];
    const warnings: ModelWarning[] = [];
    const files = new Map<string, ParsedFile>();
    this.parts.forEach((part, k) => {
      files.set(part.file, part.parsed);
      const run = this.runs[k];
      for (const pod of run.pods) pods.push(pod);
      for (const service of run.services) services.push(service);
      for (const policy of run.policies) policies.push(policy);
      for (const warning of run.warnings) warnings.push(warning);
    });
    return { defaultNamespace: this.defaultNamespace, namespaces: this.namespaces, pods, services, policies, files, warnings };
  }

  private define(kind: Kind, id: string, k: number): void {
    const map = this.definers[kind];
    const parts = map.get(id);
    if (parts === undefined) map.set(id, k);
    else if (typeof parts === 'number') {
      if (parts !== k) map.set(id, parts < k ? [parts, k] : [k, parts]);
    } else if (parts[parts.length - 1] < k) parts.push(k);
    else if (!parts.includes(k)) {
      parts.push(k);
      parts.sort((a, b) => a - b);
    }
  }

  private undefine(kind: Kind, id: string, k: number): void {
    const map = this.definers[kind];
    const parts = map.get(id);
    if (parts === k) map.delete(id);
    else if (typeof parts === 'object') {
      const rest = parts.filter((part) => part !== k);
      map.set(id, rest.length === 1 ? rest[0] : rest);
    }
  }

  /** The first and the last part defining an identity. */
  private first(kind: Kind, id: string): number {
    const parts = this.definers[kind].get(id)!;
    return typeof parts === 'number' ? parts : parts[0];
  }

  private last(kind: Kind, id: string): number {
    const parts = this.definers[kind].get(id)!;
    return typeof parts === 'number' ? parts : parts[parts.length - 1];
  }

  /** What part k contributes: its objects no later part defines, its warnings. */
  private runOf(k: number): Join['runs'][number] {
    const model = this.parts[k].model;
    const keep = <T extends { id: string }>(kind: Kind, objects: readonly T[]): readonly T[] => {
      for (const object of objects) if (this.last(kind, object.id) !== k) return objects.filter((o) => this.last(kind, o.id) === k);
      return objects;
    };
    // Warnings in the order the builder would have met them: by place in the file.
    const extra: ModelWarning[] = [...(this.namespaceWarnings[k] ?? [])];
    const earlier = (kind: Kind, id: string) => this.first(kind, id) < k;
    for (const pod of model.pods) if (earlier('pods', pod.id)) extra.push({ message: `${podWhat(pod)} ${DUPLICATE}`, location: pod.location });
    for (const service of model.services) if (earlier('services', service.id)) extra.push({ message: `Service ${service.id} ${DUPLICATE}`, location: service.location });
    for (const policy of model.policies) if (earlier('policies', policy.id)) extra.push({ message: `NetworkPolicy ${policy.id} ${DUPLICATE}`, location: policy.location });
    let warnings = model.warnings;
    if (extra.length > 0) {
      const list = [...model.warnings, ...extra];
      const order = new Map(list.map((w, i) => [w, i]));
      warnings = list.sort((a, b) => a.location.span[0] - b.location.span[0] || order.get(a)! - order.get(b)!);
    }
    return { pods: keep('pods', model.pods), services: keep('services', model.services), policies: keep('policies', model.policies), warnings };
  }

  /**
   * The namespaces of the parts: a namespace takes the labels of its last Namespace object and
   * the place it was first referred to; a Namespace declared again is warned about.
   */
  private joinNamespaces(): void {
    const declared = new Map<string, NamespaceInfo>();
    const referenced = new Map<string, Location>();
    const warnings: ModelWarning[][] = [];
    let usedDefault = false;
    this.parts.forEach((part, k) => {
      for (const namespace of part.model.namespaces.values()) {
        if (namespace.declaredAt) {
          if (declared.has(namespace.name)) (warnings[k] ??= []).push({ message: `Namespace ${namespace.name} ${DUPLICATE}`, location: namespace.declaredAt });
          declared.set(namespace.name, namespace);
        }
        if (namespace.referencedAt && !referenced.has(namespace.name)) referenced.set(namespace.name, namespace.referencedAt);
        if (namespace.isDefault) usedDefault = true;
      }
    });
    const names = new Set<string>([...declared.keys(), ...referenced.keys()]);
    if (usedDefault) names.add(this.defaultNamespace);
    const namespaces = new Map<string, NamespaceInfo>();
    for (const name of [...names].sort()) {
      const object = declared.get(name);
      namespaces.set(name, {
        name,
        labels: object ? object.labels : { [namespaceNameLabel]: name },
        declaredAt: object?.declaredAt,
        referencedAt: referenced.get(name),
        isDefault: usedDefault && name === this.defaultNamespace,
      });
    }
    this.namespaces = namespaces;
    this.namespaceWarnings = warnings;
  }
}
