import { Manifest, ParsedFile, parseFile } from '../parse/parseFile';
import { child, entry, Span, YMap, YNode, YSeq } from '../parse/yamlView';
import { parseCidr } from '../validation/cidr';
import {
  ClusterModel,
  ContainerPortInfo,
  defaultModelOptions,
  IpBlockInfo,
  LabelSelector,
  Labels,
  Location,
  ModelOptions,
  ModelWarning,
  namespaceNameLabel,
  NamespaceInfo,
  PeerInfo,
  PodInfo,
  PolicyInfo,
  PortInfo,
  Protocol,
  Requirement,
  RuleInfo,
  ServiceInfo,
  ServicePortInfo,
  WorkloadKind,
  workloadKinds,
} from './types';

export interface ModelInput {
  /** The name to report locations under (a path, a URI, `-` for stdin). */
  file: string;
  parsed: ParsedFile;
}

/**
 * Builds the cluster model from any number of parsed files. Objects are read in order; when
 * two objects have the same identity the later one replaces the earlier, as a second
 * `kubectl apply` would, and a warning records it.
 */
export function buildClusterModel(inputs: readonly ModelInput[], options: Partial<ModelOptions> = {}): ClusterModel {
  const settings: ModelOptions = { ...defaultModelOptions, ...options };
  const builder = new ModelBuilder(settings);
  for (const input of inputs) builder.addFile(input);
  return builder.finish();
}

/** Parses texts (a path or name and its content each) and builds the model from them. */
export function buildModelFromTexts(texts: readonly { path: string; text: string }[], options: Partial<ModelOptions> = {}): ClusterModel {
  return buildClusterModel(
    texts.map((t) => ({ file: t.path, parsed: parseFile(t.text) })),
    options,
  );
}

class ModelBuilder {
  private readonly namespaceObjects = new Map<string, { labels: Labels; at: Location }>();
  private readonly namespaceRefs = new Map<string, Location>();
  private readonly pods = new Map<string, PodInfo>();
  private readonly services = new Map<string, ServiceInfo>();
  private readonly policies = new Map<string, PolicyInfo>();
  private readonly files = new Map<string, ParsedFile>();
  private readonly warnings: ModelWarning[] = [];
  private usedDefault = false;

  constructor(private readonly options: ModelOptions) {}

  addFile(input: ModelInput): void {
    this.files.set(input.file, input.parsed);
    for (const document of input.parsed.documents) {
      for (const manifest of document.manifests) this.addManifest(input.file, manifest);
    }
  }

  private namespaceOf(file: string, manifest: Manifest): { namespace: string; explicit: boolean } {
    if (manifest.namespace) {
      const node = child(child(manifest.node, 'metadata'), 'namespace');
      if (!this.namespaceRefs.has(manifest.namespace) && node) {
        this.namespaceRefs.set(manifest.namespace, { file, span: node.span });
      }
      return { namespace: manifest.namespace, explicit: true };
    }
    this.usedDefault = true;
    return { namespace: this.options.defaultNamespace, explicit: false };
  }

