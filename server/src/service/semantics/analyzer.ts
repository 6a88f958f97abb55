import type { ClusterModel, Direction, LabelSelector, PeerInfo, PodInfo, PolicyInfo, PortInfo, Protocol, RuleInfo } from '../model/types';
import { Bitset } from './bitset';
import { Endpoint, ipBlockContains, ipBlockMatchesPod } from './peers';
import { portsAdmit } from './ports';
import { selectorKey, selectorMatches } from './selectors';

export interface MatrixOptions {
  ports: readonly number[];
  protocols: readonly Protocol[];
}

/** One port and protocol of a matrix: `allowed(i, j)` for pods[i] -> pods[j]. */
export interface MatrixTable {
  port: number;
  protocol: Protocol;
  /** rows[i] holds j when pods[i] may connect to pods[j]. */
  rows: Bitset[];
  allowed(from: number, to: number): boolean;
}

export interface MatrixResult {
  pods: readonly PodInfo[];
  tables: MatrixTable[];
}

/**
 * The policy engine over one cluster model. Who each policy selects and who each peer
 * matches are computed once, as bitsets over the model's pods, so the matrix is set algebra
 * rather than every rule tested against every pair.
 */
export class Analyzer {
  readonly pods: readonly PodInfo[];
  private readonly indexById = new Map<string, number>();
  private readonly indexByPod = new Map<PodInfo, number>();
  private readonly namespaceMasks = new Map<string, Bitset>();
  private readonly podSelectorCache = new Map<string, Bitset>();
  private readonly namespaceSelectorCache = new Map<string, Bitset>();
  /** Per policy, the pods it selects; computed on first use in an extended engine (see selectedSet). */
  private readonly selected: (Bitset | undefined)[];
  /** For an extended engine: the engine it extends, and per policy the added pods it selects. */
  private extension?: { base: Analyzer; added: number[][] };
  private readonly peerSets = new Map<PeerInfo, Bitset>();
  /** Per pod: indices of the policies that select it and isolate it per direction. */
  private readonly isolating: { ingress: number[][]; egress: number[][] };
  private readonly selecting: number[][];
  private namedPortIndex?: Map<string, Map<number, Bitset>>;
  /** While the constructor runs: the selectors' pods of the engine this one replaces, over the same pods. */
  private earlierSelectors?: Map<string, Bitset>;

  /**
   * With `previous`, an engine over a model with the same pods (one changed file of a
   * workspace), what depends on the pods alone is taken from it rather than computed again:
   * the label indexes, the pods of each selector, and the pods of each policy it had.
   * An engine over the same policies and the previous engine's pods followed by a few more
   * (the stand-in pods of the lint rules) extends the previous one instead (see `extend`).
   */
  constructor(
    readonly model: ClusterModel,
    previous?: Analyzer,
  ) {
    this.pods = model.pods;
    this.pods.forEach((pod, i) => {
      this.indexById.set(pod.id, i);
      this.indexByPod.set(pod, i);
      let mask = this.namespaceMasks.get(pod.namespace);
      if (!mask) this.namespaceMasks.set(pod.namespace, (mask = new Bitset(this.pods.length)));
      mask.add(i);
    });
    if (previous && extendsPods(previous, model)) {
      let added: number[][];
      ({ selected: this.selected, isolating: this.isolating, selecting: this.selecting, added } = this.extend(previous));
      this.extension = { base: previous, added };
      return;
    }
    const earlier = previous && samePods(previous.pods, this.pods) ? previous : undefined;
    let earlierSelected: Map<PolicyInfo, Bitset> | undefined;
    if (earlier) {
      this.labelIndex = earlier.labelIndex;
      this.namedPortIndex = earlier.namedPortIndex;
      // Taken entry by entry as this model's policies need them, so that nothing outlives its use.
      this.earlierSelectors = earlier.podSelectorCache;
      earlierSelected = new Map(earlier.model.policies.map((policy, p) => [policy, earlier.selectedSet(p)]));
    }
    this.selected = model.policies.map(
      (policy) => earlierSelected?.get(policy) ?? this.podsMatching(policy.podSelector).clone().and(this.namespaceMask(policy.namespace)),
    );
    this.earlierSelectors = undefined;
    this.isolating = { ingress: this.pods.map(() => []), egress: this.pods.map(() => []) };
    this.selecting = this.pods.map(() => []);
    model.policies.forEach((policy, p) => {
      // The set's words are read directly: this runs for every policy of the workspace.
      const words = this.selected[p]!.words;
      for (let w = 0; w < words.length; w++) {
        for (let word = words[w]; word !== 0; word &= word - 1) {
          const i = (w << 5) + 31 - Math.clz32(word & -word);
          this.selecting[i].push(p);
          if (policy.policyTypes.ingress) this.isolating.ingress[i].push(p);
          if (policy.policyTypes.egress) this.isolating.egress[i].push(p);
        }
      }
    });
  }

