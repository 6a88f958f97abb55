import { connectivityChecksScript } from '../../service/inspect/checks';
import { CliIo, parseArgs, UsageError } from '../args';
import { loadModel } from '../model';

export const checksUsage = `Usage: netpol checks [FILE|DIR|-]... --policy NAMESPACE/NAME [--default-namespace NS]

Prints a shell script of connectivity checks for one policy: for each flow its rules allow
(each rule, each pod its peers match among the inputs, each port), a throwaway busybox pod
started with kubectl run in the source's namespace with the source's labels tries the
connection (wget --spider or nc -z for TCP, nc -zu for UDP, nslookup for DNS), and one flow
that nothing allows is tried too; each check prints whether the outcome is the one the
policies of the inputs predict. Targets are Service names where a Service exposes the pod's
port, else the pod's IP looked up with kubectl at run time.
--policy may be left out when the inputs hold exactly one NetworkPolicy.
Exit status: 0 done, 2 usage error, unreadable input or no such policy.`;

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ['policy', 'default-namespace', 'n'], flags: ['help'] });
  if (args.flags.has('help')) {
    io.stdout(`${checksUsage}\n`);
    return 0;
  }
  const { model, analyzer, defaultNamespace, unreadable } = await loadModel(args, io);
  if (unreadable) return 2;
  const wanted = args.value('policy');
  let policy = model.policies[0];
  if (wanted !== undefined) {
    const id = wanted.includes('/') ? wanted : `${defaultNamespace}/${wanted}`;
    const found = model.policies.find((p) => p.id === id);
    if (!found) {
      io.stderr(`netpol checks: no NetworkPolicy ${id} in the inputs${model.policies.length > 0 ? ` (there are: ${model.policies.map((p) => p.id).join(', ')})` : ''}\n`);
      return 2;
    }
    policy = found;
  } else if (model.policies.length !== 1) {
    throw new UsageError(
      model.policies.length === 0 ? 'no NetworkPolicy in the inputs' : `--policy is required: the inputs hold ${model.policies.length} policies (${model.policies.map((p) => p.id).join(', ')})`,
    );
  }
  io.stdout(connectivityChecksScript(analyzer, policy));
  return 0;
}

export { run as runChecks };
