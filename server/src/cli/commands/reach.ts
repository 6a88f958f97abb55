import { PodInfo, Protocol, protocols } from '../../service/model';
import { Analyzer, Endpoint, explainConnection, explanationToJson, externalEndpoint, podEndpoint, renderExplanation } from '../../service/semantics';
import { CliIo, parseArgs, UsageError } from '../args';
import { loadModel } from '../model';

export const reachUsage = `Usage: netpol reach [FILE|DIR|-]... --from SRC --to DST --port N|NAME [--protocol TCP|UDP|SCTP] [--format text|json] [--default-namespace NS]

Says whether SRC may open a connection to DST on the port, and why: for the egress side (the
policies selecting SRC) and the ingress side (the policies selecting DST), whether the pod is
isolated and by which policies, the rules that allow the connection, or for each rule of
each isolating policy the part that fails (peer, namespace or pod label, port, protocol).
SRC and DST are NAMESPACE/POD, NAMESPACE/KIND/NAME for a workload's pods, or an IP address
(an address outside the cluster, unless a pod of the inputs records it as its podIP).
A port NAME is resolved on DST's container ports. --protocol defaults to TCP.
Exit status: 0 allowed, 3 denied, 2 usage error or unreadable input.`;

function resolveEndpoint(text: string, analyzer: Analyzer, defaultNamespace: string, option: string, notes: string[]): Endpoint {
  const external = externalEndpoint(text);
  if (external) {
    const owner = analyzer.pods.find((pod) => pod.ips.includes(text));
    if (owner) {
      notes.push(`${text} is the recorded address of ${owner.id}; it is treated as that pod.`);
      return podEndpoint(owner);
    }
    return external;
  }
  const id = text.includes('/') ? text : `${defaultNamespace}/${text}`;
  const exact = analyzer.podById(id);
  if (exact) return podEndpoint(exact);
  const parts = id.split('/');
  if (parts.length === 2) {
    const [namespace, name] = parts;
    const workloads = analyzer.pods.filter((pod) => pod.kind !== 'Pod' && pod.namespace === namespace && pod.name === name);
    if (workloads.length === 1) return podEndpoint(workloads[0]);
    if (workloads.length > 1) throw new UsageError(`--${option} ${text} is ambiguous: ${workloads.map((p) => p.id).join(', ')}`);
  }
  const namespace = parts[0];
  const known = analyzer.pods.filter((pod: PodInfo) => pod.namespace === namespace).map((pod) => pod.id);
  const hint = known.length > 0 ? ` (pods in ${namespace}: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', ...' : ''})` : '';
  throw new UsageError(`--${option} ${text}: no such pod or workload in the inputs, and not an IP address${hint}`);
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ['from', 'to', 'port', 'protocol', 'format', 'default-namespace', 'n'], flags: ['help'] });
  if (args.flags.has('help')) {
    io.stdout(`${reachUsage}\n`);
    return 0;
  }
  const format = args.value('format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`unknown format ${JSON.stringify(format)}: use text or json`);
  const fromText = args.value('from');
  const toText = args.value('to');
  const portText = args.value('port');
  if (fromText === undefined || toText === undefined || portText === undefined) throw new UsageError('--from, --to and --port are required');
  const protocolText = args.value('protocol')?.toUpperCase();
  if (protocolText !== undefined && !(protocols as readonly string[]).includes(protocolText)) {
    throw new UsageError(`unknown protocol ${JSON.stringify(args.value('protocol'))}: use TCP, UDP or SCTP`);
  }
  const { model, analyzer, defaultNamespace, unreadable } = await loadModel(args, io);
  if (unreadable) return 2;
  const notes: string[] = [];
  const from = resolveEndpoint(fromText, analyzer, defaultNamespace, 'from', notes);
  const to = resolveEndpoint(toText, analyzer, defaultNamespace, 'to', notes);

  let protocol = (protocolText ?? 'TCP') as Protocol;
  let port: number;
  if (/^[0-9]+$/.test(portText)) {
    port = Number(portText);
    if (port < 1 || port > 65535) throw new UsageError(`--port ${portText}: a port number is between 1 and 65535`);
  } else {
    if (to.kind !== 'pod') throw new UsageError(`--port ${portText}: a port name needs a pod destination to resolve it on`);
    const candidates = to.pod.ports.filter((p) => p.name === portText && (protocolText === undefined || p.protocol === protocolText));
    if (candidates.length === 0) {
      const names = [...new Set(to.pod.ports.flatMap((p) => (p.name ? [`${p.name} (${p.protocol} ${p.containerPort})`] : [])))];
      throw new UsageError(`--port ${portText}: ${to.pod.id} has no ${protocolText ?? ''}${protocolText ? ' ' : ''}container port of that name${names.length > 0 ? `; it has ${names.join(', ')}` : ''}`);
    }
    port = candidates[0].containerPort;
    protocol = candidates[0].protocol;
    notes.push(`Port ${portText} is ${protocol} ${port} on ${to.pod.id}.`);
  }

  const explanation = explainConnection(analyzer, from, to, port, protocol);
  explanation.notes.unshift(...notes);
  if (format === 'json') io.stdout(`${JSON.stringify(explanationToJson(explanation, model), null, 2)}\n`);
  else io.stdout(`${renderExplanation(explanation, model)}\n`);
  return explanation.allowed ? 0 : 3;
}

export { run as runReach };