  private addManifest(file: string, manifest: Manifest): void {
    const location: Location = { file, span: manifest.node.span };
    const kind = manifest.kind;
    if (!kind || !manifest.name) return;
    // kubectl rejects an object whose namespace YAML reads as something other than a string
    // (`namespace: n` is a boolean in YAML 1.1), so it never exists in the cluster.
    const namespaceNode = child(child(manifest.node, 'metadata'), 'namespace');
    if (namespaceNode && !(namespaceNode.kind === 'scalar' && (typeof namespaceNode.value === 'string' || namespaceNode.value === null))) {
      this.warnings.push({ message: `${kind} ${manifest.name} is left out: its metadata.namespace is not a string (quote it), so kubectl would reject it`, location });
      return;
    }
    if (kind === 'Namespace') {
      const labels = readLabels(child(child(manifest.node, 'metadata'), 'labels'));
      this.replace(this.namespaceObjects, manifest.name, { labels, at: location }, `Namespace ${manifest.name}`, location);
      return;
    }
    // Only the Kubernetes NetworkPolicy: Calico's and others' kinds of the same name have
    // another spec.
    if (kind === 'NetworkPolicy' && manifest.apiVersion === 'networking.k8s.io/v1') {
      const { namespace, explicit } = this.namespaceOf(file, manifest);
      const policy = readPolicy(manifest, namespace, explicit, location);
      this.replace(this.policies, policy.id, policy, `NetworkPolicy ${policy.id}`, location);
      return;
    }
    if (kind === 'Service') {
      const { namespace } = this.namespaceOf(file, manifest);
      const service = readService(manifest, namespace, location);
      this.replace(this.services, service.id, service, `Service ${service.id}`, location);
      return;
    }
    if (kind === 'Pod') {
      const { namespace, explicit } = this.namespaceOf(file, manifest);
      const metadata = child(manifest.node, 'metadata');
      const pod = readPod({
        id: `${namespace}/${manifest.name}`,
        namespace,
        name: manifest.name,
        kind: 'Pod',
        namespaceExplicit: explicit,
        metadata,
        spec: child(manifest.node, 'spec'),
        status: child(manifest.node, 'status'),
        location,
        file,
      });
      this.replace(this.pods, pod.id, pod, `Pod ${pod.id}`, location);
      return;
    }
    if ((workloadKinds as readonly string[]).includes(kind)) {
      const workloadKind = kind as WorkloadKind;
      const spec = child(manifest.node, 'spec');
      const template = workloadKind === 'CronJob' ? child(child(child(spec, 'jobTemplate'), 'spec'), 'template') : child(spec, 'template');
      if (!template || template.kind !== 'map') return;
      const { namespace, explicit } = this.namespaceOf(file, manifest);
      const pod = readPod({
        id: `${namespace}/${workloadKind}/${manifest.name}`,
        namespace,
        name: manifest.name,
        kind: workloadKind,
        namespaceExplicit: explicit,
        metadata: child(template, 'metadata'),
        spec: child(template, 'spec'),
        status: undefined,
        location,
        file,
      });
      this.replace(this.pods, pod.id, pod, `${workloadKind} ${namespace}/${manifest.name}`, location);
    }
  }

  private replace<T>(map: Map<string, T>, key: string, value: T, what: string, location: Location): void {
    if (map.has(key)) this.warnings.push({ message: `${what} is defined more than once; the last definition is used`, location });
    map.delete(key);
    map.set(key, value);
  }

  finish(): ClusterModel {
    const names = new Set<string>([...this.namespaceObjects.keys(), ...this.namespaceRefs.keys()]);
    if (this.usedDefault) names.add(this.options.defaultNamespace);
    const namespaces = new Map<string, NamespaceInfo>();
    for (const name of [...names].sort()) {
      const declared = this.namespaceObjects.get(name);
      // The API server sets this label on every namespace and does not let users change it.
      const labels: Record<string, string> = { ...(declared?.labels ?? {}), [namespaceNameLabel]: name };
      namespaces.set(name, {
        name,
        labels,
        declaredAt: declared?.at,
        referencedAt: this.namespaceRefs.get(name),
        isDefault: this.usedDefault && name === this.options.defaultNamespace,
      });
    }
    return {
      defaultNamespace: this.options.defaultNamespace,
      namespaces,
      pods: [...this.pods.values()],
      services: [...this.services.values()],
      policies: [...this.policies.values()],
      files: this.files,
      warnings: this.warnings,
    };
  }
}

function asMap(node: YNode | null | undefined): YMap | undefined {
  return node && node.kind === 'map' ? node : undefined;
}

function asSeq(node: YNode | null | undefined): YSeq | undefined {
  return node && node.kind === 'seq' ? node : undefined;
}

