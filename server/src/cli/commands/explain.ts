import { describePolicy, descriptionToJson, renderPolicyDescription } from '../../service/semantics';
import { CliIo, parseArgs, UsageError } from '../args';
import { loadModel } from '../model';

export const explainUsage = `Usage: netpol explain [FILE|DIR|-]... [--policy NAMESPACE/NAME] [--format text|json] [--default-namespace NS]

For each NetworkPolicy: its namespace, the pods it selects among the inputs (Pods and the pod
templates of workloads), the directions it isolates and why (written, or defaulted by the API
server), the rules that are ignored because policyTypes leaves their direction out, and every
rule in plain words.
Objects without metadata.namespace are placed in --default-namespace (default: default).
Exit status: 0 done, 2 usage error, unreadable input or no such policy.`;

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ['policy', 'format', 'default-namespace', 'n'], flags: ['help'] });
  if (args.flags.has('help')) {
    io.stdout(`${explainUsage}\n`);
    return 0;
  }
  const format = args.value('format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`unknown format ${JSON.stringify(format)}: use text or json`);
  const { model, analyzer, defaultNamespace, unreadable } = await loadModel(args, io);

  let policies = model.policies;
  const wanted = args.value('policy');
  if (wanted !== undefined) {
    const id = wanted.includes('/') ? wanted : `${defaultNamespace}/${wanted}`;
    policies = policies.filter((p) => p.id === id);
    if (policies.length === 0) {
      io.stderr(`netpol explain: no NetworkPolicy ${id} in the inputs${model.policies.length > 0 ? ` (there are: ${model.policies.map((p) => p.id).join(', ')})` : ''}\n`);
      return 2;
    }
  }
  const descriptions = policies.map((policy) => describePolicy(analyzer, policy));
  if (format === 'json') {
    io.stdout(`${JSON.stringify({ policies: descriptions.map((d) => descriptionToJson(d, model)) }, null, 2)}\n`);
  } else if (descriptions.length === 0) {
    io.stdout('No NetworkPolicy in the inputs.\n');
  } else {
    io.stdout(`${descriptions.map((d) => renderPolicyDescription(d, model)).join('\n\n')}\n`);
  }
  return unreadable ? 2 : 0;
}

export { run as runExplain };
