import type { Cidr } from '../validation/cidr';
import type { ParsedFile } from '../parse/parseFile';
import type { Span } from '../parse/yamlView';

export type { Span } from '../parse/yamlView';

/** Where something is written: a file (as the caller named it) and offsets in its text. */
export interface Location {
  file: string;
  span: Span;
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const protocols: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export type Labels = Readonly<Record<string, string>>;

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'ReplicationController' | 'Job' | 'CronJob';
export const workloadKinds: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob'];

export interface NamespaceInfo {
  name: string;
  /** The effective labels, `kubernetes.io/metadata.name` included. */
  labels: Labels;
  /** The Namespace object, when one was given; absent for namespaces known only by reference. */
  declaredAt?: Location;
  /** Where the namespace was first referred to (metadata.namespace of some object), if anywhere. */
  referencedAt?: Location;
  /** True when objects without metadata.namespace were placed here. */
  isDefault: boolean;
}

export interface ContainerPortInfo {
  name?: string;
  containerPort: number;
  protocol: Protocol;
  container: string;
  location: Location;
}

/** A Pod object, or the pod template of a workload, standing for the pods it creates. */
export interface PodInfo {
  /** `NAMESPACE/NAME` for Pod objects, `NAMESPACE/KIND/NAME` for workload templates. */
  id: string;
  namespace: string;
  name: string;
  kind: 'Pod' | WorkloadKind;
  /** True when metadata.namespace was written, false when the default namespace was assumed. */
  namespaceExplicit: boolean;
  labels: Labels;
  ports: ContainerPortInfo[];
  /** status.podIP and status.podIPs, when the manifest records them (exported from a cluster). */
  ips: string[];
  hostNetwork: boolean;
  location: Location;
  /** The labels map (metadata.labels of the pod or of the template), when written. */
  labelsAt?: Location;
}

export interface ServicePortInfo {
  name?: string;
  port: number;
  /** A container port number or name; defaults to `port`, as the API server does. */
  targetPort: number | string;
  protocol: Protocol;
  location: Location;
}

export interface ServiceInfo {
  id: string;
  namespace: string;
  name: string;
  /** Absent for a Service without a selector (its endpoints are managed by hand). */
  selector?: Labels;
  ports: ServicePortInfo[];
  location: Location;
}

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/** One requirement of a label selector; a matchLabels entry becomes `key In [value]`. */
export interface Requirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
  from: 'matchLabels' | 'matchExpressions';
  /** The matchLabels entry or the matchExpressions item. */
  span: Span;
}

/**
 * A label selector as written. No requirements and no problems: it matches everything.
 * A selector with problems (an unknown operator, In without values) is rejected by the API
 * server; the model keeps it but it matches nothing.
 */
export interface LabelSelector {
  requirements: Requirement[];
  problems: string[];
  span: Span;
}

export interface IpBlockInfo {
  cidrText: string;
  cidr?: Cidr;
  except: { text: string; cidr?: Cidr; span: Span }[];
  span: Span;
}

export interface PeerInfo {
  index: number;
  span: Span;
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IpBlockInfo;
  /** Set when the API server would reject the peer; such a peer matches nothing. */
  problem?: string;
}

export interface PortInfo {
  index: number;
  span: Span;
  protocol: Protocol;
  protocolExplicit: boolean;
  /** Absent: every port of the protocol. */
  port?: number | string;
  endPort?: number;
  /** Set when the API server would reject the entry; such an entry matches nothing. */
  problem?: string;
}

export type Direction = 'ingress' | 'egress';

export interface RuleInfo {
  direction: Direction;
  index: number;
  span: Span;
  /** Empty: the rule has no from/to (or an empty list) and matches every peer. */
  peers: PeerInfo[];
  /** Span of the `from`/`to` key, when written. */
  peersKeySpan?: Span;
  /** Empty: the rule has no ports (or an empty list) and matches every port and protocol. */
  ports: PortInfo[];
  portsKeySpan?: Span;
}

export interface PolicyTypesInfo {
  ingress: boolean;
  egress: boolean;
  /** True when policyTypes was written with at least one entry; false when the API server defaults it. */
  explicit: boolean;
  span?: Span;
}

export interface PolicyInfo {
  id: string;
  namespace: string;
  name: string;
  namespaceExplicit: boolean;
  location: Location;
  nameSpan?: Span;
  /** Absent podSelector decodes as {} and selects the whole namespace; `podSelectorWritten` tells. */
  podSelector: LabelSelector;
  podSelectorWritten: boolean;
  policyTypes: PolicyTypesInfo;
  ingress: RuleInfo[];
  egress: RuleInfo[];
  ingressKeySpan?: Span;
  egressKeySpan?: Span;
}

export interface ModelWarning {
  message: string;
  location: Location;
}

export interface ClusterModel {
  defaultNamespace: string;
  namespaces: Map<string, NamespaceInfo>;
  pods: PodInfo[];
  services: ServiceInfo[];
  policies: PolicyInfo[];
  /** The parsed files, by the name the caller gave, so that spans can be shown as positions. */
  files: Map<string, ParsedFile>;
  warnings: ModelWarning[];
}

export interface ModelOptions {
  /** Where objects without metadata.namespace go ("default", as kubectl without -n). */
  defaultNamespace: string;
}

export const defaultModelOptions: ModelOptions = { defaultNamespace: 'default' };

export const namespaceNameLabel = 'kubernetes.io/metadata.name';