function isNull(node: YNode | null | undefined): boolean {
  return node === null || node === undefined || (node.kind === 'scalar' && node.value === null);
}

/** A scalar as the string kubectl would send, for label values and names written unquoted. */
function scalarText(node: YNode | null | undefined): string | undefined {
  if (!node || node.kind !== 'scalar') return undefined;
  if (node.value === null) return '';
  if (typeof node.value === 'string') return node.value;
  return node.source;
}

function integer(node: YNode | null | undefined): number | undefined {
  if (!node || node.kind !== 'scalar') return undefined;
  const value = typeof node.value === 'bigint' ? Number(node.value) : node.value;
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

function protocolOf(node: YNode | null | undefined): { protocol: Protocol; explicit: boolean; problem?: string } {
  if (isNull(node)) return { protocol: 'TCP', explicit: false };
  const text = scalarText(node);
  if (text === 'TCP' || text === 'UDP' || text === 'SCTP') return { protocol: text, explicit: true };
  return { protocol: 'TCP', explicit: true, problem: `unsupported protocol ${JSON.stringify(text ?? '')}` };
}

function readLabels(node: YNode | null | undefined): Labels {
  const map = asMap(node);
  const labels: Record<string, string> = {};
  if (!map) return labels;
  for (const e of map.entries) {
    if (e.key === null) continue;
    labels[e.key] = scalarText(e.value) ?? '';
  }
  return labels;
}

interface PodSource {
  id: string;
  namespace: string;
  name: string;
  kind: PodInfo['kind'];
  namespaceExplicit: boolean;
  metadata: YNode | null | undefined;
  spec: YNode | null | undefined;
  status: YNode | null | undefined;
  location: Location;
  file: string;
}

function readPod(source: PodSource): PodInfo {
  const labelsNode = child(source.metadata, 'labels');
  const ports: ContainerPortInfo[] = [];
  // Init containers do not serve; only the long-running containers' ports can be named in a policy.
  for (const container of asSeq(child(source.spec, 'containers'))?.items ?? []) {
    const containerName = scalarText(child(container, 'name')) ?? '';
    for (const portNode of asSeq(child(container, 'ports'))?.items ?? []) {
      const containerPort = integer(child(portNode, 'containerPort'));
      if (containerPort === undefined || !portNode) continue;
      const name = scalarText(child(portNode, 'name'));
      ports.push({
        name: name || undefined,
        containerPort,
        protocol: protocolOf(child(portNode, 'protocol')).protocol,
        container: containerName,
        location: { file: source.file, span: portNode.span },
      });
    }
  }
  const ips: string[] = [];
  const podIP = scalarText(child(source.status, 'podIP'));
  if (podIP) ips.push(podIP);
  for (const item of asSeq(child(source.status, 'podIPs'))?.items ?? []) {
    const ip = scalarText(child(item, 'ip'));
    if (ip && !ips.includes(ip)) ips.push(ip);
  }
  const hostNetwork = child(source.spec, 'hostNetwork');
  return {
    id: source.id,
    namespace: source.namespace,
    name: source.name,
    kind: source.kind,
    namespaceExplicit: source.namespaceExplicit,
    labels: readLabels(labelsNode),
    ports,
    ips,
    hostNetwork: Boolean(hostNetwork && hostNetwork.kind === 'scalar' && hostNetwork.value === true),
    location: source.location,
    labelsAt: labelsNode ? { file: source.file, span: labelsNode.span } : undefined,
  };
}

function readService(manifest: Manifest, namespace: string, location: Location): ServiceInfo {
  const spec = child(manifest.node, 'spec');
  const selectorNode = asMap(child(spec, 'selector'));
  const ports: ServicePortInfo[] = [];
  for (const portNode of asSeq(child(spec, 'ports'))?.items ?? []) {
    const port = integer(child(portNode, 'port'));
    if (port === undefined || !portNode) continue;
    const targetNode = child(portNode, 'targetPort');
    const target = integer(targetNode) ?? scalarText(targetNode);
    ports.push({
      name: scalarText(child(portNode, 'name')) || undefined,
      port,
      targetPort: target === undefined || target === '' || target === 0 ? port : target,
      protocol: protocolOf(child(portNode, 'protocol')).protocol,
      location: { file: location.file, span: portNode.span },
    });
  }
  return {
    id: `${namespace}/${manifest.name}`,
    namespace,
    name: manifest.name!,
    selector: selectorNode && selectorNode.entries.length > 0 ? readLabels(selectorNode) : undefined,
    ports,
    location,
  };
}

/** Reads a label selector the way metav1.LabelSelectorAsSelector does. */
export function readSelector(node: YNode): LabelSelector {
  const requirements: Requirement[] = [];
  const problems: string[] = [];
  const map = asMap(node);
  if (!map) {
    if (!isNull(node)) problems.push('a label selector must be a map');
    return { requirements, problems, span: node.span };
  }
  const matchLabels = asMap(child(map, 'matchLabels'));
  // A repeated key is rejected by strict decoding; otherwise the last one wins, as in a Go map.
  const labelEntries = new Map<string, Requirement>();
  for (const e of matchLabels?.entries ?? []) {
    if (e.key === null) continue;
    const value = scalarText(e.value) ?? '';
    const end = e.value ? e.value.span[1] : e.keySpan[1];
    labelEntries.delete(e.key);
    labelEntries.set(e.key, { key: e.key, operator: 'In', values: [value], from: 'matchLabels', span: [e.keySpan[0], end] });
  }
  requirements.push(...labelEntries.values());
  for (const item of asSeq(child(map, 'matchExpressions'))?.items ?? []) {
    if (!item) continue;
    const key = scalarText(child(item, 'key')) ?? '';
    const operator = scalarText(child(item, 'operator')) ?? '';
    const values = (asSeq(child(item, 'values'))?.items ?? []).map((v) => scalarText(v) ?? '');
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length === 0) problems.push(`${key} ${operator} needs at least one value`);
      requirements.push({ key, operator, values, from: 'matchExpressions', span: item.span });
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (values.length > 0) problems.push(`${key} ${operator} may not have values`);
      requirements.push({ key, operator, values: [], from: 'matchExpressions', span: item.span });
    } else {
      problems.push(`${JSON.stringify(operator)} is not a selector operator`);
    }
  }
  return { requirements, problems, span: map.span };
}

