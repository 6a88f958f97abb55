import type { ClusterModel, Direction, PeerInfo, PodInfo, PolicyInfo, PortInfo, RuleInfo } from '../model/types';
import type { Manifest } from '../parse/parseFile';
import { child, entry, Span, YMap } from '../parse/yamlView';
import { Rules } from '../rules';
import { Analyzer, createAnalyzer } from '../semantics/analyzer';
import { describePeer, describePorts, describeSelectorConditions } from '../semantics/render';
import { selectorMatches } from '../semantics/selectors';
import { headSpan, Finding } from '../validation/finding';
import { drain, FileAnalysis, manifestOf, peerNode, portNode, ruleNode, specOf } from './context';
import { dnsAllowed, dnsEndpoints, dnsTarget, labelsSatisfying } from './dns';
import { detectCnis, enforcingCniNames } from './cni';
import { definedBy } from '../model/sources';

/**
 * Warnings and notes about what a policy does: the seven causes of blocked connections and
 * the forms that surprise people. Each finding carries the indices its quick fix needs.
 */
export function lintPolicies(analysis: FileAnalysis): Finding[] {
  return drain(lintPolicySteps(analysis));
}

/** `lintPolicies` one policy at a time: it yields after each, so that a caller can give other work a turn. */
export function* lintPolicySteps(analysis: FileAnalysis): Generator<void, Finding[]> {
  const findings: Finding[] = [];
  const linter = new PolicyLinter(analysis, findings);
  const plugins = new Map<string, ReturnType<typeof networkPlugin>>();
  // A document with a syntax error is being typed: its first error says enough.
  const broken = analysis.file.documents.filter((d) => d.errors.length > 0).map((d) => d.span);
  yield;
  for (const policy of analysis.policies) {
    if (broken.some(([start, end]) => policy.location.span[0] >= start && policy.location.span[0] <= end)) continue;
    if (linter.needsStandIns(policy)) yield* linter.standInSteps();
    linter.lint(policy);
    const folder = folderOf(policy.location.file);
    if (!plugins.has(folder)) plugins.set(folder, networkPlugin(analysis.model, folder));
    const cni = plugins.get(folder);
    if (cni && !cni.enforces) linter.cniNotEnforcing(policy, cni.daemonSet);
    yield;
  }
  return findings;
}


function folderOf(file: string): string {
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return slash >= 0 ? file.slice(0, slash + 1) : '';
}

/**
 * The network plugin the workspace's DaemonSets show, if any. A DaemonSet manifest is taken
 * to describe the cluster of the manifests in its folder and below, so that a repository of
 * several clusters (or of examples) is not judged by one of them.
 */
export function networkPlugin(model: ClusterModel, folder?: string): { daemonSet: PodInfo; enforces: boolean } | undefined {
  const daemonSets = model.pods.filter((p) => p.kind === 'DaemonSet' && (folder === undefined || folder.startsWith(folderOf(p.location.file))));
  // Network plugins by the names of their agents' DaemonSets (one list: ./cni.ts).
  const found = detectCnis(daemonSets);
  const enforcing = found.find((f) => f.cni.enforces === true);
  if (enforcing) return { daemonSet: enforcing.daemonSet, enforces: true };
  const other = found.find((f) => f.cni.enforces === false);
  return other ? { daemonSet: other.daemonSet, enforces: false } : undefined;
}

function isSystemNamespace(name: string): boolean {
  return name === 'kube-system' || name === 'kube-public' || name === 'kube-node-lease' || name.startsWith('openshift-');
}

const directionName = (d: Direction) => (d === 'ingress' ? 'Ingress' : 'Egress');

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "3 pods (shop/web, shop/Deployment/api, ...)" */
function podList(pods: readonly PodInfo[], limit = 5): string {
  if (pods.length === 0) return 'no pod in the workspace files';
  const names = pods.slice(0, limit).map((p) => p.id);
  const more = pods.length > limit ? `, and ${pods.length - limit} more` : '';
  return `${plural(pods.length, 'pod')} (${names.join(', ')}${more})`;
}

