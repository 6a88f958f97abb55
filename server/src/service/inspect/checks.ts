import type { ConnectivityChecksParams, ConnectivityChecksResult } from '../../protocol';
import type { ClusterModel, Direction, PodInfo, PolicyInfo, Protocol, RuleInfo, ServiceInfo } from '../model/types';
import type { ParsedFile } from '../parse/parseFile';
import { analyseFile, WorkspaceFile, workspaceModel } from '../lint/context';
import { defaultDnsSettings, DnsSettings, dnsAllowed, dnsEndpoints } from '../lint/dns';
import type { Analyzer } from '../semantics/analyzer';
import { explainConnection } from '../semantics/explain';
import { Endpoint, externalEndpoint, podEndpoint } from '../semantics/peers';
import { resolveNamedPort } from '../semantics/ports';
import type { Cidr } from '../validation/cidr';
import { isLabelKey, isLabelValue } from '../validation/k8sValidation';
import { analyzerWith, dnsPods } from './endpoints';

/**
 * "Generate connectivity checks" for one policy: for the flows it allows (each rule, each
 * pod its peers match, each port), the commands of the Kubernetes troubleshooting guide — a
 * throwaway busybox pod in the source's namespace with the source's labels, so the same
 * policies apply to it, trying one connection with a short timeout — and one flow that
 * nothing allows, each with the result the workspace's policies predict. The targets are
 * Service names where a Service exposes the pod's port (the Service's port, since policies
 * see the pod's port after translation), else the pod's IP looked up at run time.
 */

export interface ChecksOptions {
  dns?: DnsSettings;
  defaultNamespace?: string;
  /** At most this many allowed flows get a check; the rest are counted. */
  maxChecks?: number;
}

const IMAGE = 'busybox:1.36';
const DEFAULT_MAX_CHECKS = 30;

