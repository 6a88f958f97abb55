import { buildModelFromTexts, ClusterModel } from '../service/model';
import { Analyzer, createAnalyzer } from '../service/semantics';
import { CliIo, ParsedArgs, UsageError } from './args';
import { readInputs } from './inputs';

export interface LoadedModel {
  model: ClusterModel;
  analyzer: Analyzer;
  defaultNamespace: string;
  /** True when some input could not be read (already reported on stderr). */
  unreadable: boolean;
}

/**
 * What explain, reach and matrix share: the inputs named on the command line read as one
 * workspace, unreadable paths reported, and the model and engine built from the rest.
 */
export async function loadModel(args: ParsedArgs, io: CliIo): Promise<LoadedModel> {
  if (args.positional.length === 0) throw new UsageError('no input: give files, directories, or - for standard input');
  const defaultNamespace = args.value('default-namespace') ?? args.value('n') ?? 'default';
  const inputs = await readInputs(args.positional, io, io.cwd);
  for (const problem of inputs.problems) io.stderr(`netpol: ${problem.path}: ${problem.reason}\n`);
  const model = buildModelFromTexts(inputs.files, { defaultNamespace });
  return { model, analyzer: createAnalyzer(model), defaultNamespace, unreadable: inputs.problems.length > 0 };
}
