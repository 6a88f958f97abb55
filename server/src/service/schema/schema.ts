/**
 * The shape of a networking.k8s.io/v1 NetworkPolicy, as the API server decodes it.
 *
 * Strict field validation (`kubectl apply --validate=strict`, the default since 1.27) rejects
 * unknown fields and values of the wrong JSON type; this schema is what those checks and
 * key completion read. Go type names appear in the API server's decode errors, so they are
 * kept here. Descriptions are ours, written for hovers and completion.
 */
export type SchemaType =
  | ObjectType
  | { type: 'array'; items: SchemaType; goType: string }
  | { type: 'map'; values: SchemaType; goType: string }
  | { type: 'string'; goType: string; enum?: readonly string[] }
  | { type: 'integer'; goType: 'int32' | 'int64' }
  | { type: 'int-or-string'; goType: 'intstr.IntOrString' }
  | { type: 'boolean'; goType: 'bool' }
  | { type: 'any'; goType: string };

export interface ObjectType {
  type: 'object';
  /** The Go struct name, as encoding/json names it in errors ("NetworkPolicyPort"). */
  goType: string;
  /** The Go type as printed after "of type" ("v1.NetworkPolicyPort"). */
  goTypeQualified: string;
  fields: Readonly<Record<string, Field>>;
}

export interface Field {
  schema: SchemaType;
  description: string;
  /** Shown in completion: a value to insert after the key. */
  snippet?: string;
}

const str = (goType = 'string', values?: readonly string[]): SchemaType => ({ type: 'string', goType, enum: values });
const int32: SchemaType = { type: 'integer', goType: 'int32' };
const int64: SchemaType = { type: 'integer', goType: 'int64' };
const bool: SchemaType = { type: 'boolean', goType: 'bool' };
const stringMap: SchemaType = { type: 'map', values: str(), goType: 'map[string]string' };
const arrayOf = (items: SchemaType, goType: string): SchemaType => ({ type: 'array', items, goType });

const labelSelectorRequirement: ObjectType = {
  type: 'object',
  goType: 'LabelSelectorRequirement',
  goTypeQualified: 'v1.LabelSelectorRequirement',
  fields: {
    key: { schema: str(), description: 'The label key the requirement applies to.' },
    operator: {
      schema: str('v1.LabelSelectorOperator', ['In', 'NotIn', 'Exists', 'DoesNotExist']),
      description:
        'How the key relates to the values: `In` (the label is one of the values), `NotIn` (the label is none of them, or the key is absent), `Exists` (the key is present), `DoesNotExist` (the key is absent).',
    },
    values: {
      schema: arrayOf(str(), '[]string'),
      description: 'The values for `In` and `NotIn` (at least one); must be empty for `Exists` and `DoesNotExist`.',
    },
  },
};

export const labelSelector: ObjectType = {
  type: 'object',
  goType: 'LabelSelector',
  goTypeQualified: 'v1.LabelSelector',
  fields: {
    matchLabels: {
      schema: stringMap,
      description: 'Labels that must all be present with exactly these values. Combined with `matchExpressions` by AND.',
    },
    matchExpressions: {
      schema: arrayOf(labelSelectorRequirement, '[]v1.LabelSelectorRequirement'),
      description: 'Requirements that must all hold. Combined with `matchLabels` by AND.',
    },
  },
};

const ipBlock: ObjectType = {
  type: 'object',
  goType: 'IPBlock',
  goTypeQualified: 'v1.IPBlock',
  fields: {
    cidr: { schema: str(), description: 'The address range, such as `10.0.0.0/16` or `2001:db8::/64`. Required.' },
    except: {
      schema: arrayOf(str(), '[]string'),
      description: 'Ranges inside `cidr` that are excluded. Each must be a strict subset of `cidr`.',
    },
  },
};

const peer: ObjectType = {
  type: 'object',
  goType: 'NetworkPolicyPeer',
  goTypeQualified: 'v1.NetworkPolicyPeer',
  fields: {
    podSelector: {
      schema: labelSelector,
      description:
        'Pods matching this selector. Alone: pods in the policy\'s own namespace. With `namespaceSelector` in the same list item: pods matching both (AND).',
    },
    namespaceSelector: {
      schema: labelSelector,
      description:
        'Namespaces matching this selector (`{}` means every namespace). Alone: all pods in them. With `podSelector` in the same list item: only the matching pods in them (AND).',
    },
    ipBlock: {
      schema: ipBlock,
      description: 'An IP address range, meant for addresses outside the cluster. Cannot share a list item with a selector.',
    },
  },
};

const port: ObjectType = {
  type: 'object',
  goType: 'NetworkPolicyPort',
  goTypeQualified: 'v1.NetworkPolicyPort',
  fields: {
    protocol: {
      schema: str('v1.Protocol', ['TCP', 'UDP', 'SCTP']),
      description: 'TCP, UDP or SCTP. Defaults to TCP when omitted.',
    },
    port: {
      schema: { type: 'int-or-string', goType: 'intstr.IntOrString' },
      description:
        'A port number, or the name of a container port on the destination pod (resolved with the same protocol). Omitted: every port of the protocol.',
    },
    endPort: {
      schema: int32,
      description: 'With a numeric `port`, allows the range `port`..`endPort` inclusive. Some network plugins ignore it and open only `port`.',
    },
  },
};