  /**
   * The lists of policies per pod, when this engine's pods are `base`'s followed by new ones
   * and the policies are the same: `base`'s lists (never changed after construction) shared,
   * and the new pods tested against each policy. Who each policy selects is `base`'s set
   * grown, made when first asked for (selectedSet). Building the engine for a file's stand-in
   * pods in a workspace of thousands of pods was a whole engine each time; this is linear in
   * the policies times the new pods.
   */
  private extend(base: Analyzer): { selected: undefined[]; isolating: { ingress: number[][]; egress: number[][] }; selecting: number[][]; added: number[][] } {
    const n = base.pods.length;
    const size = this.pods.length;
    const isolating = { ingress: base.isolating.ingress.slice(), egress: base.isolating.egress.slice() };
    const selecting = base.selecting.slice();
    for (let i = n; i < size; i++) {
      isolating.ingress.push([]);
      isolating.egress.push([]);
      selecting.push([]);
    }
    const added = this.model.policies.map((policy, p) => {
      const selected: number[] = [];
      for (let i = n; i < size; i++) {
        const pod = this.pods[i];
        if (pod.namespace !== policy.namespace || !selectorMatches(policy.podSelector, pod.labels)) continue;
        selected.push(i);
        selecting[i].push(p);
        if (policy.policyTypes.ingress) isolating.ingress[i].push(p);
        if (policy.policyTypes.egress) isolating.egress[i].push(p);
      }
      return selected;
    });
    return { selected: new Array<undefined>(this.model.policies.length).fill(undefined), isolating, selecting, added };
  }

  /** The pods policy `p` selects. */
  private selectedSet(p: number): Bitset {
    let set = this.selected[p];
    if (set) return set;
    const { base, added } = this.extension!;
    set = base.selectedSet(p).grown(this.pods.length);
    for (const i of added[p]) set.add(i);
    this.selected[p] = set;
    return set;
  }

  podById(id: string): PodInfo | undefined {
    const i = this.indexById.get(id);
    return i === undefined ? undefined : this.pods[i];
  }

  indexOf(pod: PodInfo): number {
    const i = this.indexByPod.get(pod);
    if (i === undefined) throw new Error(`${pod.id} is not a pod of this model`);
    return i;
  }

  private namespaceMask(namespace: string): Bitset {
    return this.namespaceMasks.get(namespace) ?? new Bitset(this.pods.length);
  }

  /** Every pod of the model whose labels match, whatever its namespace. */
  private podsMatching(selector: LabelSelector): Bitset {
    const key = selectorKey(selector);
    let set = this.podSelectorCache.get(key) ?? this.earlierSelectors?.get(key);
    if (set) this.podSelectorCache.set(key, set);
    else {
      if (selector.problems.length > 0) set = new Bitset(this.pods.length);
      else {
        set = Bitset.full(this.pods.length);
        for (const r of selector.requirements) set.and(this.requirementSet(r));
      }
      this.podSelectorCache.set(key, set);
    }
    return set;
  }

