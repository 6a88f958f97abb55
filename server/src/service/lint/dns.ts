import type { ClusterModel, Labels, PodInfo, PolicyInfo, Protocol } from '../model/types';
import type { Analyzer } from '../semantics/analyzer';
import { checkPeer, Endpoint, externalEndpoint, podEndpoint } from '../semantics/peers';
import { portsAdmit } from '../semantics/ports';
import { selectorMatches } from '../semantics/selectors';
import type { YamlValue } from '../edit/yamlEdit';

/**
 * Where the cluster DNS answers. The default is CoreDNS/kube-dns; the presets cover the
 * variants a generated rule must not get wrong (semantics: "DNS").
 */
export type DnsPreset = 'kubernetes' | 'nodelocal' | 'openshift' | 'gke-cloud-dns' | 'custom';

export interface DnsSettings {
  preset: DnsPreset;
  /** For `custom`: the DNS pods' namespace, their labels, the port they listen on, and/or an address. */
  namespace: string;
  podLabels: Labels;
  port: number;
  address?: string;
  /** Said with the DNS warning: what a connected cluster shows about its DNS pods. */
  note?: string;
}

export const defaultDnsSettings: DnsSettings = { preset: 'kubernetes', namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' }, port: 53 };

/** The concrete target for a preset: pods by labels in a namespace, and/or an address. */
export interface DnsTarget {
  description: string;
  pods?: { namespace: string; labels: Labels };
  address?: string;
  port: number;
  note?: string;
}

export function dnsTarget(settings: DnsSettings): DnsTarget {
  const target = presetTarget(settings);
  return settings.note ? { ...target, note: settings.note } : target;
}

function presetTarget(settings: DnsSettings): DnsTarget {
  switch (settings.preset) {
    case 'nodelocal':
      return { description: 'NodeLocal DNSCache at 169.254.20.10 or kube-dns in kube-system', pods: { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }, address: '169.254.20.10', port: 53 };
    case 'openshift':
      return { description: 'the OpenShift DNS pods in openshift-dns', pods: { namespace: 'openshift-dns', labels: { 'dns.operator.openshift.io/daemonset-dns': 'default' } }, port: 5353 };
    case 'gke-cloud-dns':
      return { description: 'GKE Cloud DNS at 169.254.169.254', address: '169.254.169.254', port: 53 };
    case 'custom':
      return {
        description: settings.address ? `the DNS server at ${settings.address}` : `the DNS pods in ${settings.namespace} (${Object.entries(settings.podLabels).map(([k, v]) => `${k}=${v}`).join(', ')})`,
        pods: Object.keys(settings.podLabels).length > 0 ? { namespace: settings.namespace, labels: settings.podLabels } : undefined,
        address: settings.address,
        port: settings.port,
      };
    default:
      return { description: 'kube-dns in kube-system', pods: { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }, port: 53 };
  }
}

/** Reads the `netpol.dns` settings section; unknown or malformed values fall back to the default. */
export function readDnsSettings(section: unknown): DnsSettings {
  if (!section || typeof section !== 'object') return defaultDnsSettings;
  const s = section as Record<string, unknown>;
  const presets: DnsPreset[] = ['kubernetes', 'nodelocal', 'openshift', 'gke-cloud-dns', 'custom'];
  const preset = presets.includes(s.preset as DnsPreset) ? (s.preset as DnsPreset) : 'kubernetes';
  const labels: Record<string, string> = {};
  if (s.podLabels && typeof s.podLabels === 'object') {
    for (const [k, v] of Object.entries(s.podLabels as Record<string, unknown>)) if (typeof v === 'string') labels[k] = v;
  }
  return {
    preset,
    namespace: typeof s.namespace === 'string' && s.namespace ? s.namespace : defaultDnsSettings.namespace,
    podLabels: Object.keys(labels).length > 0 ? labels : defaultDnsSettings.podLabels,
    port: typeof s.port === 'number' && Number.isInteger(s.port) && s.port > 0 && s.port < 65536 ? s.port : 53,
    address: typeof s.address === 'string' && s.address ? s.address : undefined,
  };
}

/** The DNS endpoints to test against: the workspace's DNS pods if it has any, else a stand-in. */
export function dnsEndpoints(model: ClusterModel, target: DnsTarget): Endpoint[] {
  const endpoints: Endpoint[] = [];
  if (target.pods) {
    const { namespace, labels } = target.pods;
    const known = model.pods.filter((p) => p.namespace === namespace && Object.entries(labels).every(([k, v]) => p.labels[k] === v));
    if (known.length > 0) endpoints.push(...known.map(podEndpoint));
    else endpoints.push(podEndpoint(standInDnsPod(namespace, labels, target.port)));
  }
  if (target.address) {
    const external = externalEndpoint(target.address);
    if (external) endpoints.push(external);
  }
  return endpoints;
}

function standInDnsPod(namespace: string, labels: Labels, port: number): PodInfo {
  const location = { file: '', span: [0, 0] as const };
  return {
    id: `${namespace}/cluster-dns`,
    namespace,
    name: 'cluster-dns',
    kind: 'Pod',
    namespaceExplicit: true,
    labels,
    ports: [
      { name: 'dns', containerPort: port, protocol: 'UDP', container: 'dns', location },
      { name: 'dns-tcp', containerPort: port, protocol: 'TCP', container: 'dns', location },
    ],
    ips: [],
    hostNetwork: false,
    location,
  };
}

/** Whether the egress side admits a connection from `subject` (a pod of the analyzer's model). */
export function egressAllows(analyzer: Analyzer, subject: PodInfo, to: Endpoint, port: number, protocol: Protocol): boolean {
  const isolating = analyzer.isolatingPolicies(subject, 'egress');
  if (isolating.length === 0) return true;
  const destination = to.kind === 'pod' ? to.pod : undefined;
  for (const policy of isolating) {
    for (const rule of policy.egress) {
      if (!portsAdmit(rule.ports, port, protocol, destination)) continue;
      if (rule.peers.length === 0) return true;
      if (rule.peers.some((peer) => checkPeer(peer, policy.namespace, to, analyzer.model).length === 0)) return true;
    }
  }
  return false;
}

/** Which DNS protocols a pod may use: one DNS endpoint per protocol suffices. */
export function dnsAllowed(analyzer: Analyzer, subject: PodInfo, endpoints: readonly Endpoint[], port: number): { udp: boolean; tcp: boolean } {
  return {
    udp: endpoints.some((e) => egressAllows(analyzer, subject, e, port, 'UDP')),
    tcp: endpoints.some((e) => egressAllows(analyzer, subject, e, port, 'TCP')),
  };
}

/** The egress rule that allows DNS, as a value to insert. */
export function dnsRule(target: DnsTarget): { [key: string]: YamlValue } {
  const to: YamlValue[] = [];
  if (target.pods) {
    to.push({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': target.pods.namespace } },
      podSelector: { matchLabels: { ...target.pods.labels } },
    });
  }
  if (target.address) to.push({ ipBlock: { cidr: `${target.address}/${target.address.includes(':') ? 128 : 32}` } });
  return {
    to,
    ports: [
      { protocol: 'UDP', port: target.port },
      { protocol: 'TCP', port: target.port },
    ],
  };
}

/**
 * Labels that satisfy a policy's podSelector, for a stand-in pod when the workspace has none
 * of the pods the policy selects; undefined when no labels can satisfy it.
 */
export function labelsSatisfying(policy: PolicyInfo): Labels | undefined {
  const labels: Record<string, string> = {};
  for (const r of policy.podSelector.requirements) {
    if (r.operator === 'In') {
      if (labels[r.key] !== undefined && !r.values.includes(labels[r.key])) return undefined;
      labels[r.key] = labels[r.key] ?? r.values[0];
    }
  }
  for (const r of policy.podSelector.requirements) {
    if (r.operator === 'Exists' && labels[r.key] === undefined) {
      const taken = new Set(policy.podSelector.requirements.filter((q) => q.key === r.key && q.operator === 'NotIn').flatMap((q) => q.values));
      let value = 'x';
      while (taken.has(value)) value += 'x';
      labels[r.key] = value;
    }
  }
  return selectorMatches(policy.podSelector, labels) ? labels : undefined;
}