/** The selected pods by name when the workspace knows them, else by the selector. */
function whoIsSelected(policy: PolicyInfo, selected: readonly PodInfo[]): string {
  return selected.length > 0 ? podList(selected) : `${selectionPhrase(policy)} (none in the workspace files)`;
}

export function selectionPhrase(policy: PolicyInfo): string {
  const conditions = describeSelectorConditions(policy.podSelector);
  return conditions ? `the pods ${conditions} in namespace ${policy.namespace}` : `every pod in namespace ${policy.namespace}`;
}

class PolicyLinter {
  private readonly text: string;
  private readonly dnsByPod = new Map<PodInfo, { udp: boolean; tcp: boolean }>();
  private readonly dnsEndpointCache = new Map<Analyzer, import('../semantics/peers').Endpoint[]>();
  private standInCache?: { pods: Map<PolicyInfo, PodInfo>; analyzer: Analyzer };

  /**
   * Stand-in pods for the policies of this file that select no pod the workspace knows, all
   * in one extra model, so that the engine is built once rather than once per policy.
   */
  private standIns(): { pods: Map<PolicyInfo, PodInfo>; analyzer: Analyzer } {
    return this.standInCache ?? drain(this.standInSteps());
  }

  /** Whether linting this policy may need the stand-ins (see dns): they are then built ahead, in steps. */
  needsStandIns(policy: PolicyInfo): boolean {
    return !this.standInCache && policy.policyTypes.egress && policy.egress.length > 0 && this.analysis.analyzer.selectedPods(policy).length === 0;
  }

  *standInSteps(): Generator<void, { pods: Map<PolicyInfo, PodInfo>; analyzer: Analyzer }> {
    if (this.standInCache) return this.standInCache;
    const pods = new Map<PolicyInfo, PodInfo>();
    for (const policy of this.analysis.policies) {
      if (!policy.policyTypes.egress || policy.egress.length === 0) continue;
      if (this.analysis.analyzer.selectedPods(policy).length > 0) continue;
      const labels = labelsSatisfying(policy);
      if (!labels) continue;
      pods.set(policy, {
        id: `${policy.namespace}/(pods selected by ${policy.name})`,
        namespace: policy.namespace,
        name: `(pods selected by ${policy.name})`,
        kind: 'Pod',
        namespaceExplicit: true,
        labels,
        ports: [],
        ips: [],
        hostNetwork: false,
        location: policy.location,
      });
    }
    const model: ClusterModel = { ...this.analysis.model, pods: [...this.analysis.model.pods, ...pods.values()] };
    yield;
    // The workspace's engine, extended with the stand-ins (see Analyzer.extend).
    this.standInCache = { pods, analyzer: pods.size > 0 ? createAnalyzer(model, this.analysis.analyzer) : this.analysis.analyzer };
    return this.standInCache;
  }

  constructor(
    private readonly analysis: FileAnalysis,
    private readonly findings: Finding[],
  ) {
    this.text = analysis.file.text;
  }

  private add(rule: (typeof Rules)[keyof typeof Rules], span: Span, message: string, data: Record<string, unknown>): void {
    this.findings.push({ rule, span, message, data });
  }