  /** Per label key: the pods that have it, and the pods per value; built on first use. */
  private labelIndex?: Map<string, { any: Bitset; values: Map<string, Bitset> }>;
  private readonly requirementCache = new Map<string, Bitset>();

  private requirementSet(r: { key: string; operator: string; values: string[] }): Bitset {
    const cacheKey = `${r.key}\u0000${r.operator}\u0000${r.values.join('\u0001')}`;
    let set = this.requirementCache.get(cacheKey);
    if (set) return set;
    if (!this.labelIndex) {
      this.labelIndex = new Map();
      this.pods.forEach((pod, i) => {
        for (const [k, v] of Object.entries(pod.labels)) {
          let entry = this.labelIndex!.get(k);
          if (!entry) this.labelIndex!.set(k, (entry = { any: new Bitset(this.pods.length), values: new Map() }));
          entry.any.add(i);
          let vs = entry.values.get(v);
          if (!vs) entry.values.set(v, (vs = new Bitset(this.pods.length)));
          vs.add(i);
        }
      });
    }
    const entry = this.labelIndex.get(r.key);
    const n = this.pods.length;
    const inSet = () => {
      const result = new Bitset(n);
      for (const value of new Set(r.values)) {
        const pods = entry?.values.get(value);
        if (pods) result.or(pods);
      }
      return result;
    };
    const complement = (b: Bitset) => {
      const full = Bitset.full(n);
      for (let i = 0; i < full.words.length; i++) full.words[i] &= ~b.words[i];
      return full;
    };
    switch (r.operator) {
      case 'In':
        set = inSet();
        break;
      case 'NotIn':
        // Pods without the key match NotIn too.
        set = complement(inSet());
        break;
      case 'Exists':
        set = entry ? entry.any : new Bitset(n);
        break;
      default:
        set = entry ? complement(entry.any) : Bitset.full(n);
    }
    this.requirementCache.set(cacheKey, set);
    return set;
  }

  /** Every pod of the model in a namespace whose labels match. */
  private podsInNamespacesMatching(selector: LabelSelector): Bitset {
    const key = selectorKey(selector);
    let set = this.namespaceSelectorCache.get(key);
    if (!set) {
      set = new Bitset(this.pods.length);
      for (const [name, mask] of this.namespaceMasks) {
        const labels = this.model.namespaces.get(name)?.labels ?? {};
        if (selectorMatches(selector, labels)) set.or(mask);
      }
      this.namespaceSelectorCache.set(key, set);
    }
    return set;
  }

  /** The pods of the model that one peer matches (for a policy in `namespace`). */
  peerSet(peer: PeerInfo, namespace: string): Bitset {
    let set = this.peerSets.get(peer);
    if (set) return set;
    if (peer.problem) set = new Bitset(this.pods.length);
    else if (peer.ipBlock) {
      // Pods of one class record the same addresses.
      const block = peer.ipBlock;
      const { representatives, masks } = this.classes();
      set = new Bitset(this.pods.length);
      for (let c = 0; c < representatives.length; c++) if (ipBlockMatchesPod(block, this.pods[representatives[c]])) set.or(masks[c]);
    } else {
      set = peer.namespaceSelector ? this.podsInNamespacesMatching(peer.namespaceSelector).clone() : this.namespaceMask(namespace).clone();
      if (peer.podSelector) set.and(this.podsMatching(peer.podSelector));
    }
    this.peerSets.set(peer, set);
    return set;
  }

  /** The pods a policy selects. */
  private policyIndex?: Map<PolicyInfo, number>;

  selectedPods(policy: PolicyInfo): PodInfo[] {
    if (!this.policyIndex) this.policyIndex = new Map(this.model.policies.map((q, i) => [q, i]));
    const p = this.policyIndex.get(policy) ?? -1;
    return p < 0 ? [] : [...this.selectedSet(p)].map((i) => this.pods[i]);
  }

  /** The pods one peer of a policy's rule matches. */
  peerPods(policy: PolicyInfo, peer: PeerInfo): PodInfo[] {
    return [...this.peerSet(peer, policy.namespace)].map((i) => this.pods[i]);
  }

