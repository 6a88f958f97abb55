import { child, entry, Span, YMap, YNode, YScalar } from '../parse/yamlView';
import { Rule, Rules } from '../rules';
import { isStrictSubset, parseCidr, strictCidrProblem } from './cidr';
import { FieldPath, Finding, headSpan } from './finding';
import { goValue, isDNS1123Label, isDNS1123Subdomain, isGenerateNamePrefix, isLabelKey, isLabelValue, isPortName, isPortNumber, jsonValue } from './k8sValidation';

/**
 * The API server's validation of a NetworkPolicy (pkg/apis/networking/validation), in its
 * order: metadata, spec.podSelector, each ingress rule (ports, then from), each egress rule
 * (ports, then to), then policyTypes. Values of the wrong type are left to the decoder check.
 */
export function validateNetworkPolicy(policy: YMap, text: string): Finding[] {
  const v = new Validator(text);
  v.metadata(asMap(child(policy, 'metadata')), entry(policy, 'metadata')?.keySpan ?? headSpan(policy, text));
  const spec = asMap(child(policy, 'spec'));
  if (spec) v.spec(spec);
  return v.findings;
}

function asMap(node: YNode | null | undefined): YMap | undefined {
  return node && node.kind === 'map' ? node : undefined;
}

function asSeqItems(node: YNode | null | undefined): (YNode | null)[] {
  return node && node.kind === 'seq' ? node.items : [];
}

type StringScalar = YScalar & { value: string };

function asString(node: YNode | null | undefined): StringScalar | undefined {
  return node && node.kind === 'scalar' && typeof node.value === 'string' ? (node as StringScalar) : undefined;
}

function isNull(node: YNode | null | undefined): boolean {
  return node === null || node === undefined || (node.kind === 'scalar' && node.value === null);
}

/**
 * The value of an int32 field, when the decoder would accept it. A number outside int32 is
 * a decode error (reported by the decoder check), so the API server never validates it.
 */
function int32Value(node: YNode | null | undefined): number | undefined {
  if (!node || node.kind !== 'scalar' || typeof node.value !== 'number') return undefined;
  const value = node.value;
  return Number.isInteger(value) && value >= -2147483648 && value <= 2147483647 ? value : undefined;
}

class Validator {
  readonly findings: Finding[] = [];

  constructor(private readonly text: string) {}

  private add(rule: Rule, span: Span, field: FieldPath, message: string, data?: Record<string, unknown>): void {
    this.findings.push({ rule, span, field: field.toString(), message: `${field}: ${message}`, data });
  }

  private span(node: YNode): Span {
    return headSpan(node, this.text);
  }

  /**
   * The node's span, or `fallback` when the node has no text: a value left empty (`cidr:`)
   * or an empty list item (`- `) is an empty null scalar, and a zero-width range would be
   * invisible in the editor.
   */
  private spanOr(node: YNode | null | undefined, fallback: Span): Span {
    if (!node) return fallback;
    const span = this.span(node);
    return span[1] > span[0] ? span : fallback;
  }