  lint(policy: PolicyInfo): void {
    const manifest = manifestOf(this.analysis, policy);
    if (!manifest) return;
    const spec = specOf(manifest);
    const selected = this.analysis.analyzer.selectedPods(policy);
    const podSelectorKey = entry(spec, 'podSelector')?.keySpan ?? entry(manifest.node, 'spec')?.keySpan ?? headSpan(manifest.node, this.text);
    const nameSpan = policy.nameSpan ?? podSelectorKey;
    const base = { policy: policy.id };

    // Implied policyTypes (causes 1 and 3).
    const egressKey = policy.egressKeySpan ?? podSelectorKey;
    const impliedIngress = !policy.policyTypes.explicit && policy.egress.length > 0 && policy.ingress.length === 0 && policy.ingressKeySpan === undefined;
    if (impliedIngress) {
      this.add(
        Rules.impliedIngress,
        egressKey,
        `policyTypes is not written, so the API server sets it to [Ingress, Egress]: besides egress, this policy isolates ${whoIsSelected(policy, selected)} for ingress, and with no ingress rules they accept no incoming traffic unless another policy allows it. Write policyTypes: [Egress] if only egress was meant.`,
        { ...base, fix: 'policy-types' },
      );
    } else if (!policy.policyTypes.explicit && policy.egress.length > 0) {
      this.add(
        Rules.impliedEgress,
        egressKey,
        `policyTypes is not written, so the API server adds Egress because spec.egress has ${plural(policy.egress.length, 'rule')}: ${whoIsSelected(policy, selected)} may now connect only to what these rules (and other policies selecting them) allow; everything else is blocked.`,
        { ...base, fix: 'policy-types' },
      );
    }

    // Default deny per direction (cause 1).
    const denied = (['ingress', 'egress'] as const).filter((d) => policy.policyTypes[d] && policy[d].length === 0 && !(d === 'ingress' && impliedIngress));
    if (denied.length > 0) {
      const names = denied.map(directionName).join(' and ');
      const what = denied.length === 2 ? 'no traffic in or out' : denied[0] === 'ingress' ? 'no incoming traffic' : 'no outgoing traffic';
      const scope = selected.length > 0 ? podList(selected) : `${selectionPhrase(policy)} (${podList(selected)})`;
      this.add(
        Rules.defaultDeny,
        podSelectorKey,
        `Default deny for ${names}: this policy isolates ${scope} and allows ${what}; only other policies that select the same pods can allow it.`,
        { ...base, directions: denied },
      );
    }

    // Rules that explicit policyTypes switch off.
    if (policy.policyTypes.explicit) {
      for (const direction of ['ingress', 'egress'] as const) {
        const key = direction === 'ingress' ? policy.ingressKeySpan : policy.egressKeySpan;
        if (!policy.policyTypes[direction] && policy[direction].length > 0 && key) {
          this.add(
            Rules.ignoredRules,
            key,
            `policyTypes does not list ${directionName(direction)}, so ${policy[direction].length === 1 ? `this ${direction} rule is` : `these ${policy[direction].length} ${direction} rules are`} accepted by the API server and ${policy[direction].length === 1 ? 'does' : 'do'} nothing. Add ${directionName(direction)} to policyTypes, or remove ${policy[direction].length === 1 ? 'it' : 'them'}.`,
            { ...base, direction, fix: 'add-policy-type' },
          );
        }
      }
    }

    const halfDns = this.halfDns(policy, manifest);
    // A policy with no egress rules is a default deny, which blocks DNS on purpose; the warning
    // belongs to the policies that allow some egress and forgot DNS.
    if (policy.policyTypes.egress && policy.egress.length > 0 && !halfDns) this.dns(policy, selected, nameSpan);
    this.noNamespace(policy, manifest.node);
    this.selectsNothing(policy, selected, podSelectorKey);

    for (const direction of ['ingress', 'egress'] as const) {
      for (const rule of policy[direction]) {
        this.rule(policy, manifest, rule, selected);
      }
    }
  }

  /** Cause 6: a network plugin that does not enforce policies. */
  cniNotEnforcing(policy: PolicyInfo, daemonSet: PodInfo): void {
    const manifest = manifestOf(this.analysis, policy);
    if (!manifest) return;
    const span = policy.nameSpan ?? headSpan(manifest.node, this.text);
    this.add(
      Rules.cniNotEnforcing,
      span,
      `The network plugin in this workspace is flannel (DaemonSet ${daemonSet.namespace}/${daemonSet.name}), which does not enforce NetworkPolicy: the API server accepts this policy and nothing applies it. Run an enforcing plugin (${enforcingCniNames()}).`,
      { policy: policy.id },
    );
  }

