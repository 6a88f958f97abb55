import { formatResolveProblem, isResolveProblem, resolveConnection } from '../../service/inspect/endpoints';
import { notEnforcedNote, notEnforcing } from '../../service/inspect/connection';
import { Protocol, protocols } from '../../service/model';
import { explainConnection, explanationToJson, renderExplanation } from '../../service/semantics';
import { CliIo, parseArgs, UsageError } from '../args';
import { loadModel } from '../model';

export const reachUsage = `Usage: netpol reach [FILE|DIR|-]... --from SRC --to DST --port N|NAME [--protocol TCP|UDP|SCTP] [--format text|json] [--default-namespace NS]

Says whether SRC may open a connection to DST on the port, and why: for the egress side (the
policies selecting SRC) and the ingress side (the policies selecting DST), whether the pod is
isolated and by which policies, the rules that allow the connection, or for each rule of
each isolating policy the part that fails (peer, namespace or pod label, port, protocol).
SRC and DST are NAMESPACE/POD, NAMESPACE/KIND/NAME for a workload's pods, or an IP address
(an address outside the cluster, unless a pod of the inputs records it as its podIP).
kube-system/cluster-dns (or kube-dns, coredns) is the cluster DNS: its pods when the inputs
define them, else a stand-in pod labelled k8s-app=kube-dns listening on UDP and TCP 53.
A port NAME is resolved on DST's container ports. --protocol defaults to TCP.
Exit status: 0 allowed, 3 denied, 2 usage error or unreadable input.`;

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
  const { analyzer, defaultNamespace, unreadable } = await loadModel(args, io);
  if (unreadable) return 2;
  const resolved = resolveConnection(analyzer, { from: fromText, to: toText, port: portText, protocol: protocolText as Protocol | undefined }, { defaultNamespace, where: 'the inputs' });
  if (isResolveProblem(resolved)) throw new UsageError(formatResolveProblem(resolved, 'cli'));
  const { from, to, port, protocol, notes } = resolved;

  const explanation = explainConnection(resolved.analyzer, from, to, port, protocol);
  explanation.notes.unshift(...notes);
  const plugin = notEnforcing(resolved.analyzer.model, explanation);
  if (plugin) explanation.notes.unshift(notEnforcedNote(plugin));
  if (format === 'json') io.stdout(`${JSON.stringify(explanationToJson(explanation, resolved.analyzer.model), null, 2)}\n`);
  else io.stdout(`${renderExplanation(explanation, resolved.analyzer.model)}\n`);
  return explanation.allowed ? 0 : 3;
}

export { run as runReach };