/** A word for a POSIX shell: as is when it has only safe characters, else in single quotes. */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Text for a `#` comment: one line. */
function comment(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

type Destination = { kind: 'pod'; pod: PodInfo } | { kind: 'address'; ip: string };

interface Flow {
  direction: Direction;
  source: PodInfo;
  destination: Destination;
  port: number;
  protocol: Protocol;
  portName?: string;
  /** Which rule, peer and port of the policy allow it. */
  because: string;
}

/** The ports a rule admits on a destination, as concrete numbers. */
interface ConcretePort {
  port: number;
  protocol: Protocol;
  /** The destination's name for the container port, if it has one. */
  name?: string;
  /** The rule's ports entry that admits it, as written ("port 1 (http)", "every port"). */
  entry: string;
}

function portsOn(rule: RuleInfo, destination: Destination): ConcretePort[] {
  const declared = destination.kind === 'pod' ? destination.pod.ports : [];
  const result: ConcretePort[] = [];
  const add = (port: number, protocol: Protocol, entry: string) => {
    if (result.some((r) => r.port === port && r.protocol === protocol)) return;
    const name = declared.find((p) => p.containerPort === port && p.protocol === protocol)?.name;
    result.push(name ? { port, protocol, name, entry } : { port, protocol, entry });
  };
  if (rule.ports.length === 0) {
    for (const p of declared) add(p.containerPort, p.protocol, 'every port');
    return result;
  }
  for (const entry of rule.ports) {
    if (entry.problem) continue;
    const label = `port ${entry.index + 1}`;
    if (entry.port === undefined) {
      for (const p of declared) if (p.protocol === entry.protocol) add(p.containerPort, p.protocol, `${label}: every ${entry.protocol} port`);
    } else if (typeof entry.port === 'number') {
      const range = entry.endPort !== undefined && entry.endPort !== entry.port;
      add(entry.port, entry.protocol, `${label}: ${entry.protocol} ${entry.port}${range ? `-${entry.endPort}` : ''}`);
      if (range) add(entry.endPort!, entry.protocol, `${label}: ${entry.protocol} ${entry.port}-${entry.endPort}`);
    } else if (destination.kind === 'pod') {
      const resolved = resolveNamedPort(destination.pod, entry.port, entry.protocol);
      if (resolved) add(resolved.containerPort, resolved.protocol, `${label}: ${entry.protocol} ${entry.port}`);
    }
  }
  return result;
}

/** The one address of a /32 or /128 block without exceptions. */
function single(cidr: Cidr | undefined, except: number): string | undefined {
  if (!cidr || except > 0) return undefined;
  return cidr.prefix === (cidr.family === 4 ? 32 : 128) ? cidr.address.toString() : undefined;
}

function destinationName(destination: Destination): string {
  return destination.kind === 'pod' ? destination.pod.id : destination.ip;
}

function destinationEndpoint(destination: Destination): Endpoint {
  return destination.kind === 'pod' ? podEndpoint(destination.pod) : externalEndpoint(destination.ip)!;
}

/** Labels as kubectl's `--labels` and `-l` take them. */
function labelList(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

class ScriptWriter {
  private readonly out: string[] = [];
  private readonly notes: string[] = [];
  private count = 0;
  private readonly dns: ReturnType<typeof dnsPods>;
  private readonly dnsCapable = new Map<PodInfo, boolean>();

  constructor(
    private analyzer: Analyzer,
    private readonly policy: PolicyInfo,
    private readonly options: Required<Pick<ChecksOptions, 'dns' | 'maxChecks'>>,
  ) {
    this.dns = dnsPods(analyzer.model, options.dns);
    // The cluster DNS is rarely among the manifests; a stand-in lets the DNS rules be checked.
    if (this.dns.standIn) this.analyzer = analyzerWith(analyzer, this.dns.standIn);
  }

  private get model(): ClusterModel {
    return this.analyzer.model;
  }

  private isStandIn(pod: PodInfo): boolean {
    return pod === this.dns.standIn;
  }

  /** A source a throwaway pod can stand in for: not one on the host network. */
  private usableSource(pod: PodInfo): boolean {
    if (pod.hostNetwork) {
      this.note(`${pod.id} uses the host network; a throwaway pod cannot stand in for it as a source, so it is left out.`);
      return false;
    }
    return true;
  }

  private note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  /** The flows the policy's rules allow, rule by rule. */
  private flows(): Flow[] {
    const policy = this.policy;
    const selected = this.analyzer.selectedPods(policy).filter((p) => !this.isStandIn(p));
    const flows: Flow[] = [];
    const seen = new Set<string>();
    const push = (flow: Flow) => {
      const key = `${flow.source.id}|${destinationName(flow.destination)}|${flow.port}|${flow.protocol}`;
      if (seen.has(key)) return;
      seen.add(key);
      flows.push(flow);
    };
    for (const direction of ['ingress', 'egress'] as const) {
      if (!policy.policyTypes[direction]) continue;
      for (const rule of policy[direction]) {
        const ruleName = `${direction} rule ${rule.index + 1}`;
        if (rule.peers.length === 0) {
          this.note(
            `${policy.id} ${ruleName} allows ${direction === 'ingress' ? 'every source' : 'every destination'}; ${direction === 'ingress' ? 'the pods of the workspace are tried as sources' : 'there is no list of destinations to try'}.`,
          );
        }
        const peers = rule.peers.length === 0 ? [undefined] : rule.peers;
        for (const peer of peers) {
          const peerName = peer ? `${direction === 'ingress' ? 'from' : 'to'} peer ${peer.index + 1}` : `no ${direction === 'ingress' ? 'from' : 'to'} list`;
          let others: Destination[] = [];
          if (peer?.ipBlock) {
            const address = single(peer.ipBlock.cidr, peer.ipBlock.except.length);
            if (address && direction === 'egress') others = [{ kind: 'address', ip: address }];
            else
              this.note(
                `${policy.id} ${ruleName} ${peerName} is ipBlock ${peer.ipBlock.cidrText}${peer.ipBlock.except.length > 0 ? ` except ${peer.ipBlock.except.map((e) => e.text).join(', ')}` : ''}: ${direction === 'ingress' ? 'test it from a host with an address in that range' : 'pick an address in that range and test it by hand'}.`,
              );
          } else if (peer) {
            others = this.analyzer
              .peerPods(policy, peer)
              .filter((p) => direction === 'egress' || !this.isStandIn(p))
              .map((pod) => ({ kind: 'pod', pod }) as Destination);
            if (others.length === 0) this.note(`${policy.id} ${ruleName} ${peerName} matches no pod of the workspace: nothing to try.`);
          } else if (direction === 'ingress') {
            others = this.model.pods.filter((p) => !selected.includes(p) && p.kind !== 'DaemonSet').map((pod) => ({ kind: 'pod', pod }) as Destination);
          }
          for (const other of others) {
            for (const own of selected) {
              if (direction === 'ingress' && other.kind !== 'pod') continue;
              const source = direction === 'ingress' && other.kind === 'pod' ? other.pod : own;
              const destination: Destination = direction === 'ingress' ? { kind: 'pod', pod: own } : other;
              if ((destination.kind === 'pod' && destination.pod === source) || !this.usableSource(source)) continue;
              const ports = portsOn(rule, destination);
              if (ports.length === 0) {
                this.note(
                  `${policy.id} ${ruleName}: no port to try on ${destinationName(destination)} (${rule.ports.length === 0 ? 'the rule allows every port and the pod declares none' : 'its ports do not resolve there'}).`,
                );
              }
              for (const port of ports) {
                push({ direction, source, destination, port: port.port, protocol: port.protocol, portName: port.name, because: `${ruleName} (${peerName}, ${port.entry})` });
              }
            }
          }
        }
      }
    }
    if (selected.length === 0) this.note(`${policy.id} selects no pod of the workspace, so there is no flow to try.`);
    return flows;
  }

  /** Whether the source may look up names: if not, targets are written as addresses. */
  private canResolve(source: PodInfo): boolean {
    let known = this.dnsCapable.get(source);
    if (known === undefined) {
      const endpoints = dnsEndpoints(this.model, this.dns.target);
      known = dnsAllowed(this.analyzer, source, endpoints, this.dns.target.port).udp;
      this.dnsCapable.set(source, known);
    }
    return known;
  }

  private isDnsPod(pod: PodInfo): boolean {
    const pods = this.dns.target.pods;
    return pods !== undefined && pod.namespace === pods.namespace && Object.entries(pods.labels).every(([k, v]) => pod.labels[k] === v);
  }

  private serviceFor(pod: PodInfo, port: number, protocol: Protocol): { service: ServiceInfo; port: number } | undefined {
    for (const service of this.model.services) {
      if (service.namespace !== pod.namespace || !service.selector || Object.keys(service.selector).length === 0) continue;
      if (!Object.entries(service.selector).every(([k, v]) => pod.labels[k] === v)) continue;
      for (const p of service.ports) {
        if (p.protocol !== protocol) continue;
        const target = typeof p.targetPort === 'number' ? p.targetPort : resolveNamedPort(pod, p.targetPort, protocol)?.containerPort;
        if (target === port) return { service, port: p.port };
      }
    }
    return undefined;
  }

  /** The kubectl command that finds a pod's IP at run time. */
  private podIpLookup(pod: PodInfo): string {
    if (pod.kind === 'Pod' && !this.isStandIn(pod)) return `kubectl get pod -n ${shellQuote(pod.namespace)} ${shellQuote(pod.name)} -o jsonpath='{.status.podIP}'`;
    return `kubectl get pod -n ${shellQuote(pod.namespace)} -l ${shellQuote(labelList(pod.labels))} -o jsonpath='{.items[0].status.podIP}'`;
  }

  private looksHttp(port: number, name?: string): boolean {
    if (name && /https|tls|grpc|pg|sql|redis|amqp|dns/i.test(name)) return false;
    if (name && /http|web|metrics/i.test(name)) return true;
    return [80, 3000, 5000, 8000, 8080, 8081, 9090].includes(port);
  }

  /** One check: the comment, an address lookup if needed, the kubectl run, and the comparison. */
  private check(flow: Flow, heading: string, expectedNote?: string): void {
    const n = ++this.count;
    const source = flow.source;
    const destination = flow.destination;
    const description = `${source.id} -> ${destinationName(destination)} ${flow.protocol} ${flow.port}`;
    const explanation = explainConnection(this.analyzer, podEndpoint(source), destinationEndpoint(destination), flow.port, flow.protocol);
    const expected = explanation.allowed ? 'allowed' : 'denied';
    const lines: string[] = [];
    lines.push(`# ${n}. ${comment(heading)}: ${comment(description)}${flow.portName ? ` (${comment(flow.portName)})` : ''}`);
    let why = '';
    if (!explanation.allowed) {
      const sides = [
        explanation.egress.allowed ? '' : `the egress side (the policies selecting ${source.id})`,
        explanation.ingress.allowed ? '' : `the ingress side (the policies selecting ${destinationName(destination)})`,
      ].filter(Boolean);
      why = ` Denied by ${sides.join(' and ')}${expectedNote ? '' : ', although this policy allows it'}.`;
    }
    lines.push(`#    Expected: ${expected}.${comment(why)}${expectedNote ? ` ${comment(expectedNote)}` : ''}`);
    const invalid = Object.entries(source.labels).filter(([key, value]) => isLabelKey(key).length > 0 || isLabelValue(value).length > 0);
    if (invalid.length > 0) {
      this.note(`${source.id} has labels that are not valid in Kubernetes (${invalid.map(([k, v]) => JSON.stringify(`${k}=${v}`)).join(', ')}): kubectl will refuse to start its check pods.`);
    }
    const labels = Object.keys(source.labels).length > 0 ? ` ${shellQuote(`--labels=${labelList(source.labels)}`)}` : '';
    const run = `kubectl run np-check-${n} -n ${shellQuote(source.namespace)} --rm -i --restart=Never --image=${IMAGE}${labels} --`;
    const verdict = `expect ${expected} ${shellQuote(description)} $?`;

    if (flow.protocol === 'SCTP') {
      lines.push(
        `#    SCTP: busybox cannot test it. Use an SCTP client (for example ncat --sctp) in a pod with the labels ${comment(labelList(source.labels)) || '(none)'} in ${comment(source.namespace)}.`,
      );
      this.out.push(...lines, '');
      return;
    }
    let command: string;
    let lookup: string | undefined;
    let host: string;
    let port = flow.port;
    let what: string | undefined;
    if (destination.kind === 'address') {
      host = destination.ip;
    } else if (flow.protocol === 'UDP' && this.isDnsPod(destination.pod) && flow.port === this.dns.target.port) {
      // A name lookup through the pod's resolver is the real DNS client.
      lines.push(`#    A name lookup through the pod's resolver (the cluster DNS Service; policies see the DNS pods' port ${flow.port}).`);
      this.out.push(...lines, `${run} nslookup kubernetes.default.svc.cluster.local`, verdict, '');
      return;
    } else {
      const pod = destination.pod;
      const service = this.serviceFor(pod, flow.port, flow.protocol);
      if (service && this.canResolve(source)) {
        host = `${service.service.name}.${service.service.namespace}.svc.cluster.local`;
        port = service.port;
        what = `Through Service ${service.service.id} port ${service.port}${service.port !== flow.port ? ` (targetPort ${flow.port}: policies see ${flow.port})` : ''}.`;
      } else if (service) {
        lookup = `kubectl get service -n ${shellQuote(service.service.namespace)} ${shellQuote(service.service.name)} -o jsonpath='{.spec.clusterIP}'`;
        host = '$ip';
        port = service.port;
        what = `Through Service ${service.service.id} port ${service.port}${service.port !== flow.port ? ` (targetPort ${flow.port}: policies see ${flow.port})` : ''}, by its cluster IP: ${source.id} may not look names up (its egress does not allow DNS).`;
      } else {
        lookup = this.podIpLookup(pod);
        host = '$ip';
        what = `No Service of the workspace exposes this port of ${pod.id}, so its pod IP.`;
      }
    }
    if (what) lines.push(`#    ${comment(what)}`);
    const hostWord = host === '$ip' ? '"$ip"' : shellQuote(host);
    if (flow.protocol === 'UDP') {
      lines.push(`#    UDP: nc -zu cannot see a dropped datagram; a denied flow may look allowed.`);
      command = `${run} nc -zu -w1 ${hostWord} ${port}`;
    } else if (this.looksHttp(flow.port, flow.portName)) {
      const authority = host.includes(':') ? `[${host}]` : host;
      const url = `http://${authority}:${port}`;
      command = `${run} wget --spider --timeout=1 -q ${host === '$ip' ? `"http://$ip:${port}"` : shellQuote(url)}`;
    } else {
      command = `${run} nc -z -w1 ${hostWord} ${port}`;
    }
    this.out.push(...lines);
    if (lookup) {
      this.out.push(
        `ip=$(${lookup})`,
        'if [ -z "$ip" ]; then',
        `  echo ${shellQuote(`skipped: ${description}: no address found for ${destinationName(destination)}`)}`,
        'else',
        `  ${command}`,
        `  ${verdict}`,
        'fi',
        '',
      );
    } else {
      this.out.push(command, verdict, '');
    }
  }

  /** A flow that nothing allows, on the side this policy isolates, to see the policy bite. */
  private deniedFlow(direction: Direction, flows: Flow[]): Flow | undefined {
    const selected = this.analyzer.selectedPods(this.policy).filter((p) => !p.hostNetwork && !this.isStandIn(p));
    const own = selected[0];
    if (!own) return undefined;
    const sameNamespaceFirst = (a: PodInfo, b: PodInfo) => Number(b.namespace === own.namespace) - Number(a.namespace === own.namespace) || a.id.localeCompare(b.id);
    const candidates = this.model.pods.filter((p) => !selected.includes(p) && !p.hostNetwork && !this.isStandIn(p) && p.kind !== 'DaemonSet').sort(sameNamespaceFirst);
    const flowOnOwn = flows.find((f) => f.direction === direction && (direction === 'ingress' ? f.destination.kind === 'pod' && f.destination.pod === own : f.source === own));
    for (const other of candidates) {
      let port: number;
      let protocol: Protocol;
      let portName: string | undefined;
      if (direction === 'ingress') {
        if (flows.some((f) => f.direction === 'ingress' && f.source === other)) continue;
        const p = flowOnOwn ?? { port: own.ports[0]?.containerPort ?? 80, protocol: own.ports[0]?.protocol ?? ('TCP' as Protocol), portName: own.ports[0]?.name };
        ({ port, protocol, portName } = p);
      } else {
        if (flows.some((f) => f.direction === 'egress' && f.destination.kind === 'pod' && f.destination.pod === other)) continue;
        const declared = other.ports.find((p) => p.protocol === 'TCP') ?? other.ports[0];
        port = declared?.containerPort ?? 80;
        protocol = declared?.protocol ?? 'TCP';
        portName = declared?.name;
      }
      const [from, to] = direction === 'ingress' ? [other, own] : [own, other];
      const explanation = explainConnection(this.analyzer, podEndpoint(from), podEndpoint(to), port, protocol);
      if (explanation[direction].allowed) continue;
      return { direction, source: from, destination: { kind: 'pod', pod: to }, port, protocol, portName, because: '' };
    }
    return undefined;
  }

  write(file: string): string {
    const policy = this.policy;
    const flows = this.flows();
    const shown = flows.slice(0, this.options.maxChecks);
    const isolates = (['ingress', 'egress'] as const).filter((d) => policy.policyTypes[d]).map((d) => (d === 'ingress' ? 'Ingress' : 'Egress'));
    const head = [
      '#!/bin/sh',
      `# Connectivity checks for NetworkPolicy ${comment(policy.id)}`,
      `# (${comment(file)})`,
      '#',
      `# The policy isolates its pods for ${isolates.length > 0 ? isolates.join(' and ') : 'nothing'}. Each check below starts a throwaway busybox`,
      "# pod in the source's namespace with the source's labels, so that the same policies apply to",
      '# it, tries one connection with a one-second timeout, and compares the outcome with the',
      '# result expected from every policy of the workspace. Run it with kubectl pointed at a',
      "# cluster where the workspace's manifests are applied.",
      '#',
      '# Caution: while a check pod runs (a few seconds), Services and controllers that select its',
      '# labels count it too. Prefer a test cluster, or run the command after "--" with kubectl exec',
      '# in a real source pod.',
      '',
      'unexpected=0',
      'expect() {',
      "  # expect EXPECTED DESCRIPTION STATUS: compares a check's exit status with the expected result.",
      '  if [ "$3" -eq 0 ]; then got=allowed; else got=denied; fi',
      '  if [ "$got" = "$1" ]; then',
      '    echo "ok: $2: $got"',
      '  else',
      '    echo "UNEXPECTED: $2: $got, expected $1"',
      '    unexpected=$((unexpected + 1))',
      '  fi',
      '}',
      '',
    ];
    for (const flow of shown) this.check(flow, `Allowed by ${flow.because}`);
    const standIn = this.dns.standIn;
    if (standIn && [...flows].some((f) => f.destination.kind === 'pod' && f.destination.pod === standIn)) {
      this.note(`${standIn.id} stands for the cluster DNS (${this.dns.target.description}), which the workspace does not define: pods labelled ${labelList(standIn.labels)} in ${standIn.namespace}.`);
    }
    if (flows.length > shown.length) this.out.push(`# ... and ${flows.length - shown.length} more flows that this policy allows, not listed.`, '');
    for (const direction of ['ingress', 'egress'] as const) {
      if (!policy.policyTypes[direction]) continue;
      const denied = this.deniedFlow(direction, flows);
      if (denied) this.check(denied, `Nothing allows this (${direction})`, `This is the ${direction} isolation at work.`);
    }
    if (this.count === 0) this.out.push('# No check could be written: see the notes below.', '');
    const notes = this.notes.length > 0 ? ['# Notes:', ...this.notes.map((n) => `# - ${comment(n)}`), ''] : [];
    const tail = ['echo "$unexpected unexpected result(s)"', '[ "$unexpected" -eq 0 ]', ''];
    return [...head, ...this.out, ...notes, ...tail].join('\n');
  }
}

/** The script of checks for one policy of the analyzer's model. */
export function connectivityChecksScript(analyzer: Analyzer, policy: PolicyInfo, options: ChecksOptions = {}): string {
  const writer = new ScriptWriter(analyzer, policy, { dns: options.dns ?? defaultDnsSettings, maxChecks: options.maxChecks ?? DEFAULT_MAX_CHECKS });
  return writer.write(policy.location.file);
}

/**
 * The policy a request names: by id (preferring the one in `uri`), or the policy around the
 * position in `uri`. A string says why there is none.
 */
export function findRequestedPolicy(model: ClusterModel, params: ConnectivityChecksParams, file: ParsedFile | undefined): PolicyInfo | string {
  if (params.policyId) {
    const candidates = model.policies.filter((p) => p.id === params.policyId);
    if (candidates.length === 0) return `No NetworkPolicy ${params.policyId} in the workspace.`;
    return candidates.find((p) => p.location.file === params.uri) ?? candidates[0];
  }
  const position = params.position;
  if (!position || !file || !Number.isInteger(position.line) || !Number.isInteger(position.character)) return 'No NetworkPolicy given: place the cursor in a NetworkPolicy.';
  const offset = file.lines.offsetAt(position);
  const policy = model.policies.find((p) => p.location.file === params.uri && offset >= p.location.span[0] && offset <= p.location.span[1]);
  return policy ?? 'No NetworkPolicy at the cursor: place it inside a NetworkPolicy manifest.';
}

/** The request handler's work: find the policy, write its checks. */
export function connectivityChecksFor(workspace: readonly WorkspaceFile[], params: ConnectivityChecksParams, file: ParsedFile | undefined, options: ChecksOptions = {}): ConnectivityChecksResult {
  if (!params || typeof params.uri !== 'string') return { message: 'No document given.' };
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const { analyzer } = file ? analyseFile(file, { uri: params.uri, workspace, dns: options.dns, defaultNamespace }) : workspaceModel(workspace, defaultNamespace);
  const policy = findRequestedPolicy(analyzer.model, params, file);
  if (typeof policy === 'string') return { message: policy };
  return { text: connectivityChecksScript(analyzer, policy, options) };
}