function readIpBlock(node: YNode): IpBlockInfo {
  const cidrText = scalarText(child(node, 'cidr')) ?? '';
  const except = (asSeq(child(node, 'except'))?.items ?? []).map((item) => {
    const text = scalarText(item) ?? '';
    return { text, cidr: parseCidr(text), span: item ? item.span : node.span };
  });
  return { cidrText, cidr: parseCidr(cidrText), except, span: node.span };
}

function readPeer(node: YNode | null, index: number, fallback: Span): PeerInfo {
  const span = node ? node.span : fallback;
  const peer: PeerInfo = { index, span };
  const map = asMap(node);
  // A field written with nothing after it is null, which the decoder treats as absent.
  const podSelector = child(map, 'podSelector');
  const namespaceSelector = child(map, 'namespaceSelector');
  const ipBlock = child(map, 'ipBlock');
  if (podSelector && !isNull(podSelector)) peer.podSelector = readSelector(podSelector);
  if (namespaceSelector && !isNull(namespaceSelector)) peer.namespaceSelector = readSelector(namespaceSelector);
  if (ipBlock && !isNull(ipBlock)) peer.ipBlock = readIpBlock(ipBlock);
  if (!peer.podSelector && !peer.namespaceSelector && !peer.ipBlock) peer.problem = 'the peer has no podSelector, namespaceSelector or ipBlock';
  else if (peer.ipBlock && (peer.podSelector || peer.namespaceSelector)) peer.problem = 'ipBlock cannot be combined with a selector in one peer';
  else if (peer.ipBlock && !peer.ipBlock.cidr) peer.problem = `ipBlock cidr ${JSON.stringify(peer.ipBlock.cidrText)} is not a valid CIDR`;
  return peer;
}