  /** Cause 4: egress isolation that forgot DNS. */
  private dns(policy: PolicyInfo, selected: PodInfo[], span: Span): void {
    const target = dnsTarget(this.analysis.dns);
    let analyzer = this.analysis.analyzer;
    let subjects = selected;
    if (subjects.length === 0) {
      // No selected pod is known: judge a stand-in pod that this policy selects, together with
      // the other policies of the workspace that would select it too.
      const standIn = this.standIns().pods.get(policy);
      if (!standIn) return;
      analyzer = this.standIns().analyzer;
      subjects = [standIn];
    }
    let endpoints = this.dnsEndpointCache.get(analyzer);
    if (!endpoints) this.dnsEndpointCache.set(analyzer, (endpoints = dnsEndpoints(analyzer.model, target)));
    const lacking: { pod: PodInfo; udp: boolean; tcp: boolean }[] = [];
    for (const pod of subjects) {
      // Only pods that this policy isolates for egress are this policy's concern.
      if (!analyzer.isolatingPolicies(pod, 'egress').includes(policy)) continue;
      // Whether a pod may use DNS does not depend on which policy asks.
      let allowed = this.dnsByPod.get(pod);
      if (!allowed) this.dnsByPod.set(pod, (allowed = dnsAllowed(analyzer, pod, endpoints, target.port)));
      if (!allowed.udp || !allowed.tcp) lacking.push({ pod, ...allowed });
    }
    if (lacking.length === 0) return;
    const missing = (l: { udp: boolean; tcp: boolean }) => (!l.udp && !l.tcp ? `UDP and TCP ${target.port}` : !l.udp ? `UDP ${target.port}` : `TCP ${target.port}`);
    const others = new Set(lacking.flatMap((l) => analyzer.isolatingPolicies(l.pod, 'egress')).filter((p) => p !== policy).map((p) => p.id));
    const who = selected.length > 0 ? podList(lacking.map((l) => l.pod)) : `the selected pods (${selectionPhrase(policy)})`;
    const by = others.size > 0 ? `this policy and ${[...others].join(', ')}` : 'this policy';
    this.add(
      Rules.dnsEgressBlocked,
      span,
      `DNS is blocked: ${who} ${lacking.length === 1 && selected.length > 0 ? 'is' : 'are'} isolated for egress (by ${by}) and nothing allows ${missing(lacking[0])} to ${target.description}, so name lookups fail. Quick fix: allow DNS egress.${target.note ? ` ${target.note}` : ''}`,
      { policy: policy.id, fix: 'dns' },
    );
  }

  /** Cause 7: DNS allowed over one protocol only. Returns whether it reported one. */
  private halfDns(policy: PolicyInfo, manifest: Manifest): boolean {
    const port = dnsTarget(this.analysis.dns).port;
    const covers = (p: PortInfo) => !p.problem && typeof p.port === 'number' && p.port <= port && (p.endPort ?? p.port) >= port;
    const protocolsIn = (rule: RuleInfo) => new Set(rule.ports.filter(covers).map((p) => p.protocol));
    let reported = false;
    for (const rule of policy.egress) {
      const here = protocolsIn(rule);
      if (here.has('TCP') === here.has('UDP')) continue;
      const have = here.has('TCP') ? 'TCP' : 'UDP';
      const lack = have === 'TCP' ? 'UDP' : 'TCP';
      // Another egress rule of the policy may already allow the other protocol.
      if (policy.egress.some((r) => r !== rule && (r.ports.length === 0 || protocolsIn(r).has(lack)))) continue;
      const entryInfo = rule.ports.find((p) => covers(p) && p.protocol === have)!;
      const node = portNode(manifest, rule, entryInfo);
      this.add(
        Rules.halfDns,
        node ? headSpan(node, this.text) : entryInfo.span,
        `This rule allows ${have} ${port} but not ${lack} ${port}. ${lack === 'UDP' ? 'Resolvers ask over UDP first, so lookups time out.' : 'Resolvers fall back to TCP for large answers, which then fail.'} Add ${lack} ${port} as well.`,
        { policy: policy.id, direction: 'egress', rule: rule.index, port: entryInfo.index, protocol: lack, dnsPort: port, fix: 'half-dns' },
      );
      reported = true;
    }
    return reported;
  }

