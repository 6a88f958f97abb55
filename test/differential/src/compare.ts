import { buildModelFromTexts } from '../../../server/src/service/model';
import type { PodInfo } from '../../../server/src/service/model';
import { Analyzer, createAnalyzer, explainConnection, externalEndpoint, podEndpoint, renderExplanation } from '../../../server/src/service/semantics';
import type { Endpoint, MatrixTable, SideVerdict } from '../../../server/src/service/semantics';
import { hasRepeatedPortName, Json, Protocol, protocols, renderScenario, Scenario } from './generate';
import { addressAllows, connectionAllows, ipv4Number, pairKey, PeerResult } from './peer';
import { Random } from './random';

/*
 * Known differences between np-guard netpol-analyzer v1.4.4 and Kubernetes, each handled by one
 * rule (the names are the classes that the summary counts):
 *
 * - self: the peer never reports a workload's connection to itself (includePairOfWorkloads in
 *   pkg/netpol/connlist/connlist.go skips src == dst); Kubernetes leaves loopback undefined
 *   (kubernetes #95879), so those pairs are not compared.
 * - ipblock-pod-ip: the peer never matches a pod with an ipBlock (ruleSelectsPeer in
 *   pkg/netpol/eval/internal/k8s/netpol.go: "assuming that peer of type Pod cannot be selected by
 *   IPBlock"), while our engine matches the pod's status.podIP, as the upstream e2e tests do. Pod
 *   pairs are therefore compared against our engine on the same set without pod addresses, and
 *   every place where the addresses change our verdict must be an allow by an ipBlock peer.
 * - named-port-first-match: when a pod declares a port name in two containers (allowed: names are
 *   unique per container), the peer resolves the name to the first declaration and then compares
 *   protocols (Pod.ConvertPodNamedPort in pkg/netpol/eval/internal/k8s/pod.go, the remainder of
 *   np-guard #405), while our engine takes the declaration with the rule's protocol. A
 *   disagreement is explained when our engine, given the set with the later declarations renamed,
 *   agrees with the peer.
 * - peer-nondeterministic: the peer visits the policies that select a pod in Go map order
 *   (getPoliciesSelectingPod in pkg/netpol/eval/check.go) and unions their port sets with
 *   AugmentedCanonicalSet.Union (pkg/netpol/internal/common/augmented_intervalset.go), whose result
 *   depends on that order: for the same input it sometimes drops part of a port range that one
 *   policy allows (findings/peer-union-order/). When the first run disagrees, the peer is run
 *   again on the same files; a disagreement is explained when one of those runs agrees with us.
 * - named-port-egress-ip, namespace-name-label: the peer gets an equivalent form of the set (see
 *   adapt.ts), and our engine must give the same verdicts on both forms.
 * - IPv6: the peer's IP blocks are IPv4 only (github.com/np-guard/models pkg/netset/ipblock.go works
 *   on 32-bit numbers), so the generator writes IPv4 blocks only.
 */

export type ProbeKind = 'pair' | 'to-address' | 'from-address';

export interface Disagreement {
  kind: ProbeKind | 'peer' | 'rewrite';
  from: string;
  to: string;
  port?: number;
  protocol?: Protocol;
  peer?: boolean;
  ours?: boolean;
  detail: string;
}

export interface SetReport {
  /** Ordered pairs of distinct workloads compared. */
  pairs: number;
  probes: number;
  addressProbes: number;
  /** Probes that the peer allows, to show that the sets are neither all-open nor all-closed. */
  allowed: number;
  addressAllowed: number;
  /** Explained differences, by class. */
  explained: Map<string, number>;
  /** How many disagreements are unexplained, and the first few of them. */
  failures: number;
  unexplained: Disagreement[];
}

/** The peer's name for a workload: `ns/name[Kind]`. */
export function peerName(pod: PodInfo): string {
  return `${pod.namespace}/${pod.name}[${pod.kind}]`;
}