  /** Every policy that selects the pod, whatever its policyTypes. */
  policiesSelecting(pod: PodInfo): PolicyInfo[] {
    return this.selecting[this.indexOf(pod)].map((p) => this.model.policies[p]);
  }

  /** The policies that select the pod and have the direction in their (effective) policyTypes. */
  isolatingPolicies(pod: PodInfo, direction: Direction): PolicyInfo[] {
    return this.isolating[direction][this.indexOf(pod)].map((p) => this.model.policies[p]);
  }

  /** The verdict alone, for one connection; `explainConnection` says why. */
  allows(from: Endpoint, to: Endpoint, port: number, protocol: Protocol): boolean {
    return this.sideAllows('egress', from, to, port, protocol) && this.sideAllows('ingress', to, from, port, protocol);
  }

  /** Whether `subject`'s policies for `direction` admit `other` (the peer of the connection). */
  private sideAllows(direction: Direction, subject: Endpoint, other: Endpoint, port: number, protocol: Protocol): boolean {
    if (subject.kind !== 'pod') return true;
    const policies = this.isolating[direction][this.indexOf(subject.pod)];
    if (policies.length === 0) return true;
    const destination = direction === 'ingress' ? subject.pod : other.kind === 'pod' ? other.pod : undefined;
    for (const p of policies) {
      const policy = this.model.policies[p];
      for (const rule of policy[direction]) {
        if (!portsAdmit(rule.ports, port, protocol, destination)) continue;
        if (rule.peers.length === 0) return true;
        for (const peer of rule.peers) {
          if (this.peerAdmits(peer, policy.namespace, other)) return true;
        }
      }
    }
    return false;
  }

  private peerAdmits(peer: PeerInfo, namespace: string, endpoint: Endpoint): boolean {
    if (peer.problem) return false;
    if (endpoint.kind === 'pod') return this.peerSet(peer, namespace).has(this.indexOf(endpoint.pod));
    return peer.ipBlock !== undefined && ipBlockContains(peer.ipBlock, endpoint.address);
  }

  /** For each `name/protocol`, the pods on which that named port resolves to each number. */
  private namedPorts(): Map<string, Map<number, Bitset>> {
    if (this.namedPortIndex) return this.namedPortIndex;
    const index = new Map<string, Map<number, Bitset>>();
    // Pods of one class declare the same ports.
    const { representatives, masks } = this.classes();
    representatives.forEach((i, c) => {
      for (const port of this.pods[i].ports) {
        if (!port.name) continue;
        const key = `${port.name}/${port.protocol}`;
        let byNumber = index.get(key);
        if (!byNumber) index.set(key, (byNumber = new Map()));
        let set = byNumber.get(port.containerPort);
        if (!set) byNumber.set(port.containerPort, (set = new Bitset(this.pods.length)));
        set.or(masks[c]);
      }
    });
    this.namedPortIndex = index;
    return index;
  }

  /** The destination pods on which a rule's ports admit port/protocol (named ports resolve per destination). */
  private portDestinations(ports: readonly PortInfo[], port: number, protocol: Protocol): Bitset | 'all' {
    if (ports.length === 0) return 'all';
    let result: Bitset | undefined;
    for (const entry of ports) {
      if (entry.problem || entry.protocol !== protocol) continue;
      if (entry.port === undefined) return 'all';
      if (typeof entry.port === 'number') {
        if (port >= entry.port && port <= (entry.endPort ?? entry.port)) return 'all';
        continue;
      }
      const set = this.namedPorts().get(`${entry.port}/${protocol}`)?.get(port);
      if (set) (result ??= new Bitset(this.pods.length)).or(set);
    }
    return result ?? new Bitset(this.pods.length);
  }

  private rulePeers(rule: RuleInfo, namespace: string): Bitset | 'all' {
    if (rule.peers.length === 0) return 'all';
    const set = new Bitset(this.pods.length);
    for (const peer of rule.peers) set.or(this.peerSet(peer, namespace));
    return set;
  }