const ingressRule: ObjectType = {
  type: 'object',
  goType: 'NetworkPolicyIngressRule',
  goTypeQualified: 'v1.NetworkPolicyIngressRule',
  fields: {
    from: {
      schema: arrayOf(peer, '[]v1.NetworkPolicyPeer'),
      description: 'Sources allowed in; any one list item may match (OR). Omitted or empty: every source.',
    },
    ports: {
      schema: arrayOf(port, '[]v1.NetworkPolicyPort'),
      description: 'Ports allowed on the selected pods; any one may match. Omitted or empty: every port.',
    },
  },
};

const egressRule: ObjectType = {
  type: 'object',
  goType: 'NetworkPolicyEgressRule',
  goTypeQualified: 'v1.NetworkPolicyEgressRule',
  fields: {
    to: {
      schema: arrayOf(peer, '[]v1.NetworkPolicyPeer'),
      description: 'Destinations allowed; any one list item may match (OR). Omitted or empty: every destination.',
    },
    ports: {
      schema: arrayOf(port, '[]v1.NetworkPolicyPort'),
      description: 'Ports allowed on the destination; any one may match. Omitted or empty: every port.',
    },
  },
};

const spec: ObjectType = {
  type: 'object',
  goType: 'NetworkPolicySpec',
  goTypeQualified: 'v1.NetworkPolicySpec',
  fields: {
    podSelector: {
      schema: labelSelector,
      description: 'The pods of this namespace the policy applies to. `{}` selects every pod in the namespace.',
    },
    ingress: {
      schema: arrayOf(ingressRule, '[]v1.NetworkPolicyIngressRule'),
      description: 'Allow rules for incoming traffic. Each rule allows what it matches; rules add up.',
    },
    egress: {
      schema: arrayOf(egressRule, '[]v1.NetworkPolicyEgressRule'),
      description: 'Allow rules for outgoing traffic. Each rule allows what it matches; rules add up.',
    },
    policyTypes: {
      schema: arrayOf(str('v1.PolicyType', ['Ingress', 'Egress']), '[]v1.PolicyType'),
      description:
        'The directions this policy isolates. Omitted: `Ingress`, plus `Egress` when `egress` has at least one rule.',
    },
  },
};

const ownerReference: ObjectType = {
  type: 'object',
  goType: 'OwnerReference',
  goTypeQualified: 'v1.OwnerReference',
  fields: {
    apiVersion: { schema: str(), description: 'API version of the owner.' },
    kind: { schema: str(), description: 'Kind of the owner.' },
    name: { schema: str(), description: 'Name of the owner.' },
    uid: { schema: str('types.UID'), description: 'UID of the owner.' },
    controller: { schema: bool, description: 'Whether the owner is the managing controller.' },
    blockOwnerDeletion: { schema: bool, description: 'Whether the owner waits for this object on foreground deletion.' },
  },
};

export const objectMeta: ObjectType = {
  type: 'object',
  goType: 'ObjectMeta',
  goTypeQualified: 'v1.ObjectMeta',
  fields: {
    name: { schema: str(), description: 'The policy name: a lowercase RFC 1123 subdomain, unique in its namespace.' },
    generateName: { schema: str(), description: 'A prefix for a generated name (not usable with `kubectl apply`).' },
    namespace: {
      schema: str(),
      description: 'The namespace the policy lives in and whose pods it selects. Omitted: decided at apply time (`-n`, the context, else `default`).',
    },
    labels: { schema: stringMap, description: 'Labels of the policy object itself (they do not select pods).' },
    annotations: { schema: stringMap, description: 'Annotations of the policy object.' },
    uid: { schema: str('types.UID'), description: 'Set by the server.' },
    resourceVersion: { schema: str(), description: 'Set by the server.' },
    generation: { schema: int64, description: 'Set by the server.' },
    selfLink: { schema: str(), description: 'Deprecated; set by old servers.' },
    creationTimestamp: { schema: { type: 'any', goType: 'v1.Time' }, description: 'Set by the server.' },
    deletionTimestamp: { schema: { type: 'any', goType: 'v1.Time' }, description: 'Set by the server.' },
    deletionGracePeriodSeconds: { schema: int64, description: 'Set by the server.' },
    ownerReferences: { schema: arrayOf(ownerReference, '[]v1.OwnerReference'), description: 'Objects this one depends on.' },
    finalizers: { schema: arrayOf(str(), '[]string'), description: 'Finalizers that must run before deletion.' },
    managedFields: { schema: { type: 'any', goType: '[]v1.ManagedFieldsEntry' }, description: 'Set by the server (server-side apply).' },
  },
};

export const networkPolicy: ObjectType = {
  type: 'object',
  goType: 'NetworkPolicy',
  goTypeQualified: 'v1.NetworkPolicy',
  fields: {
    apiVersion: { schema: str(), description: 'Must be `networking.k8s.io/v1`.' },
    kind: { schema: str(), description: '`NetworkPolicy`.' },
    metadata: { schema: objectMeta, description: 'Name and namespace of the policy.' },
    spec: { schema: spec, description: 'Which pods the policy selects, and what it allows in and out.' },
  },
};