function count(report: SetReport, name: string, n = 1): void {
  report.explained.set(name, (report.explained.get(name) ?? 0) + n);
}

function cidrRange(text: string): [number, number] {
  const [address, prefixText] = text.split('/');
  const size = 2 ** (32 - Number(prefixText));
  const start = Math.floor(ipv4Number(address) / size) * size;
  return [start, start + size - 1];
}

function ipv4Text(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

function collectIpBlocks(value: Json | undefined, into: string[]): void {
  if (Array.isArray(value)) for (const item of value) collectIpBlocks(item, into);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'ipBlock' && typeof item === 'object' && item !== null && !Array.isArray(item)) {
        if (typeof item.cidr === 'string') into.push(item.cidr);
        if (Array.isArray(item.except)) for (const e of item.except) if (typeof e === 'string') into.push(e);
      } else collectIpBlocks(item, into);
    }
  }
}

/** The ports worth probing: container ports, and every rule port and range bound with its neighbours. */
export function probePorts(scenario: Scenario, random: Random): number[] {
  const important = new Set<number>();
  const others = new Set<number>([1, 65535]);
  for (const w of scenario.workloads) for (const c of w.containers) for (const p of c.ports) important.add(p.containerPort);
  const visit = (value: Json | undefined): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) {
      if (typeof value.port === 'number') {
        const start = value.port;
        const end = typeof value.endPort === 'number' ? value.endPort : start;
        for (const p of [start, start - 1, end, end + 1, Math.floor((start + end) / 2)]) others.add(p);
      }
      Object.values(value).forEach(visit);
    }
  };
  scenario.policies.forEach((p) => visit(p.spec));
  const valid = (p: number) => p >= 1 && p <= 65535;
  const extra = [...others].filter((p) => valid(p) && !important.has(p));
  return [...important, ...random.sample(extra.sort((a, b) => a - b), Math.max(4, 20 - important.size))].sort((a, b) => a - b);
}

/** Addresses worth probing: each block's bounds and their neighbours, the pod addresses, and the extremes. */
export function probeAddresses(scenario: Scenario, random: Random): string[] {
  const texts: string[] = [];
  scenario.policies.forEach((p) => collectIpBlocks(p.spec, texts));
  const points = new Set<number>([0, 2 ** 32 - 1]);
  for (const text of texts) {
    const [start, end] = cidrRange(text);
    for (const p of [start, end, start - 1, end + 1, start + Math.floor((end - start) / 2)]) if (p >= 0 && p < 2 ** 32) points.add(p);
  }
  for (const w of scenario.workloads) if (w.ip) points.add(ipv4Number(w.ip));
  return random.sample([...points].sort((a, b) => a - b), 24).map(ipv4Text);
}

function analyze(texts: { path: string; text: string }[]): Analyzer {
  return createAnalyzer(buildModelFromTexts(texts));
}

function tableFor(tables: MatrixTable[], port: number, protocol: Protocol): MatrixTable {
  const table = tables.find((t) => t.port === port && t.protocol === protocol);
  if (!table) throw new Error(`no matrix table for ${protocol} ${port}`);
  return table;
}

/** Whether every side that pod addresses turned from deny to allow is allowed by an ipBlock peer. */
function allowedByIpBlock(full: SideVerdict, stripped: SideVerdict): boolean {
  if (!full.allowed || stripped.allowed) return true;
  return full.allowedBy.some((a) => a.peer?.ipBlock !== undefined);
}

type Texts = { path: string; text: string }[];

export interface CompareInput {
  /** The set as the peer read it. */
  scenario: Scenario;
  /** The peer's answers for the same files: the first run, then any reruns. */
  peers: PeerResult[];
  /** The set the peer read, with pod addresses; and the same without them. */
  full: Texts;
  stripped: Texts;
  /** When adapt.ts rewrote the set: which rewrites, and the original with and without pod addresses. */
  original?: { applied: string[]; full: Texts; stripped: Texts };
  random: Random;
  /** How many unexplained disagreements to keep per set. */
  keep: number;
}