  metadata(meta: YMap | undefined, anchor: Span): void {
    const path = FieldPath.root('metadata');
    const generateName = asString(child(meta, 'generateName'));
    if (generateName && generateName.value.length > 0) {
      for (const msg of isGenerateNamePrefix(generateName.value)) {
        this.add(Rules.invalidMetadata, this.span(generateName), path.child('generateName'), `Invalid value: ${goValue(generateName.value)}: ${msg}`);
      }
    }
    const nameNode = child(meta, 'name');
    const name = asString(nameNode);
    const hasGenerateName = Boolean(generateName && generateName.value.length > 0);
    if (name && name.value.length > 0) {
      for (const msg of isDNS1123Subdomain(name.value)) {
        this.add(Rules.invalidMetadata, this.span(name), path.child('name'), `Invalid value: ${goValue(name.value)}: ${msg}`);
      }
    } else if (hasGenerateName) {
      // The API server names the object before validating it: generateName cut to 58
      // characters plus 5 random lower-case alphanumerics, checked as metadata.name. The
      // random part is shown as "?????" (any of its characters gives the same verdict).
      const base = generateName!.value.slice(0, 58);
      for (const msg of isDNS1123Subdomain(`${base}bbbbb`)) {
        this.add(Rules.invalidMetadata, this.span(generateName!), path.child('name'), `Invalid value: ${goValue(`${base}?????`)}: ${msg} (the name the API server generates from generateName, which appends 5 random characters, shown here as "?????")`);
      }
    } else if (name || isNull(nameNode)) {
      // Absent, null or "": the server cannot name the object. (A name of the wrong type is
      // reported by the decoder check.)
      const span = this.spanOr(name, entry(meta, 'name')?.keySpan ?? anchor);
      this.add(Rules.invalidMetadata, span, path.child('name'), 'Required value: name or generateName is required');
    }
    // An absent namespace is filled in from the request (kubectl -n, the context), so only
    // a namespace that is written is checked.
    const namespace = asString(child(meta, 'namespace'));
    if (namespace && namespace.value.length > 0) {
      for (const msg of isDNS1123Label(namespace.value)) {
        this.add(Rules.invalidMetadata, this.span(namespace), path.child('namespace'), `Invalid value: ${goValue(namespace.value)}: ${msg}`);
      }
    }
    const generation = child(meta, 'generation');
    if (generation && generation.kind === 'scalar' && typeof generation.value === 'number' && generation.value < 0) {
      this.add(Rules.invalidMetadata, this.span(generation), path.child('generation'), `Invalid value: ${generation.value}: must be greater than or equal to 0`);
    }
    this.labels(asMap(child(meta, 'labels')), path.child('labels'), Rules.invalidMetadata);
    const annotations = asMap(child(meta, 'annotations'));
    if (annotations) {
      let total = 0;
      for (const e of annotations.entries) {
        if (e.key === null) continue;
        for (const msg of isLabelKey(e.key.toLowerCase())) {
          this.add(Rules.invalidMetadata, e.keySpan, path.child('annotations'), `Invalid value: ${goValue(e.key)}: ${msg}`);
        }
        total += Buffer.byteLength(e.key, 'utf8') + Buffer.byteLength(asString(e.value)?.value ?? '', 'utf8');
      }
      if (total > 256 * 1024) {
        this.add(Rules.invalidMetadata, this.span(annotations), path.child('annotations'), `Too long: may not be more than 262144 bytes`);
      }
    }
  }

  /** ValidateLabels: every key a label key, every value a label value; the path is the map's. */
  private labels(map: YMap | undefined, path: FieldPath, rule: Rule): void {
    if (!map) return;
    for (const e of map.entries) {
      if (e.key === null) continue;
      for (const msg of isLabelKey(e.key)) {
        this.add(rule, e.keySpan, path, `Invalid value: ${goValue(e.key)}: ${msg}`, { labelKey: e.key });
      }
      const value = asString(e.value);
      if (value) {
        for (const msg of isLabelValue(value.value)) {
          this.add(rule, this.span(value), path, `Invalid value: ${goValue(value.value)}: ${msg}`, { labelKey: e.key });
        }
      }
    }
  }

  private labelSelector(selector: YMap | undefined, path: FieldPath): void {
    if (!selector) return;
    this.labels(asMap(child(selector, 'matchLabels')), path.child('matchLabels'), Rules.invalidSelector);
    const expressions = entry(selector, 'matchExpressions');
    asSeqItems(expressions?.value).forEach((item, i) => {
      this.requirement(asMap(item), item, path.child('matchExpressions').index(i), expressions!.keySpan);
    });
  }

  private requirement(req: YMap | undefined, node: YNode | null, path: FieldPath, listKey: Span): void {
    const operatorNode = child(req, 'operator');
    const operator = asString(operatorNode)?.value ?? '';
    const valuesEntry = entry(req, 'values');
    const values = asSeqItems(valuesEntry?.value);
    // A null list item (`- ` with nothing after it) decodes as an empty requirement; it has no
    // text of its own, so its errors go on the `matchExpressions` key.
    const anchor = this.spanOr(node, listKey);
    switch (operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          const span = valuesEntry ? this.spanOr(valuesEntry.value, valuesEntry.keySpan) : (entry(req, 'operator')?.keySpan ?? anchor);
          this.add(Rules.invalidSelector, span, path.child('values'), "Required value: must be specified when `operator` is 'In' or 'NotIn'");
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0 && valuesEntry) {
          this.add(Rules.invalidSelector, valuesEntry.keySpan, path.child('values'), "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
        }
        break;
      default: {
        const span = this.spanOr(operatorNode, entry(req, 'operator')?.keySpan ?? anchor);
        this.add(Rules.invalidSelector, span, path.child('operator'), `Invalid value: ${jsonValue(operator)}: not a valid selector operator`);
      }
    }
    const keyNode = child(req, 'key');
    const key = asString(keyNode)?.value ?? '';
    const keyMessages = isLabelKey(key);
    if (keyMessages.length > 0) {
      const span = this.spanOr(keyNode, entry(req, 'key')?.keySpan ?? anchor);
      for (const msg of keyMessages) this.add(Rules.invalidSelector, span, path.child('key'), `Invalid value: ${goValue(key)}: ${msg}`);
    }
    values.forEach((valueNode, j) => {
      const value = asString(valueNode);
      if (!value) return;
      for (const msg of isLabelValue(value.value)) {
        this.add(Rules.invalidSelector, this.span(value), path.child('values').index(j), `Invalid value: ${goValue(value.value)}: ${msg}`);
      }
    });
  }

