import type { TextEdit, WorkspaceEdit } from 'vscode-languageserver-types';
import type { ExplainConnectionParams, ExplainConnectionResult, SourceLink } from '../../protocol';
import type { ClusterModel, Direction, PodInfo, PolicyInfo, Protocol } from '../model/types';
import { analyseFile, WorkspaceFile, workspaceModel } from '../lint/context';
import { defaultDnsSettings, DnsSettings, dnsRule, dnsTarget, DnsTarget } from '../lint/dns';
import { insertRuleEdit, podPeerValue } from '../lint/fixes';
import { networkPlugin } from '../lint/policyLint';
import { cniOf, enforcingCniNames } from '../lint/cni';
import { blockSeqLines, detectStyle, YamlValue } from '../edit/yamlEdit';
import { ConnectionExplanation, explainConnection, RuleMiss, SideVerdict } from '../semantics/explain';
import { Endpoint, endpointName } from '../semantics/peers';
import { resolveNamedPort } from '../semantics/ports';
import { describeIsolationCause, describePeer, describePeerFailure, describePortFailure, describeRule } from '../semantics/render';
import { formatResolveProblem, isResolveProblem, resolveConnection, ResolvedConnection } from './endpoints';
import { linkOf, spanLink } from './links';

/**
 * "Why is A -> B blocked?" for the workspace: the engine's explanation of one connection as
 * Markdown (isolating policies, allowing rules, every rule's near miss, the cause in words),
 * links to the policies and rules that decide it, and when it is denied the narrowest allow
 * on each side that lacks one, as an edit of the policy's file.
 */

export interface ConnectionOptions {
  defaultNamespace?: string;
  dns?: DnsSettings;
}

type Fix = ExplainConnectionResult['fixes'][number];

interface FixText {
  fix: Fix;
  direction: Direction;
  /** The inserted YAML, to show. */
  text: string;
  summary: string;
}

export function explainWorkspaceConnection(workspace: readonly WorkspaceFile[], params: ExplainConnectionParams, options: ConnectionOptions = {}): ExplainConnectionResult {
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const dns = options.dns ?? defaultDnsSettings;
  const { analyzer } = workspaceModel(workspace, defaultNamespace);
  const request = params ?? ({} as ExplainConnectionParams);
  const resolved = resolveConnection(analyzer, { from: request.from, to: request.to, port: request.port, protocol: request.protocol }, { defaultNamespace, dns, where: 'the workspace' });
  if (isResolveProblem(resolved)) {
    const error = formatResolveProblem(resolved, 'plain');
    return { allowed: false, verdict: error, markdown: esc(error), links: [], fixes: [], error };
  }
  return explainResolved(workspace, resolved, { defaultNamespace, dns });
}

/** The network plugin that ignores the deciding policies, if the workspace shows one (cause 6). */
export function notEnforcing(model: ClusterModel, explanation: ConnectionExplanation): PodInfo | undefined {
  const policies = [...explanation.egress.isolatedBy, ...explanation.ingress.isolatedBy].map((i) => i.policy);
  for (const policy of policies) {
    const file = policy.location.file;
    const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
    const plugin = networkPlugin(model, slash >= 0 ? file.slice(0, slash + 1) : '');
    if (plugin && !plugin.enforces) return plugin.daemonSet;
  }
  return undefined;
}

export function explainResolved(workspace: readonly WorkspaceFile[], resolved: ResolvedConnection, options: Required<ConnectionOptions>): ExplainConnectionResult {
  const { from, to, port, protocol } = resolved;
  const explanation = explainConnection(resolved.analyzer, from, to, port, protocol);
  explanation.notes.unshift(...resolved.notes);
  const model = resolved.analyzer.model;
  const plugin = notEnforcing(model, explanation);
  const target = dnsTarget(options.dns);
  const fixes: Fix[] = [];
  const fixTexts: FixText[] = [];
  if (!explanation.allowed && !plugin) {
    for (const side of [explanation.egress, explanation.ingress]) {
      const made = fixFor(side, explanation, resolved, workspace, options, target);
      if (made) {
        fixes.push(made.fix);
        fixTexts.push({ fix: made.fix, direction: side.direction, text: made.text, summary: made.summary });
      }
    }
  }
  const verdict = verdictLine(explanation, resolved.portName, plugin);
  const markdown = new MarkdownWriter(model, explanation, resolved, target, plugin).render(verdict, fixTexts);
  return { allowed: explanation.allowed, verdict, markdown, links: linksOf(model, explanation, plugin), fixes };
}

