/**
 * The network plugins (CNIs) we can recognise from their agents' DaemonSets, and whether each
 * enforces NetworkPolicy. One list, used by the workspace rule `netpol/cni-not-enforcing` and
 * by the live-cluster status (cause 6: policies accepted but ignored).
 */
export interface CniInfo {
  /** The plugin's name as people say it. */
  name: string;
  /** DaemonSet names of the plugin's node agent. */
  daemonSets: RegExp;
  /** Container images of the agent, for DaemonSets renamed by a distribution. */
  images?: RegExp;
  /**
   * true: the agent enforces NetworkPolicy. false: it does not (policies are accepted and
   * ignored). undefined: it depends on how the plugin is configured.
   */
  enforces: boolean | undefined;
}

export const knownCnis: readonly CniInfo[] = [
  { name: 'Calico', daemonSets: /^calico-node$/, images: /(^|\/)calico\/node[:@]/, enforces: true },
  { name: 'Canal', daemonSets: /^canal$/, enforces: true },
  { name: 'Cilium', daemonSets: /^(cilium|anetd)$/, images: /(^|\/)cilium\/cilium[:@]/, enforces: true },
  { name: 'Antrea', daemonSets: /^antrea-agent$/, images: /(^|\/)antrea\/antrea-/, enforces: true },
  { name: 'kube-router', daemonSets: /^kube-router$/, images: /(^|\/)kube-router[:@]/, enforces: true },
  { name: 'Weave Net', daemonSets: /^weave-net$/, images: /(^|\/)weave-kube[:@]/, enforces: true },
  { name: 'kube-network-policies', daemonSets: /^kube-network-policies$/, enforces: true },
  { name: 'Kube-OVN', daemonSets: /^kube-ovn-cni$/, enforces: true },
  { name: 'OVN-Kubernetes', daemonSets: /^ovnkube-node$/, enforces: true },
  { name: 'Azure Network Policy Manager', daemonSets: /^azure-npm$/, enforces: true },
  { name: 'flannel', daemonSets: /^(kube-flannel-ds|kube-flannel|flannel)(-.+)?$/, images: /(^|\/)flannel(io)?\/flannel[:@]|(^|\/)flannel[:@]/, enforces: false },
  { name: 'AWS VPC CNI', daemonSets: /^aws-node$/, enforces: undefined },
  { name: 'kindnet', daemonSets: /^kindnet$/, enforces: undefined },
];

/** A DaemonSet as the detection needs it. */
export interface DaemonSetLike {
  name: string;
  namespace: string;
  labels?: Readonly<Record<string, string>>;
  images?: readonly string[];
}

export interface DetectedCni<D extends DaemonSetLike = DaemonSetLike> {
  cni: CniInfo;
  daemonSet: D;
}

/** Which known plugin a DaemonSet is the agent of, if any. */
export function cniOf(daemonSet: DaemonSetLike): CniInfo | undefined {
  for (const cni of knownCnis) {
    if (cni.daemonSets.test(daemonSet.name)) return cni;
    if (cni.images && (daemonSet.images ?? []).some((image) => cni.images!.test(image))) return cni;
  }
  if (daemonSet.labels?.app === 'flannel') return knownCnis.find((c) => c.name === 'flannel');
  return undefined;
}

/**
 * Every known plugin among the DaemonSets, enforcing ones first (Canal is Calico over
 * flannel: one enforcing agent is enough for policies to apply).
 */
export function detectCnis<D extends DaemonSetLike>(daemonSets: readonly D[]): DetectedCni<D>[] {
  const found: DetectedCni<D>[] = [];
  for (const daemonSet of daemonSets) {
    const cni = cniOf(daemonSet);
    if (cni) found.push({ cni, daemonSet });
  }
  const rank = (c: CniInfo) => (c.enforces === true ? 0 : c.enforces === undefined ? 1 : 2);
  return found.sort((a, b) => rank(a.cni) - rank(b.cni));
}

/** The names of the enforcing plugins, for advice: "Calico or Canal, Cilium, ...". */
export function enforcingCniNames(): string {
  return 'Calico or Canal, Cilium, Antrea, kube-router, Weave Net';
}