  spec(spec: YMap): void {
    const path = FieldPath.root('spec');
    this.labelSelector(asMap(child(spec, 'podSelector')), path.child('podSelector'));
    const directions = [
      { key: 'ingress', peers: 'from' },
      { key: 'egress', peers: 'to' },
    ] as const;
    for (const { key, peers } of directions) {
      asSeqItems(child(spec, key)).forEach((ruleNode, i) => {
        const rulePath = path.child(key).index(i);
        const rule = asMap(ruleNode);
        asSeqItems(child(rule, 'ports')).forEach((portNode, j) => {
          this.port(asMap(portNode), rulePath.child('ports').index(j));
        });
        asSeqItems(child(rule, peers)).forEach((peerNode, j) => {
          this.peer(asMap(peerNode), peerNode, rulePath.child(peers).index(j), entry(rule, peers)?.keySpan);
        });
      });
    }
    this.policyTypes(spec, path.child('policyTypes'));
  }

  private port(port: YMap | undefined, path: FieldPath): void {
    const protocol = asString(child(port, 'protocol'));
    if (protocol && !['TCP', 'UDP', 'SCTP'].includes(protocol.value)) {
      this.add(Rules.invalidPort, this.span(protocol), path.child('protocol'), `Unsupported value: ${jsonValue(protocol.value)}: supported values: "TCP", "UDP", "SCTP"`);
    }
    const portNode = child(port, 'port');
    const endPortNode = child(port, 'endPort');
    const endPortValue = int32Value(endPortNode);
    const endPort = endPortValue !== undefined ? endPortNode! : undefined;
    const portValue = int32Value(portNode);
    const numericPort = portValue !== undefined ? portNode! : undefined;
    const namedPort = asString(portNode);
    if (numericPort && portValue !== undefined) {
      const value = portValue;
      for (const msg of isPortNumber(value)) this.add(Rules.invalidPort, this.span(numericPort), path.child('port'), `Invalid value: ${value}: ${msg}`);
      if (endPort && endPortValue !== undefined) {
        // Since kubernetes#137960 (Kubernetes 1.37) the API server prints endPort's value here;
        // older releases printed port's.
        if (endPortValue < value) this.add(Rules.invalidPort, this.span(endPort), path.child('endPort'), `Invalid value: ${endPortValue}: must be greater than or equal to \`port\``);
        for (const msg of isPortNumber(endPortValue)) this.add(Rules.invalidPort, this.span(endPort), path.child('endPort'), `Invalid value: ${endPortValue}: ${msg}`);
      }
    } else if (namedPort) {
      if (endPort && endPortValue !== undefined) {
        this.add(Rules.invalidPort, this.span(endPort), path.child('endPort'), `Invalid value: ${endPortValue}: may not be specified when \`port\` is non-numeric`);
      }
      for (const msg of isPortName(namedPort.value)) {
        this.add(Rules.invalidPort, this.span(namedPort), path.child('port'), `Invalid value: ${goValue(namedPort.value)}: ${msg}`);
      }
    } else if (isNull(portNode) && endPort && endPortValue !== undefined) {
      this.add(Rules.invalidPort, this.span(endPort), path.child('endPort'), `Invalid value: ${endPortValue}: may not be specified when \`port\` is not specified`);
    }
  }