  private noNamespace(policy: PolicyInfo, node: YMap): void {
    if (policy.namespaceExplicit) return;
    const metadataKey = entry(node, 'metadata')?.keySpan ?? headSpan(node, this.text);
    this.add(
      Rules.noNamespace,
      metadataKey,
      `No metadata.namespace: this policy lands in whatever namespace kubectl apply targets (-n, the context's namespace, else default), and selects pods only there. It is analysed here as namespace ${policy.namespace}.`,
      { policy: policy.id },
    );
  }

  /** Cause 2's quieter cousin: a selector that matches none of the pods the workspace knows. */
  private selectsNothing(policy: PolicyInfo, selected: PodInfo[], span: Span): void {
    if (selected.length > 0 || isSystemNamespace(policy.namespace)) return;
    const known = this.analysis.model.pods.filter((p) => p.namespace === policy.namespace);
    if (known.length === 0) return;
    this.add(
      Rules.selectsNothing,
      span,
      `Selects no pod: none of the ${plural(known.length, 'pod')} ${definedBy(this.analysis.model)} in namespace ${policy.namespace} (${known
        .slice(0, 3)
        .map((p) => p.name)
        .join(', ')}${known.length > 3 ? ', ...' : ''}) matches ${selectionPhrase(policy).replace(/ in namespace .*$/, '')}.`,
      { policy: policy.id },
    );
  }

