import type { EndpointChoice, EndpointsResult } from '../../protocol';
import type { ClusterModel, PodInfo, Protocol } from '../model/types';
import { namespaceNameLabel, protocols } from '../model/types';
import { Analyzer, createAnalyzer } from '../semantics/analyzer';
import { Endpoint, externalEndpoint, podEndpoint } from '../semantics/peers';
import { defaultDnsSettings, DnsSettings, dnsEndpoints, dnsTarget, DnsTarget } from '../lint/dns';
import { linkOf } from './links';

/**
 * The ends of a connection, as a user names them: `NAMESPACE/POD`, `NAMESPACE/KIND/NAME` for a
 * workload's pods, `NAMESPACE/NAME` of a workload when the name is unambiguous, or an IP
 * address. The CLI (`netpol reach`), the "Why is A -> B blocked?" command and the
 * reachability view all resolve through here.
 *
 * The cluster DNS is usually not among a repository's manifests; `NAMESPACE/cluster-dns`
 * (and `kube-dns`, `coredns`) in the DNS namespace stands for it then: the workspace's DNS pods
 * if it defines them, else a stand-in pod with the DNS labels and port.
 */

/** The names that stand for the cluster DNS pods in the DNS namespace. */
const DNS_ALIASES = ['cluster-dns', 'kube-dns', 'coredns'];

export interface ResolveOptions {
  defaultNamespace?: string;
  dns?: DnsSettings;
  /** How the inputs are called in messages: "the inputs" (CLI), "the workspace" (editor). */
  where?: string;
}

export interface ConnectionRequest {
  from: string;
  to: string;
  /** A number, a string of digits, or a container port name resolved on the destination. */
  port: number | string;
  protocol?: Protocol;
}

export interface ResolvedConnection {
  /** The engine to ask: the workspace's, or one that also holds a stand-in for the cluster DNS. */
  analyzer: Analyzer;
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol: Protocol;
  /** The container port name, when the port was given by name. */
  portName?: string;
  /** How the inputs were read ("10.0.0.5 is the recorded address of shop/web"). */
  notes: string[];
  /** Pods that are not in the workspace but stand in for the cluster DNS. */
  standIns: PodInfo[];
}

/**
 * Why a part of a request cannot be resolved. The message reads `<text><rest>`, so each user
 * interface can name the field its own way: `--from shop/ghost: no such pod...` in the CLI.
 */
export interface ResolveProblem {
  field: 'from' | 'to' | 'port' | 'protocol';
  text: string;
  rest: string;
}

export function isResolveProblem(value: ResolvedConnection | ResolveProblem): value is ResolveProblem {
  return (value as ResolveProblem).field !== undefined;
}

const fieldNames: Record<ResolveProblem['field'], string> = { from: 'Source', to: 'Destination', port: 'Port', protocol: 'Protocol' };

export function formatResolveProblem(problem: ResolveProblem, style: 'cli' | 'plain'): string {
  return style === 'cli' ? `--${problem.field} ${problem.text}${problem.rest}` : `${fieldNames[problem.field]} ${problem.text}${problem.rest}`;
}

/** The cluster DNS pods of the workspace, or a stand-in; undefined when the DNS target is an address only. */
export function dnsPods(model: ClusterModel, dns: DnsSettings = defaultDnsSettings): { target: DnsTarget; pods: PodInfo[]; standIn?: PodInfo } {
  const target = dnsTarget(dns);
  const pods = dnsEndpoints(model, target).flatMap((e) => (e.kind === 'pod' ? [e.pod] : []));
  const standIn = pods.find((p) => !model.pods.includes(p));
  return { target, pods, standIn };
}

const augmented = new WeakMap<Analyzer, Map<PodInfo, Analyzer>>();

/** An engine over the same model plus a pod that is not in it (a stand-in), built once per pair. */
export function analyzerWith(analyzer: Analyzer, pod: PodInfo): Analyzer {
  let byPod = augmented.get(analyzer);
  if (!byPod) augmented.set(analyzer, (byPod = new Map()));
  let result = byPod.get(pod);
  if (!result) {
    const model = analyzer.model;
    // The stand-in's namespace may be one the workspace never mentions; it still carries its name label.
    const namespaces = new Map(model.namespaces);
    if (!namespaces.has(pod.namespace)) namespaces.set(pod.namespace, { name: pod.namespace, labels: { [namespaceNameLabel]: pod.namespace }, isDefault: false });
    result = createAnalyzer({ ...model, namespaces, pods: [...model.pods, pod] });
    byPod.set(pod, result);
  }
  return result;
}