  private peer(peer: YMap | undefined, node: YNode | null, path: FieldPath, listKey: Span | undefined): void {
    let count = 0;
    const podSelector = entry(peer, 'podSelector');
    const namespaceSelector = entry(peer, 'namespaceSelector');
    const ipBlock = entry(peer, 'ipBlock');
    // A field written as `podSelector:` with nothing after it is null, which the decoder
    // treats as absent.
    if (podSelector && !isNull(podSelector.value)) {
      count++;
      this.labelSelector(asMap(podSelector.value), path.child('podSelector'));
    }
    if (namespaceSelector && !isNull(namespaceSelector.value)) {
      count++;
      this.labelSelector(asMap(namespaceSelector.value), path.child('namespaceSelector'));
    }
    const hasIpBlock = Boolean(ipBlock && !isNull(ipBlock.value));
    if (ipBlock && hasIpBlock) {
      count++;
      this.ipBlock(asMap(ipBlock.value), ipBlock.keySpan, path.child('ipBlock'));
    }
    const span = this.spanOr(node, listKey ?? [0, 0]);
    if (count === 0) {
      this.add(Rules.invalidPeer, span, path, 'Required value: must specify a peer');
    } else if (count > 1 && hasIpBlock) {
      this.add(Rules.invalidPeer, ipBlock ? ipBlock.keySpan : span, path, 'Forbidden: may not specify both ipBlock and another peer');
    }
  }

  private ipBlock(block: YMap | undefined, keySpan: Span, path: FieldPath): void {
    const cidrNode = child(block, 'cidr');
    const cidrText = asString(cidrNode)?.value ?? '';
    if (cidrText === '') {
      const span = this.spanOr(cidrNode, entry(block, 'cidr')?.keySpan ?? keySpan);
      this.add(Rules.invalidIpBlock, span, path.child('cidr'), 'Required value');
      return;
    }
    const cidr = parseCidr(cidrText);
    if (!cidr) {
      this.add(Rules.invalidIpBlock, this.span(cidrNode!), path.child('cidr'), `Invalid value: ${goValue(cidrText)}: must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`);
      return;
    }
    const cidrProblem = strictCidrProblem(cidrText, cidr);
    if (cidrProblem) this.add(Rules.invalidIpBlock, this.span(cidrNode!), path.child('cidr'), `Invalid value: ${goValue(cidrText)}: ${cidrProblem}`);
    const exceptKey = entry(block, 'except')?.keySpan ?? keySpan;
    asSeqItems(child(block, 'except')).forEach((exceptNode, i) => {
      const exceptText = asString(exceptNode)?.value ?? (isNull(exceptNode) ? '' : undefined);
      if (exceptText === undefined) return;
      const exceptPath = path.child('except').index(i);
      const span = this.spanOr(exceptNode, exceptKey);
      const except = parseCidr(exceptText);
      if (!except) {
        this.add(Rules.invalidIpBlock, span, exceptPath, `Invalid value: ${goValue(exceptText)}: must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`);
        return;
      }
      const exceptProblem = strictCidrProblem(exceptText, except);
      if (exceptProblem) this.add(Rules.invalidIpBlock, span, exceptPath, `Invalid value: ${goValue(exceptText)}: ${exceptProblem}`);
      if (!isStrictSubset(except, cidr)) {
        this.add(Rules.invalidIpBlock, span, exceptPath, `Invalid value: ${goValue(exceptText)}: must be a strict subset of \`cidr\``);
      }
    });
  }

  private policyTypes(spec: YMap, path: FieldPath): void {
    const typesEntry = entry(spec, 'policyTypes');
    if (!typesEntry || !typesEntry.value || typesEntry.value.kind !== 'seq') return;
    const items = typesEntry.value.items;
    if (items.length > 2) {
      // A null item decodes as "" (the zero PolicyType).
      const values = items.map((item) => (item && item.kind === 'scalar' && item.value !== null ? item.value : ''));
      this.add(Rules.invalidPolicyTypes, typesEntry.keySpan, path, `Invalid value: ${jsonValue(values)}: may not specify more than two policyTypes`);
      return;
    }
    items.forEach((item, i) => {
      const value = item && item.kind === 'scalar' ? item.value : null;
      if (typeof value === 'string' && (value === 'Ingress' || value === 'Egress')) return;
      if (item && item.kind !== 'scalar') return;
      const text = typeof value === 'string' ? value : '';
      if (typeof value !== 'string' && value !== null) return;
      this.add(Rules.invalidPolicyTypes, this.spanOr(item, typesEntry.keySpan), path.index(i), `Unsupported value: ${jsonValue(text)}: supported values: "Ingress", "Egress"`);
    });
  }
}