  /**
   * The pods grouped by what the verdicts can depend on: namespace, labels, named container
   * ports (in order, since the first of a name resolves) and recorded addresses. Pods of one
   * class are selected, matched and resolved alike, so they have the same row and column in
   * every matrix; generated manifests (replicas, copies per namespace) have few classes.
   */
  private podClasses?: PodClasses;

  private classes(): PodClasses {
    if (this.podClasses) return this.podClasses;
    const n = this.pods.length;
    const byKey = new Map<string, number>();
    const classOf = new Int32Array(n);
    const representatives: number[] = [];
    const members: number[][] = [];
    this.pods.forEach((pod, i) => {
      // One JSON array, each list preceded by its length, so that no part can run into the next.
      const labels = Object.keys(pod.labels).sort();
      const parts: (string | number | null)[] = [pod.namespace, labels.length];
      for (const label of labels) parts.push(label, pod.labels[label]);
      parts.push(pod.ports.length);
      for (const port of pod.ports) parts.push(port.name ?? null, port.protocol, port.containerPort);
      parts.push(...pod.ips);
      const key = JSON.stringify(parts);
      let c = byKey.get(key);
      if (c === undefined) {
        byKey.set(key, (c = representatives.length));
        representatives.push(i);
        members.push([]);
      }
      classOf[i] = c;
      members[c].push(i);
    });
    const masks = members.map((list) => Bitset.of(n, list));
    this.podClasses = { classOf, representatives, members, masks };
    return this.podClasses;
  }

  private repMask?: Bitset;

  /** The first pod of each class. */
  private representativeMask(): Bitset {
    return (this.repMask ??= Bitset.of(this.pods.length, this.classes().representatives));
  }

  /**
   * The connectivity of every ordered pair of pods (a pod to itself included), per port and
   * protocol. The policies are evaluated for one pod of each class of pods that no policy
   * tells apart, as a source and as a destination, and the verdicts spread to the members:
   * the pods of one class share one row, a read-only Bitset.
   */
  matrix(options: MatrixOptions): MatrixResult {
    const n = this.pods.length;
    const full = Bitset.full(n);
    const { classOf, representatives, members, masks } = this.classes();
    const k = representatives.length;
    const words = full.words.length;
    const tables: MatrixTable[] = [];
    for (const protocol of options.protocols) {
      for (const port of options.ports) {
        // Egress: the destinations each source class may reach, shared by sources with the same policies.
        const egressRuleSets = new Map<RuleInfo, Bitset>();
        const egressRows = new Map<string, Bitset>();
        const egress: Bitset[] = [];
        for (const i of representatives) {
          const policies = this.isolating.egress[i];
          if (policies.length === 0) {
            egress.push(full);
            continue;
          }
          const key = policies.join(',');
          let row = egressRows.get(key);
          if (!row) {
            row = new Bitset(n);
            for (const p of policies) {
              const policy = this.model.policies[p];
              for (const rule of policy.egress) {
                let set = egressRuleSets.get(rule);
                if (!set) {
                  const peers = this.rulePeers(rule, policy.namespace);
                  const destinations = this.portDestinations(rule.ports, port, protocol);
                  set = peers === 'all' ? (destinations === 'all' ? full : destinations) : destinations === 'all' ? peers : peers.clone().and(destinations);
                  egressRuleSets.set(rule, set);
                }
                row.or(set);
              }
            }
            egressRows.set(key, row);
          }
          egress.push(row);
        }
        // Ingress: the sources each destination class admits; named ports resolve on the destination itself.
        const ingressCols = new Map<string, Bitset>();
        const ingress: Bitset[] = [];
        for (const j of representatives) {
          const policies = this.isolating.ingress[j];
          if (policies.length === 0) {
            ingress.push(full);
            continue;
          }
          const admitted: [RuleInfo, string][] = [];
          const keyParts: string[] = [];
          for (const p of policies) {
            const policy = this.model.policies[p];
            for (const rule of policy.ingress) {
              if (portsAdmit(rule.ports, port, protocol, this.pods[j])) {
                admitted.push([rule, policy.namespace]);
                keyParts.push(`${p}:${rule.index}`);
              }
            }
          }
          const key = keyParts.join(',');
          let col = ingressCols.get(key);
          if (!col) {
            col = new Bitset(n);
            for (const [rule, namespace] of admitted) {
              const peers = this.rulePeers(rule, namespace);
              if (peers === 'all') {
                col = full;
                break;
              }
              col.or(peers);
            }
            ingressCols.set(key, col);
          }
          ingress.push(col);
        }
        // Transpose the ingress side: admittedBy[a] holds the destinations that admit class a's
        // pods. Destinations that are not isolated admit everyone, so they start every row;
        // destination classes that share a column are added together.
        const open = new Bitset(n);
        const byColumn = new Map<Bitset, number[]>();
        for (let b = 0; b < k; b++) {
          if (ingress[b] === full) addAll(open, members[b], masks[b], words);
          else {
            const list = byColumn.get(ingress[b]);
            if (list) for (const j of members[b]) list.push(j);
            else byColumn.set(ingress[b], members[b].slice());
          }
        }
        const admittedBy = Array.from({ length: k }, () => open.clone());
        const repWords = this.representativeMask().words;
        for (const [col, destinations] of byColumn) {
          const mask = destinations.length > words ? Bitset.of(n, destinations) : undefined;
          const colWords = col.words;
          for (let w = 0; w < colWords.length; w++) {
            // The sources this column admits, one per class.
            let word = colWords[w] & repWords[w];
            while (word !== 0) {
              const low = word & -word;
              addAll(admittedBy[classOf[(w << 5) + 31 - Math.clz32(low)]], destinations, mask, words);
              word ^= low;
            }
          }
        }
        const classRows = admittedBy.map((row, a) => row.and(egress[a]));
        const rows = Array.from(classOf, (c) => classRows[c]);
        tables.push({ port, protocol, rows, allowed: (from, to) => rows[from].has(to) });
      }
    }
    return { pods: this.pods, tables };
  }
}