function sidesDenying(explanation: ConnectionExplanation): Direction[] {
  return (['egress', 'ingress'] as const).filter((d) => !explanation[d].allowed);
}

function verdictLine(explanation: ConnectionExplanation, portName: string | undefined, plugin: PodInfo | undefined): string {
  const head = `${endpointName(explanation.from)} -> ${endpointName(explanation.to)} on ${explanation.protocol} ${explanation.port}${portName ? ` (${portName})` : ''}`;
  if (explanation.allowed) return `${head}: allowed`;
  const denying = sidesDenying(explanation);
  const by = denying.length === 2 ? 'denied by the egress and ingress sides' : `denied by the ${denying[0]} side`;
  if (plugin) return `${head}: ${by}, but not enforced: the network plugin (${pluginName(plugin)}, DaemonSet ${plugin.namespace}/${plugin.name}) does not enforce NetworkPolicy`;
  return `${head}: ${by}`;
}

/** One line for plain-text explanations (the CLI): the policies below are not enforced. */
export function notEnforcedNote(plugin: PodInfo): string {
  return `Not enforced (cause 6): the network plugin here is ${pluginName(plugin)} (DaemonSet ${plugin.namespace}/${plugin.name}), which does not enforce NetworkPolicy; the verdict is what an enforcing plugin (${enforcingCniNames()}) would do.`;
}

function pluginName(daemonSet: PodInfo): string {
  return cniOf(daemonSet)?.name ?? 'flannel';
}

/** Whether the other end is the cluster DNS on its port (cause 4): its fix is the DNS allow. */
function isDns(other: Endpoint, port: number, protocol: Protocol, target: DnsTarget): boolean {
  if (port !== target.port || (protocol !== 'UDP' && protocol !== 'TCP')) return false;
  if (other.kind === 'pod') {
    const pods = target.pods;
    return pods !== undefined && other.pod.namespace === pods.namespace && Object.entries(pods.labels).every(([k, v]) => other.pod.labels[k] === v);
  }
  return target.address !== undefined && other.address.toString() === target.address;
}

function missScore(miss: RuleMiss): number {
  return (miss.peersMatch ? 0 : 1) + (miss.portsMatch ? 0 : 1);
}

/** The isolating policies of a side, the one with the closest near miss first, else in order. */
function rankPolicies(side: SideVerdict): PolicyInfo[] {
  const score = (policy: PolicyInfo) => Math.min(Infinity, ...side.misses.filter((m) => m.policy === policy).map(missScore));
  return side.isolatedBy
    .map((i, order) => ({ policy: i.policy, order, score: score(i.policy) }))
    .sort((a, b) => a.score - b.score || a.order - b.order)
    .map((e) => e.policy);
}

/** The peer that admits exactly this end: its identifying labels (and namespace), or its address. */
function peerValue(other: Endpoint, policyNamespace: string): { [key: string]: YamlValue } {
  if (other.kind === 'pod') return podPeerValue(other.pod, policyNamespace);
  const address = other.address.toString();
  return { ipBlock: { cidr: `${address}/${other.address.kind() === 'ipv6' ? 128 : 32}` } };
}

function fixFor(
  side: SideVerdict,
  explanation: ConnectionExplanation,
  resolved: ResolvedConnection,
  workspace: readonly WorkspaceFile[],
  options: Required<ConnectionOptions>,
  target: DnsTarget,
): { fix: Fix; text: string; summary: string } | undefined {
  if (side.allowed || !side.governed || !side.isolated) return undefined;
  const direction = side.direction;
  const other = direction === 'egress' ? explanation.to : explanation.from;
  const dns = direction === 'egress' && isDns(other, explanation.port, explanation.protocol, target);
  const model = resolved.analyzer.model;
  for (const policy of rankPolicies(side)) {
    const file = model.files.get(policy.location.file);
    if (!file) continue;
    const rule: { [key: string]: YamlValue } = dns
      ? dnsRule(target)
      : {
          [direction === 'ingress' ? 'from' : 'to']: [peerValue(other, policy.namespace)],
          ports: [{ protocol: explanation.protocol, port: resolved.portName ?? explanation.port }],
        };
    let edit: TextEdit | undefined;
    try {
      const analysis = analyseFile(file, { uri: policy.location.file, workspace, dns: options.dns, defaultNamespace: options.defaultNamespace });
      const own = analysis.policies.find((p) => p.id === policy.id && p.location.span[0] === policy.location.span[0]);
      edit = own ? insertRuleEdit(analysis, own, direction, rule) : undefined;
    } catch {
      edit = undefined;
    }
    if (!edit) continue;
    const title = dns ? `Insert DNS egress rule in ${policy.id}` : `Insert ${direction} rule in ${policy.id}`;
    const workspaceEdit: WorkspaceEdit = { changes: { [policy.location.file]: [edit] } };
    const summary = dns ? `a rule that allows DNS (UDP and TCP ${target.port}) to ${target.description}` : `the narrowest ${direction} rule that admits this connection`;
    // Shown as a block list item in the file's indentation style, whatever form the edit takes.
    const text = blockSeqLines([rule], 0, { ...detectStyle(file.text), eol: '\n' }).join('\n');
    return { fix: { title, edit: workspaceEdit }, text, summary };
  }
  return undefined;
}

