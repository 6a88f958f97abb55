import type { ClusterModel, Location } from './types';

/**
 * Where the model's objects come from: the workspace files, and (when the live-cluster
 * feature is on) virtual files under the `netpol-cluster:` scheme that hold the cluster's
 * objects. Text that says where something was looked for uses these phrases.
 */
export const clusterUriPrefix = 'netpol-cluster:';

export function isClusterFile(file: string): boolean {
  return file.startsWith(clusterUriPrefix);
}

export function isLive(object: { location: Location }): boolean {
  return isClusterFile(object.location.file);
}

const withCluster = new WeakMap<ClusterModel, boolean>();

/** True when the model includes a connected cluster's objects. */
export function hasCluster(model: ClusterModel): boolean {
  let known = withCluster.get(model);
  if (known === undefined) {
    known = [...model.files.keys()].some(isClusterFile);
    withCluster.set(model, known);
  }
  return known;
}

/** "in the workspace files", or "in the workspace files or the cluster". */
export function knownIn(model: ClusterModel): string {
  return hasCluster(model) ? 'in the workspace files or the cluster' : 'in the workspace files';
}

/** "the workspace defines", or "the workspace and the cluster define". */
export function definedBy(model: ClusterModel): string {
  return hasCluster(model) ? 'the workspace and the cluster define' : 'the workspace defines';
}