/** Adds pods to a set one by one, or as their mask when there are more of them than words to OR. */
function addAll(set: Bitset, pods: readonly number[], mask: Bitset | undefined, words: number): void {
  if (mask && pods.length > words) set.or(mask);
  else for (const i of pods) set.add(i);
}

interface PodClasses {
  /** The class of each pod, by its index. */
  classOf: Int32Array;
  /** The first pod of each class. */
  representatives: number[];
  /** The pods of each class, in index order, as a list and as a set. */
  members: number[][];
  masks: Bitset[];
}

export function createAnalyzer(model: ClusterModel, previous?: Analyzer): Analyzer {
  return new Analyzer(model, previous);
}

/** Whether `model` has `base`'s policies, and `base`'s pods (the same objects, in order) followed by more. */
function extendsPods(base: Analyzer, model: ClusterModel): boolean {
  if (model.policies !== base.model.policies || model.pods.length <= base.pods.length) return false;
  for (let i = 0; i < base.pods.length; i++) if (model.pods[i] !== base.pods[i]) return false;
  return true;
}

/** Pods alike in everything the engine's sets depend on: place, namespace, labels, addresses and ports. */
function samePods(a: readonly PodInfo[], b: readonly PodInfo[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x.id !== y.id || x.namespace !== y.namespace || !sameRecord(x.labels, y.labels)) return false;
    if (x.ips.length !== y.ips.length || x.ips.some((ip, k) => ip !== y.ips[k])) return false;
    if (x.ports.length !== y.ports.length || x.ports.some((port, k) => port.name !== y.ports[k].name || port.containerPort !== y.ports[k].containerPort || port.protocol !== y.ports[k].protocol)) return false;
  }
  return true;
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (!Object.prototype.hasOwnProperty.call(b, key) || a[key] !== b[key]) return false;
  return true;
}