// Markdown ------------------------------------------------------------------------------------

const MARKDOWN_SPECIAL = /[\\`*_[\]<|~]/g;

/** Text as Markdown that shows literally. */
function esc(text: string): string {
  return text.replace(MARKDOWN_SPECIAL, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${text.includes('`') ? ` ${text} ` : text}${fence}`;
}

function mdLink(text: string, link: SourceLink | undefined): string {
  if (!link) return esc(text);
  return `[${esc(text)}](<${link.uri.replace(/[<>\s]/g, encodeURIComponent)}#L${link.range.start.line + 1}>)`;
}

function directionName(direction: Direction): string {
  return direction === 'ingress' ? 'Ingress' : 'Egress';
}

function list(items: string[], conjunction = 'and'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

class MarkdownWriter {
  private readonly lines: string[] = [];
  private readonly from: string;
  private readonly to: string;

  constructor(
    private readonly model: ClusterModel,
    private readonly explanation: ConnectionExplanation,
    private readonly resolved: ResolvedConnection,
    private readonly target: DnsTarget,
    private readonly plugin: PodInfo | undefined,
  ) {
    this.from = endpointName(explanation.from);
    this.to = endpointName(explanation.to);
  }

  private policyLink(policy: PolicyInfo): string {
    return mdLink(policy.id, spanLink(this.model, policy.location.file, policy.nameSpan ?? policy.location.span));
  }

  private ruleLink(policy: PolicyInfo, direction: Direction, index: number, span: readonly [number, number]): string {
    return mdLink(`${policy.id} ${direction} rule ${index + 1}`, spanLink(this.model, policy.location.file, span));
  }

  render(verdict: string, fixes: FixText[]): string {
    const e = this.explanation;
    const out = this.lines;
    const what = `${code(this.from)} -> ${code(this.to)} on ${e.protocol} ${e.port}${this.resolved.portName ? ` (${esc(this.resolved.portName)})` : ''}`;
    out.push(`# ${e.allowed ? 'Allowed' : 'Denied'}: ${what}`, '');
    out.push(esc(verdict), '');
    if (this.plugin) {
      out.push(
        `> **Not enforced (cause 6).** The network plugin in this workspace is ${esc(pluginName(this.plugin))} (DaemonSet ${code(`${this.plugin.namespace}/${this.plugin.name}`)}), which does not enforce NetworkPolicy: the API server accepts the policies below and nothing applies them, so in the cluster this connection goes through whatever they say. The verdict below is what an enforcing plugin would do. Run one (${esc(enforcingCniNames())}), then test with a real connection; no rule change takes effect until then.`,
        '',
      );
    }
    this.side(e.egress, e.to);
    this.side(e.ingress, e.from);
    const causes = this.causes();
    if (causes.length > 0) {
      out.push(`## ${e.allowed ? 'Worth knowing' : 'Why'}`, '');
      for (const cause of causes) out.push(`- ${cause}`);
      out.push('');
    }
    if (!e.allowed && !this.plugin) {
      out.push('## Fix', '');
      if (fixes.length === 0) {
        out.push('No allow rule can be inserted for the denying side here (the deciding policy cannot be edited as YAML).', '');
      }
      for (const { fix, text, summary } of fixes) {
        out.push(`**${esc(fix.title)}**: ${esc(summary)}:`, '', '```yaml', text, '```', '');
      }
      const missing = sidesDenying(e).filter((d) => !fixes.some((f) => f.direction === d));
      if (fixes.length > 0 && missing.length > 0) out.push(`The ${missing.join(' and ')} side still needs an allow that cannot be inserted automatically.`, '');
      if (fixes.length === 2) out.push('Both sides deny: the connection needs both rules.', '');
    }
    if (e.notes.length > 0) {
      out.push('## Notes', '');
      for (const note of e.notes) out.push(`- ${esc(note)}`);
      out.push('');
    }
    return out.join('\n').replace(/\n+$/, '\n');
  }

  private side(side: SideVerdict, other: Endpoint): void {
    const out = this.lines;
    const subject = endpointName(side.subject);
    const name = directionName(side.direction);
    out.push(`## ${name}: ${side.direction === 'egress' ? 'leaving' : 'entering'} ${code(subject)}: ${side.allowed ? 'allowed' : '**denied**'}`, '');
    if (!side.governed) {
      out.push(`${code(subject)} is not a pod of the workspace (an address outside the cluster): policies never isolate it.`, '');
      return;
    }
    if (!side.isolated) {
      const others =
        side.selectingOnly.length > 0 ? ` (${list(side.selectingOnly.map((p) => this.policyLink(p)))} select${side.selectingOnly.length === 1 ? 's' : ''} it without ${name} in policyTypes)` : '';
      out.push(
        `${code(subject)} is not isolated for ${side.direction}: no policy that selects it has ${name} in its policyTypes${others}, so everything is allowed ${side.direction === 'ingress' ? 'in' : 'out'}.`,
        '',
      );
    } else {
      out.push(`${code(subject)} is isolated for ${side.direction} by:`, '');
      for (const { policy, cause } of side.isolatedBy) out.push(`- ${this.policyLink(policy)}: ${esc(describeIsolationCause(cause, policy))}`);
      out.push('');
      if (side.allowed) {
        out.push('Allowed by:', '');
        for (const allow of side.allowedBy) {
          const parts = [allow.peer ? `peer ${allow.peer.index + 1}` : '', allow.port ? `port ${allow.port.index + 1}` : ''].filter(Boolean);
          out.push(
            `- ${this.ruleLink(allow.policy, side.direction, allow.rule.index, allow.rule.span)}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}: ${esc(describeRule(allow.policy, allow.rule))}`,
          );
        }
        out.push('');
      } else if (side.misses.length === 0) {
        out.push(
          `The isolating ${side.isolatedBy.length === 1 ? 'policy has' : 'policies have'} no ${side.direction} rules, so nothing is allowed ${side.direction === 'ingress' ? 'in' : 'out'}.`,
          '',
        );
      } else {
        out.push(`No ${side.direction} rule admits ${code(endpointName(other))}. The rules, closest first, and what fails:`, '');
        const misses = [...side.misses]
          .map((m, i) => ({ m, i }))
          .sort((a, b) => missScore(a.m) - missScore(b.m) || a.i - b.i)
          .map((x) => x.m);
        for (const miss of misses) this.miss(miss, other);
        out.push('');
      }
    }
    for (const ignored of side.ignored) {
      if (!ignored.wouldAllow) continue;
      out.push(
        `Note: ${this.ruleLink(ignored.policy, side.direction, ignored.rule.index, ignored.rule.span)} would admit this, but its policyTypes leaves ${name} out, so the API server ignores the rule.`,
        '',
      );
    }
  }

  private miss(miss: RuleMiss, other: Endpoint): void {
    const { policy, rule } = miss;
    const destination = endpointName(this.explanation.to);
    const file = policy.location.file;
    this.lines.push(`- ${this.ruleLink(policy, rule.direction, rule.index, rule.span)}: ${esc(describeRule(policy, rule))}`);
    const preposition = rule.direction === 'ingress' ? 'from' : 'to';
    if (!miss.peersMatch) {
      for (const { peer, failures } of miss.peerMisses) {
        const label = mdLink(`${preposition} peer ${peer.index + 1}`, spanLink(this.model, file, peer.span));
        this.lines.push(`  - ✗ ${label}: ${esc(failures.map((f) => describePeerFailure(f, other)).join('; '))}`);
      }
    } else {
      this.lines.push(`  - ✓ peer: ${miss.matchingPeer ? `matches (peer ${miss.matchingPeer.index + 1})` : `the rule has no ${preposition} list, so every peer matches`}`);
    }
    if (!miss.portsMatch) {
      for (const { port, failure } of miss.portMisses) {
        const label = mdLink(`port ${port.index + 1}`, spanLink(this.model, file, port.span));
        this.lines.push(`  - ✗ ${label}: ${esc(describePortFailure(failure, destination))}`);
      }
    } else {
      this.lines.push(`  - ✓ ports: ${miss.matchingPort ? `match (port ${miss.matchingPort.index + 1})` : 'the rule has no ports, so every port matches'}`);
    }
  }

  /** The usual causes (README: the seven causes), said for this connection. */
  private causes(): string[] {
    const e = this.explanation;
    const causes: string[] = [];
    const portText = `${e.protocol} ${e.port}`;
    for (const side of [e.egress, e.ingress]) {
      if (side.allowed || !side.isolated) continue;
      const subject = code(endpointName(side.subject));
      const other = code(endpointName(side.direction === 'egress' ? e.to : e.from));
      const name = directionName(side.direction);
      const before = causes.length;
      this.sideCauses(side, causes);
      // Cause 1, when nothing more particular explains it: any selecting policy isolates.
      if (causes.length > before) continue;
      const policies = list(side.isolatedBy.map((i) => this.policyLink(i.policy)));
      causes.push(
        `**Default deny (cause 1).** ${policies} select${side.isolatedBy.length === 1 ? 's' : ''} ${subject} with ${name} in ${side.isolatedBy.length === 1 ? 'its' : 'their'} policyTypes, so ${subject} ${side.direction === 'ingress' ? 'accepts' : 'may open'} only what some policy's ${side.direction} rules allow, and none admits ${other} on ${portText}.`,
      );
    }
    return causes;
  }

  /** The particular causes of one denying side. */
  private sideCauses(side: SideVerdict, causes: string[]): void {
    const e = this.explanation;
    const portText = `${e.protocol} ${e.port}`;
    const subject = code(endpointName(side.subject));
    const other = code(endpointName(side.direction === 'egress' ? e.to : e.from));
    for (const { policy, cause } of side.isolatedBy) {
      // Cause 3: implied Egress, and its mirror, implied Ingress of an egress-only policy.
      if (cause === 'defaulted-egress') {
        causes.push(
          `**Egress isolation implied (cause 3).** ${this.policyLink(policy)} does not write policyTypes, and because spec.egress has rules the API server adds Egress: ${subject} may now connect only to what those rules allow. If only ingress was meant to be restricted, write policyTypes: \\[Ingress\\] and drop the egress section.`,
        );
      } else if (cause === 'defaulted-ingress' && policy.ingress.length === 0 && policy.egress.length > 0 && policy.ingressKeySpan === undefined) {
        causes.push(
          `**Ingress isolation implied (cause 3).** ${this.policyLink(policy)} has only egress rules and no policyTypes, and the API server adds Ingress anyway: ${subject} accepts no incoming traffic unless another policy allows it. Write policyTypes: \\[Egress\\] if only egress was meant.`,
        );
      }
    }
    // Cause 4: DNS.
    if (side.direction === 'egress' && isDns(e.to, e.port, e.protocol, this.target)) {
      causes.push(
        `**DNS is blocked (cause 4).** ${subject} is isolated for egress and nothing allows ${portText} to the cluster DNS (${esc(this.target.description)}): name lookups fail, so connections by name time out even where the connection itself is allowed. Allow UDP and TCP ${this.target.port} to the DNS pods${this.target.address ? ` and ${this.target.address}` : ''}.`,
      );
    }
    for (const miss of side.misses) {
      const rule = this.ruleLink(miss.policy, side.direction, miss.rule.index, miss.rule.span);
      // Cause 2: a podSelector alone looks only in the policy's namespace.
      for (const { peer, failures } of miss.peerMisses) {
        const elsewhere = failures.find((f) => f.kind === 'policy-namespace');
        if (elsewhere && elsewhere.kind === 'policy-namespace' && failures.length === 1) {
          causes.push(
            `**No peer matches: wrong namespace (cause 2).** Peer ${peer.index + 1} of ${rule} is a podSelector without a namespaceSelector, so it matches pods in ${code(elsewhere.policyNamespace)} only; ${other} is in ${code(elsewhere.actual)}. To admit it, put a namespaceSelector for ${code(elsewhere.actual)} in the same list item as the podSelector.`,
          );
        }
        // Cause 5: one list item with both selectors is AND.
        if (peer.namespaceSelector && peer.podSelector && failures.length === 1 && (failures[0].kind === 'namespace-selector' || failures[0].kind === 'pod-selector')) {
          const holds = failures[0].kind === 'namespace-selector' ? 'podSelector' : 'namespaceSelector';
          const fails = holds === 'podSelector' ? 'namespaceSelector' : 'podSelector';
          causes.push(
            `**AND, not OR (cause 5).** Peer ${peer.index + 1} of ${rule} is one list item with a namespaceSelector and a podSelector, so both must hold (${esc(describePeer(peer, miss.policy.namespace).replace(' (one peer: both must hold)', ''))}): ${other} matches the ${holds} but not the ${fails}. If either was meant to suffice, make them two list items (OR).`,
          );
        }
      }
      // Cause 7: the peer matches, the port or protocol does not.
      if (miss.peersMatch && !miss.portsMatch) {
        const reasons = miss.portMisses.map(({ failure }) => describePortFailure(failure, endpointName(e.to)));
        causes.push(`**Port or protocol mismatch (cause 7).** ${rule} admits ${other} but not ${portText}: ${esc(reasons.join('; '))}.`);
        for (const { port, failure } of miss.portMisses) {
          if (failure.kind !== 'port' || typeof port.port !== 'number') continue;
          const service = this.serviceTranslating(port.port, port.protocol);
          if (service) {
            causes.push(
              `**Service port instead of the pod's port (cause 7).** ${port.port} is the port of Service ${code(service)}, which forwards to targetPort ${e.port}. Policies see the packet after the Service translated it, so the rule must allow ${e.port}.`,
            );
          }
        }
      }
    }
  }

  /** The Service selecting the destination whose `servicePort` forwards to the connection's port. */
  private serviceTranslating(servicePort: number, protocol: Protocol): string | undefined {
    const to = this.explanation.to;
    if (to.kind !== 'pod') return undefined;
    const pod = to.pod;
    for (const service of this.model.services) {
      if (service.namespace !== pod.namespace || !service.selector || Object.keys(service.selector).length === 0) continue;
      if (!Object.entries(service.selector).every(([k, v]) => pod.labels[k] === v)) continue;
      const p = service.ports.find((sp) => sp.port === servicePort && sp.protocol === protocol);
      if (!p) continue;
      const target = typeof p.targetPort === 'number' ? p.targetPort : resolveNamedPort(pod, p.targetPort, protocol)?.containerPort;
      if (target === this.explanation.port && target !== servicePort) return service.id;
    }
    return undefined;
  }
}

function linksOf(model: ClusterModel, explanation: ConnectionExplanation, plugin: PodInfo | undefined): { label: string; link: SourceLink }[] {
  const links: { label: string; link: SourceLink }[] = [];
  const add = (label: string, link: SourceLink | undefined) => {
    if (link && !links.some((l) => l.label === label)) links.push({ label, link });
  };
  for (const side of [explanation.egress, explanation.ingress]) {
    for (const { policy } of side.isolatedBy) add(`${policy.id}: isolates ${side.direction}`, spanLink(model, policy.location.file, policy.nameSpan ?? policy.location.span));
    for (const allow of side.allowedBy) add(`${allow.policy.id} ${side.direction} rule ${allow.rule.index + 1}: allows`, spanLink(model, allow.policy.location.file, allow.rule.span));
    const misses = [...side.misses].sort((a, b) => missScore(a) - missScore(b));
    for (const miss of misses) {
      add(`${miss.policy.id} ${side.direction} rule ${miss.rule.index + 1}: near miss`, spanLink(model, miss.policy.location.file, miss.rule.span));
      for (const { peer } of miss.peerMisses)
        add(`${miss.policy.id} ${side.direction} rule ${miss.rule.index + 1} peer ${peer.index + 1}: does not match`, spanLink(model, miss.policy.location.file, peer.span));
    }
    for (const ignored of side.ignored)
      if (ignored.wouldAllow) add(`${ignored.policy.id} ${side.direction} rule ${ignored.rule.index + 1}: ignored (policyTypes)`, spanLink(model, ignored.policy.location.file, ignored.rule.span));
  }
  for (const end of [explanation.from, explanation.to]) if (end.kind === 'pod') add(`${end.pod.id}: manifest`, linkOf(model, end.pod.location));
  if (plugin) add(`${plugin.namespace}/${plugin.name}: network plugin (does not enforce NetworkPolicy)`, linkOf(model, plugin.location));
  return links;
}