interface EndpointResolution {
  endpoint: Endpoint;
  note?: string;
  standIn?: PodInfo;
}

function resolveOne(text: string, field: 'from' | 'to', analyzer: Analyzer, options: ResolveOptions): EndpointResolution | ResolveProblem {
  const where = options.where ?? 'the inputs';
  const trimmed = text.trim();
  const external = externalEndpoint(trimmed);
  if (external) {
    const owner = analyzer.pods.find((pod) => pod.ips.includes(trimmed));
    if (owner) return { endpoint: podEndpoint(owner), note: `${trimmed} is the recorded address of ${owner.id}; it is treated as that pod.` };
    return { endpoint: external };
  }
  const id = trimmed.includes('/') ? trimmed : `${options.defaultNamespace ?? 'default'}/${trimmed}`;
  const exact = analyzer.podById(id);
  if (exact) return { endpoint: podEndpoint(exact) };
  const parts = id.split('/');
  if (parts.length === 2) {
    const [namespace, name] = parts;
    const workloads = analyzer.pods.filter((pod) => pod.kind !== 'Pod' && pod.namespace === namespace && pod.name === name);
    if (workloads.length === 1) return { endpoint: podEndpoint(workloads[0]) };
    if (workloads.length > 1) return { field, text, rest: ` is ambiguous: ${workloads.map((p) => p.id).join(', ')}` };
    const dns = dnsPods(analyzer.model, options.dns);
    if (dns.target.pods && namespace === dns.target.pods.namespace && DNS_ALIASES.includes(name) && dns.pods.length > 0) {
      const pod = dns.pods[0];
      if (pod === dns.standIn) {
        return {
          endpoint: podEndpoint(pod),
          standIn: pod,
          note: `${id} stands for the cluster DNS (${dns.target.description}), which is not defined in ${where}: a pod labelled ${labelText(pod.labels)} in ${namespace}, listening on UDP and TCP ${dns.target.port}.`,
        };
      }
      return { endpoint: podEndpoint(pod), note: `${id} is the cluster DNS: ${pod.id}.` };
    }
  }
  const namespace = parts[0];
  const known = analyzer.pods.filter((pod: PodInfo) => pod.namespace === namespace).map((pod) => pod.id);
  const hint = known.length > 0 ? ` (pods in ${namespace}: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', ...' : ''})` : '';
  return { field, text, rest: `: no such pod or workload in ${where}, and not an IP address${hint}` };
}

function labelText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/**
 * Resolves both ends, the port (a number, or a name resolved on the destination's container
 * ports) and the protocol (TCP unless given, or the named port's protocol).
 */