function readPort(node: YNode | null, index: number, fallback: Span): PortInfo {
  const span = node ? node.span : fallback;
  const { protocol, explicit, problem } = protocolOf(child(node, 'protocol'));
  const result: PortInfo = { index, span, protocol, protocolExplicit: explicit };
  if (problem) result.problem = problem;
  const portNode = child(node, 'port');
  const numeric = integer(portNode);
  if (numeric !== undefined) result.port = numeric;
  else if (!isNull(portNode)) {
    const name = scalarText(portNode);
    if (name) result.port = name;
    else result.problem ??= 'the port is neither a number nor a name';
  }
  const endPort = integer(child(node, 'endPort'));
  if (endPort !== undefined) {
    if (typeof result.port !== 'number') result.problem ??= 'endPort needs a numeric port';
    else if (endPort < result.port) result.problem ??= 'endPort is less than port';
    else result.endPort = endPort;
  }
  return result;
}

function readRules(spec: YMap | undefined, direction: 'ingress' | 'egress'): RuleInfo[] {
  const peersKey = direction === 'ingress' ? 'from' : 'to';
  const seq = asSeq(child(spec, direction));
  return (seq?.items ?? []).map((ruleNode, index) => {
    const span = ruleNode ? ruleNode.span : seq!.span;
    const peersEntry = entry(asMap(ruleNode), peersKey);
    const portsEntry = entry(asMap(ruleNode), 'ports');
    const peerSeq = asSeq(peersEntry?.value);
    const portSeq = asSeq(portsEntry?.value);
    return {
      direction,
      index,
      span,
      peers: (peerSeq?.items ?? []).map((p, i) => readPeer(p, i, peerSeq!.span)),
      peersKeySpan: peersEntry?.keySpan,
      ports: (portSeq?.items ?? []).map((p, i) => readPort(p, i, portSeq!.span)),
      portsKeySpan: portsEntry?.keySpan,
    };
  });
}

function readPolicy(manifest: Manifest, namespace: string, namespaceExplicit: boolean, location: Location): PolicyInfo {
  const spec = asMap(child(manifest.node, 'spec'));
  const podSelectorNode = child(spec, 'podSelector');
  const podSelectorWritten = Boolean(podSelectorNode) && !isNull(podSelectorNode);
  const ingress = readRules(spec, 'ingress');
  const egress = readRules(spec, 'egress');
  const typesEntry = entry(spec, 'policyTypes');
  const types = (asSeq(typesEntry?.value)?.items ?? []).map((item) => scalarText(item));
  // The API server's defaulting: an empty or absent policyTypes becomes Ingress, plus Egress
  // when spec.egress has at least one rule.
  const explicit = types.length > 0;
  const policyTypes = explicit
    ? { ingress: types.includes('Ingress'), egress: types.includes('Egress'), explicit, span: typesEntry?.keySpan }
    : { ingress: true, egress: egress.length > 0, explicit, span: typesEntry?.keySpan };
  const nameNode = child(child(manifest.node, 'metadata'), 'name');
  return {
    id: `${namespace}/${manifest.name}`,
    namespace,
    name: manifest.name!,
    namespaceExplicit,
    location,
    nameSpan: nameNode?.span,
    podSelector: podSelectorWritten ? readSelector(podSelectorNode!) : { requirements: [], problems: [], span: manifest.node.span },
    podSelectorWritten,
    policyTypes,
    ingress,
    egress,
    ingressKeySpan: entry(spec, 'ingress')?.keySpan,
    egressKeySpan: entry(spec, 'egress')?.keySpan,
  };
}
