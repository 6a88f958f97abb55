/**
 * The live-cluster layer, bundled as dist/cluster.js and loaded by the server only when the
 * cluster feature is on in a trusted workspace (or when the context picker asks for the
 * kubeconfig's context names, which reads no credential).
 */
export { ClusterSource } from './source';
export type { ClusterFile, ClusterSourceOptions } from './source';
export { summariseKubeconfig, kubeconfigFiles } from './kubeconfig';
export type { KubeconfigSummary, ContextSummary } from './kubeconfig';
export { redact, registerSecret } from './redact';
export { ApiTransport, buildReadRequest, RefusedRequestError } from './transport';