export function resolveConnection(workspaceAnalyzer: Analyzer, request: ConnectionRequest, options: ResolveOptions = {}): ResolvedConnection | ResolveProblem {
  let protocolText: Protocol | undefined;
  if (request.protocol !== undefined) {
    const upper = String(request.protocol).toUpperCase();
    if (!(protocols as readonly string[]).includes(upper)) return { field: 'protocol', text: String(request.protocol), rest: ': use TCP, UDP or SCTP' };
    protocolText = upper as Protocol;
  }
  const from = resolveOne(String(request.from ?? ''), 'from', workspaceAnalyzer, options);
  if (isProblem(from)) return from;
  const to = resolveOne(String(request.to ?? ''), 'to', workspaceAnalyzer, options);
  if (isProblem(to)) return to;

  const standIns = [from.standIn, to.standIn].filter((p): p is PodInfo => p !== undefined).filter((p, i, all) => all.indexOf(p) === i);
  let analyzer = workspaceAnalyzer;
  for (const pod of standIns) analyzer = analyzerWith(analyzer, pod);
  const notes = [from.note, to.note].filter((n): n is string => n !== undefined);

  const portText = String(request.port ?? '').trim();
  let protocol: Protocol = protocolText ?? 'TCP';
  let port: number;
  let portName: string | undefined;
  if (typeof request.port === 'number' || /^[0-9]+$/.test(portText)) {
    port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return { field: 'port', text: portText, rest: ': a port number is between 1 and 65535' };
  } else {
    const target = to.endpoint;
    if (portText === '') return { field: 'port', text: '""', rest: ': give a port number or a container port name' };
    if (target.kind !== 'pod') return { field: 'port', text: portText, rest: ': a port name needs a pod destination to resolve it on' };
    const candidates = target.pod.ports.filter((p) => p.name === portText && (protocolText === undefined || p.protocol === protocolText));
    if (candidates.length === 0) {
      const names = [...new Set(target.pod.ports.flatMap((p) => (p.name ? [`${p.name} (${p.protocol} ${p.containerPort})`] : [])))];
      return {
        field: 'port',
        text: portText,
        rest: `: ${target.pod.id} has no ${protocolText ?? ''}${protocolText ? ' ' : ''}container port of that name${names.length > 0 ? `; it has ${names.join(', ')}` : ''}`,
      };
    }
    port = candidates[0].containerPort;
    protocol = candidates[0].protocol;
    portName = portText;
    notes.push(`Port ${portText} is ${protocol} ${port} on ${target.pod.id}.`);
  }
  return { analyzer, from: from.endpoint, to: to.endpoint, port, protocol, portName, notes, standIns };
}

function isProblem(value: EndpointResolution | ResolveProblem): value is ResolveProblem {
  return (value as ResolveProblem).field !== undefined;
}

function summariseLabels(labels: Readonly<Record<string, string>>, limit = 4): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return 'no labels';
  const shown = entries.slice(0, limit).map(([k, v]) => `${k}=${v}`);
  return shown.join(', ') + (entries.length > limit ? `, +${entries.length - limit}` : '');
}

function portsOf(pod: PodInfo): EndpointChoice['ports'] {
  const seen = new Set<string>();
  const ports: NonNullable<EndpointChoice['ports']> = [];
  for (const p of pod.ports) {
    const key = `${p.name ?? ''}/${p.containerPort}/${p.protocol}`;
    if (seen.has(key)) continue;
    seen.add(key);
    ports.push(p.name ? { name: p.name, port: p.containerPort, protocol: p.protocol } : { port: p.containerPort, protocol: p.protocol });
  }
  return ports;
}

function choiceOf(model: ClusterModel, pod: PodInfo): EndpointChoice {
  const ports = portsOf(pod);
  const portText = ports && ports.length > 0 ? ` · ports ${ports.map((p) => `${p.name ? `${p.name} ` : ''}${p.protocol} ${p.port}`).join(', ')}` : '';
  return {
    id: pod.id,
    label: pod.name,
    description: `${pod.namespace} · ${pod.kind}`,
    detail: `${summariseLabels(pod.labels)}${portText}${pod.hostNetwork ? ' · host network' : ''}`,
    link: linkOf(model, pod.location),
    ports,
  };
}

/**
 * The pods and workloads of the model as choices, by namespace then name; plus the cluster
 * DNS when the workspace does not define its pods (a stand-in), and the DNS address of the
 * presets that have one.
 */
export function listEndpoints(model: ClusterModel, dns: DnsSettings = defaultDnsSettings): EndpointsResult {
  const pods = [...model.pods].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind));
  const endpoints = pods.map((pod) => choiceOf(model, pod));
  const { target, standIn } = dnsPods(model, dns);
  if (standIn && target.pods) {
    endpoints.push({
      id: `${target.pods.namespace}/cluster-dns`,
      label: 'cluster DNS',
      description: `${target.pods.namespace} · not in the workspace`,
      detail: `${target.description}: pods labelled ${summariseLabels(target.pods.labels)}, UDP and TCP ${target.port}`,
      ports: portsOf(standIn),
    });
  }
  if (target.address) {
    endpoints.push({
      id: target.address,
      label: `cluster DNS at ${target.address}`,
      description: 'address',
      detail: target.description,
      ports: [
        { port: target.port, protocol: 'UDP' },
        { port: target.port, protocol: 'TCP' },
      ],
    });
  }
  const namespaces = [...new Set([...model.namespaces.keys(), ...model.pods.map((p) => p.namespace)])].sort();
  return { endpoints, namespaces };
}