export function compareSet(input: CompareInput): SetReport {
  const report: SetReport = { pairs: 0, probes: 0, addressProbes: 0, allowed: 0, addressAllowed: 0, explained: new Map(), failures: 0, unexplained: [] };
  // The detail (an explanation rendered as text) is only worked out for the disagreements kept.
  const note = (d: Omit<Disagreement, 'detail'>, detail: () => string) => {
    report.failures++;
    if (report.unexplained.length < input.keep) report.unexplained.push({ ...d, detail: detail() });
  };
  const full = analyze(input.full);
  const stripped = analyze(input.stripped);
  const pods = full.pods;
  const names = pods.map(peerName);
  if (stripped.pods.map(peerName).join() !== names.join()) throw new Error('the models with and without addresses have different pods');
  for (const name of input.peers[0].workloads) {
    if (!names.includes(name)) note({ kind: 'peer', from: name, to: '' }, () => `the peer reports a workload that our model lacks: ${name}`);
  }
  const ports = probePorts(input.scenario, input.random);
  const options = { ports, protocols };
  const fullTables = full.matrix(options).tables;
  const strippedTables = stripped.matrix(options).tables;
  // Our engine on the set with each port name kept on its first declaration only (named-port-first-match).
  const repeatedNames = hasRepeatedPortName(input.scenario);
  let firstNameTables: MatrixTable[] | undefined;
  let firstNameFull: Analyzer | undefined;
  const firstNameVerdict = (i: number, j: number, port: number, protocol: Protocol): boolean | undefined => {
    if (!repeatedNames) return undefined;
    firstNameTables ??= analyze(renderScenario(input.scenario, { withStatus: false, firstPortNameOnly: true })).matrix(options).tables;
    return tableFor(firstNameTables, port, protocol).allowed(i, j);
  };
  const firstNameAddressVerdict = (i: number, address: Endpoint, outgoing: boolean, port: number, protocol: Protocol): boolean | undefined => {
    if (!repeatedNames) return undefined;
    firstNameFull ??= analyze(renderScenario(input.scenario, { withStatus: true, firstPortNameOnly: true }));
    const pod = podEndpoint(firstNameFull.pods[i]);
    return outgoing ? firstNameFull.allows(pod, address, port, protocol) : firstNameFull.allows(address, pod, port, protocol);
  };

  for (let i = 0; i < pods.length; i++) {
    for (let j = 0; j < pods.length; j++) {
      if (i === j) {
        count(report, 'self', ports.length * protocols.length);
        continue;
      }
      report.pairs++;
      const sets = input.peers.map((p) => p.pairs.get(pairKey(names[i], names[j])));
      for (const protocol of protocols) {
        for (const port of ports) {
          report.probes++;
          const peer = connectionAllows(sets[0], port, protocol);
          const rerunsAgree = (ours: boolean) => sets.some((set) => connectionAllows(set, port, protocol) === ours);
          if (peer) report.allowed++;
          const withAddresses = tableFor(fullTables, port, protocol).allowed(i, j);
          const withoutAddresses = tableFor(strippedTables, port, protocol).allowed(i, j);
          const probe = { kind: 'pair' as const, from: pods[i].id, to: pods[j].id, port, protocol, peer };
          if (withoutAddresses !== peer) {
            if (rerunsAgree(withoutAddresses)) count(report, 'peer-nondeterministic');
            else if (firstNameVerdict(i, j, port, protocol) === peer) count(report, 'named-port-first-match');
            else note({ ...probe, ours: withoutAddresses }, () => 'pod to pod (our engine without pod addresses, as the peer)');
            continue;
          }
          if (withAddresses === withoutAddresses) continue;
          const a = explainConnection(full, podEndpoint(pods[i]), podEndpoint(pods[j]), port, protocol);
          const b = explainConnection(stripped, podEndpoint(stripped.pods[i]), podEndpoint(stripped.pods[j]), port, protocol);
          if (withAddresses && allowedByIpBlock(a.egress, b.egress) && allowedByIpBlock(a.ingress, b.ingress)) count(report, 'ipblock-pod-ip');
          else note({ ...probe, ours: withAddresses }, () => `pod addresses changed our verdict without an ipBlock allowing it:\n${renderExplanation(a, full.model)}`);
        }
      }
    }
  }

  const addresses = probeAddresses(input.scenario, input.random).map((ip) => {
    const endpoint = externalEndpoint(ip);
    if (!endpoint) throw new Error(`our engine cannot read the address ${ip}`);
    return { ip, value: ipv4Number(ip), endpoint };
  });
  for (let i = 0; i < pods.length; i++) {
    const pod = podEndpoint(pods[i]);
    for (const { ip, value, endpoint } of addresses) {
      for (const protocol of protocols) {
        for (const port of ports) {
          const check = (kind: ProbeKind, from: Endpoint, to: Endpoint, verdict: (peer: PeerResult) => boolean) => {
            const peer = verdict(input.peers[0]);
            report.addressProbes++;
            if (peer) report.addressAllowed++;
            const ours = full.allows(from, to, port, protocol);
            if (ours === peer) return;
            if (input.peers.some((p) => verdict(p) === ours)) {
              count(report, 'peer-nondeterministic');
              return;
            }
            if (firstNameAddressVerdict(i, endpoint, kind === 'to-address', port, protocol) === peer) {
              count(report, 'named-port-first-match');
              return;
            }
            const ends = kind === 'to-address' ? { from: pods[i].id, to: ip } : { from: ip, to: pods[i].id };
            note({ kind, ...ends, port, protocol, peer, ours }, () => renderExplanation(explainConnection(full, from, to, port, protocol), full.model));
          };
          check('to-address', pod, endpoint, (p) => addressAllows(p.toAddresses, value, names[i], port, protocol));
          check('from-address', endpoint, pod, (p) => addressAllows(p.fromAddresses, value, names[i], port, protocol));
        }
      }
    }
  }

  if (input.original) {
    // Our engine must not tell the two forms apart: pod pairs (addresses aside), and pods with addresses.
    const original = analyze(input.original.stripped);
    const originalFull = analyze(input.original.full);
    const originalTables = original.matrix(options).tables;
    const rewrite = input.original.applied.join(' and ');
    let differences = 0;
    const differ = (from: string, to: string, port: number, protocol: Protocol, before: boolean) => {
      differences++;
      note({ kind: 'rewrite', from, to, port, protocol, ours: before }, () => `our verdict on the original set differs from the one on the set after ${rewrite}`);
    };
    for (const protocol of protocols) {
      for (const port of ports) {
        const before = tableFor(originalTables, port, protocol);
        const after = tableFor(strippedTables, port, protocol);
        for (let i = 0; i < pods.length; i++) {
          for (let j = 0; j < pods.length; j++) if (before.allowed(i, j) !== after.allowed(i, j)) differ(pods[i].id, pods[j].id, port, protocol, before.allowed(i, j));
          const podBefore = podEndpoint(originalFull.pods[i]);
          const podAfter = podEndpoint(pods[i]);
          for (const { ip, endpoint } of addresses) {
            const out = originalFull.allows(podBefore, endpoint, port, protocol);
            if (out !== full.allows(podAfter, endpoint, port, protocol)) differ(pods[i].id, ip, port, protocol, out);
            const into = originalFull.allows(endpoint, podBefore, port, protocol);
            if (into !== full.allows(endpoint, podAfter, port, protocol)) differ(ip, pods[i].id, port, protocol, into);
          }
        }
      }
    }
    if (differences === 0) for (const name of input.original.applied) count(report, name);
  }
  return report;
}