  private rule(policy: PolicyInfo, manifest: Manifest, rule: RuleInfo, selected: PodInfo[]): void {
    const ruleMap = ruleNode(manifest, rule.direction, rule);
    const base = { policy: policy.id, direction: rule.direction, rule: rule.index };
    const preposition = rule.direction === 'ingress' ? 'from' : 'to';
    const active = policy.policyTypes[rule.direction];

    // Broad allows, said in words.
    if (active && rule.peers.length === 0 && ruleMap && !rule.ports.some((p) => p.problem)) {
      const anywhere = rule.direction === 'ingress' ? 'from any source, inside or outside the cluster' : 'to any destination, inside or outside the cluster';
      this.add(Rules.broadAllow, headSpan(ruleMap, this.text), `Allows ${describePorts(rule.ports)} ${anywhere} (this rule has no ${preposition} list).`, base);
    }

    const destinations = (peer?: PeerInfo): PodInfo[] | undefined => {
      if (rule.direction === 'ingress') return selected;
      if (!peer) {
        if (rule.peers.length === 0 || rule.peers.some((p) => p.ipBlock)) return undefined;
        return [...new Set(rule.peers.flatMap((p) => this.analysis.analyzer.peerPods(policy, p)))];
      }
      return this.analysis.analyzer.peerPods(policy, peer);
    };

    rule.peers.forEach((peer, i) => {
      const node = peerNode(manifest, rule, peer);
      if (!node) return;
      const span = headSpan(node, this.text);
      const peerData = { ...base, peer: peer.index };
      if (peer.problem) return;
      let mistaken = false;
      if (peer.podSelector && peer.namespaceSelector) {
        const matched = this.analysis.analyzer.peerPods(policy, peer);
        // Only an AND that matches nothing can be the mistake; the rest is cheap to skip.
        const ownNamespaceMatches = matched.length > 0 ? [] : this.analysis.model.pods.filter((p) => p.namespace === policy.namespace && selectorMatches(peer.podSelector!, p.labels));
        const ownSelected = selectorMatches(peer.namespaceSelector, this.analysis.model.namespaces.get(policy.namespace)?.labels ?? { 'kubernetes.io/metadata.name': policy.namespace });
        if (matched.length === 0 && ownNamespaceMatches.length > 0 && !ownSelected) {
          mistaken = true;
          this.add(
            Rules.andPeerMistake,
            span,
            `AND in one list item: ${describePeer(peer, policy.namespace)}. No pod in the workspace matches both, but the podSelector matches ${podList(ownNamespaceMatches, 3)} in this policy's own namespace, which the namespaceSelector does not select. If either was meant to suffice, make them two list items (OR).`,
            { ...peerData, fix: 'split' },
          );
        } else {
          this.add(Rules.andPeer, span, `AND: ${describePeer(peer, policy.namespace).replace(' (one peer: both must hold)', '')}. Both selectors are in one list item, so both must hold; as two list items either would suffice (OR).`, { ...peerData, fix: 'split' });
        }
      } else if (i + 1 < rule.peers.length) {
        const next = rule.peers[i + 1];
        const pair = [peer, next];
        const nsOnly = pair.find((p) => p.namespaceSelector && !p.podSelector && !p.ipBlock);
        const podOnly = pair.find((p) => p.podSelector && !p.namespaceSelector && !p.ipBlock);
        if (nsOnly && podOnly && !nsOnly.problem && !podOnly.problem) {
          this.add(
            Rules.orPeers,
            span,
            `OR: two list items, so either suffices: ${describePeer(nsOnly, policy.namespace)}, or ${describePeer(podOnly, policy.namespace)}. For only the matching pods in those namespaces, merge them into one list item (AND).`,
            { ...peerData, fix: 'merge', with: next.index },
          );
        }
      }
      if (active && peer.namespaceSelector && !peer.podSelector && peer.namespaceSelector.requirements.length === 0 && peer.namespaceSelector.problems.length === 0) {
        this.add(Rules.broadAllow, span, `namespaceSelector: {} matches every namespace: this peer is every pod in the cluster${rule.direction === 'ingress' ? ' (but not sources outside it)' : ''}.`, peerData);
      }
      if (active && peer.ipBlock?.cidr && peer.ipBlock.cidr.prefix === 0) {
        const family = peer.ipBlock.cidr.family === 4 ? 'IPv4' : 'IPv6';
        this.add(
          Rules.broadAllow,
          span,
          `${peer.ipBlock.cidrText} is every ${family} address${peer.ipBlock.except.length > 0 ? ` except ${peer.ipBlock.except.map((e) => e.text).join(', ')}` : ''}: outside the cluster, and inside it too where the network plugin matches pod addresses.`,
          peerData,
        );
      }
      if (active && !mistaken) this.peerSelectsNothing(policy, rule, peer, span, peerData);
    });

    for (const port of rule.ports) {
      const node = portNode(manifest, rule, port);
      if (!node || port.problem) continue;
      const portData = { ...base, port: port.index };
      const endPortNode = child(node, 'endPort');
      if (port.endPort !== undefined && endPortNode && typeof port.port === 'number' && port.endPort !== port.port) {
        this.add(
          Rules.endPortSupport,
          endPortNode.span,
          `Allows ${port.protocol} ${port.port}-${port.endPort}. A network plugin without endPort support enforces only port ${port.port} and drops the rest of the range.`,
          portData,
        );
      }
      const protocolNode = child(node, 'protocol');
      if (port.protocol === 'SCTP' && protocolNode) {
        this.add(Rules.sctpSupport, protocolNode.span, 'SCTP is not supported by every network plugin; where it is not, this entry allows nothing.', portData);
      }
      if (!active) continue;
      const portValue = child(node, 'port');
      const targets = destinations();
      if (typeof port.port === 'string' && portValue && targets && targets.length > 0) {
        const resolving = targets.filter((pod) => pod.ports.some((p) => p.name === port.port && p.protocol === port.protocol));
        if (resolving.length === 0) {
          const otherProtocol = targets.flatMap((pod) => pod.ports.filter((p) => p.name === port.port).map((p) => `${pod.id} declares it for ${p.protocol}`));
          this.add(
            Rules.namedPortUnresolved,
            portValue.span,
            `No ${rule.direction === 'ingress' ? 'selected' : 'destination'} pod declares a ${port.protocol} container port named ${port.port} (checked ${podList(targets, 3)})${otherProtocol.length > 0 ? `; ${otherProtocol.slice(0, 2).join('; ')}` : ''}. A named port resolves on the destination pod with the same protocol, so this entry allows nothing there.`,
            portData,
          );
        }
      }
      if (typeof port.port === 'number' && portValue && targets && targets.length > 0) this.servicePort(port, portValue.span, targets, portData);
    }
  }

  private peerSelectsNothing(policy: PolicyInfo, rule: RuleInfo, peer: PeerInfo, span: Span, data: Record<string, unknown>): void {
    if (peer.ipBlock) return;
    const model = this.analysis.model;
    const namespaces = peer.namespaceSelector
      ? [...model.namespaces.values()].filter((ns) => selectorMatches(peer.namespaceSelector!, ns.labels)).map((ns) => ns.name)
      : [policy.namespace];
    // Cluster-managed namespaces (the DNS pods live in kube-system) are rarely described in full
    // by a repository, so pods missing there prove nothing.
    const populated = namespacesWithPods(model);
    const withPods = namespaces.filter((ns) => !isSystemNamespace(ns) && populated.has(ns));
    if (withPods.length === 0) return;
    if (!this.analysis.analyzer.peerSet(peer, policy.namespace).isEmpty()) return;
    const candidates = model.pods.filter((p) => withPods.includes(p.namespace));
    this.add(
      Rules.selectsNothing,
      span,
      `Matches no pod: ${definedBy(this.analysis.model)} ${plural(candidates.length, 'pod')} in ${withPods.length === 1 ? `namespace ${withPods[0]}` : `namespaces ${withPods.join(', ')}`}, and none is ${describePeer(peer, policy.namespace).replace(' (one peer: both must hold)', '')}. This peer allows nothing ${rule.direction === 'ingress' ? 'in' : 'out'} there.`,
      data,
    );
  }

  /** Cause 7: a Service's port allowed where the pods listen on its targetPort. */
  private servicePort(port: PortInfo, span: Span, targets: PodInfo[], data: Record<string, unknown>): void {
    const number = port.port as number;
    if (targets.some((pod) => pod.ports.some((p) => p.containerPort === number && p.protocol === port.protocol))) return;
    for (const service of this.analysis.model.services) {
      if (!service.selector || Object.keys(service.selector).length === 0) continue;
      const backing = targets.filter((pod) => pod.namespace === service.namespace && Object.entries(service.selector!).every(([k, v]) => pod.labels[k] === v));
      if (backing.length === 0) continue;
      const servicePort = service.ports.find((p) => p.port === number && p.protocol === port.protocol);
      if (!servicePort) continue;
      const target = typeof servicePort.targetPort === 'number' ? servicePort.targetPort : backing[0].ports.find((p) => p.name === servicePort.targetPort && p.protocol === port.protocol)?.containerPort;
      if (target === undefined || target === number) continue;
      this.add(
        Rules.servicePort,
        span,
        `${number} is the port of Service ${service.id}, which forwards to targetPort ${servicePort.targetPort}${typeof servicePort.targetPort === 'string' ? ` (${target} on ${backing[0].id})` : ''}. Policies see the pod's port after the Service translates it, so allow ${target}.`,
        { ...data, fix: 'service-port', targetPort: target },
      );
      return;
    }
  }
}

const populatedNamespaces = new WeakMap<ClusterModel, Set<string>>();

/** The namespaces in which the model has pods, once per model (asked for every peer of every policy). */
function namespacesWithPods(model: ClusterModel): Set<string> {
  let set = populatedNamespaces.get(model);
  if (!set) populatedNamespaces.set(model, (set = new Set(model.pods.map((p) => p.namespace))));
  return set;
}
