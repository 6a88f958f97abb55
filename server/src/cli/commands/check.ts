import * as path from 'path';
import type { Diagnostic } from 'vscode-languageserver-types';
import { createLanguageService, policyCount } from '../../service/languageService';
import { allRules, normaliseRuleSettings, RuleSetting } from '../../service/rules';
import { CliIo, parseArgs, UsageError } from '../args';
import { readInputs } from '../inputs';

const severityNames = ['error', 'error', 'warning', 'information', 'hint'] as const;

export const checkUsage = `Usage: netpol check [FILE|DIR|-]... [--format text|json|sarif] [--severity error|warning|information|hint] [--rule CODE=SEVERITY]... [--max-file-size BYTES]

Checks NetworkPolicy manifests as the API server would (kubectl apply), and more.
Directories are walked for *.yaml and *.yml; - reads standard input. All inputs are read as
one workspace, so a policy is judged with the pods and policies of every file.
--severity sets the least severe diagnostic reported (default: warning).
Exit status: 0 no error-severity diagnostic, 1 at least one, 2 usage error or unreadable input.`;

interface FileResult {
  path: string;
  diagnostics: Diagnostic[];
}

export async function runCheck(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ['format', 'rule', 'max-file-size', 'severity'], flags: ['help'] });
  if (args.flags.has('help')) {
    io.stdout(`${checkUsage}\n`);
    return 0;
  }
  const format = args.value('format') ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`unknown format ${JSON.stringify(format)}: use text, json or sarif`);
  // Index 0 is the fallback name for a diagnostic without a severity; "error" is level 1.
  const threshold = severityNames.lastIndexOf((args.value('severity') ?? 'warning') as (typeof severityNames)[number]);
  if (threshold < 1) throw new UsageError(`unknown severity ${JSON.stringify(args.value('severity'))}: use error, warning, information or hint`);
  const rules: Record<string, RuleSetting> = {};
  for (const spec of args.values('rule')) {
    const [code, severity] = spec.split('=');
    const parsed = normaliseRuleSettings({ [code]: severity });
    if (Object.keys(parsed).length === 0) throw new UsageError(`bad --rule ${JSON.stringify(spec)}: expected CODE=off|error|warning|information|hint with a known code`);
    Object.assign(rules, parsed);
  }
  const maxFileSizeText = args.value('max-file-size');
  const maxFileSize = maxFileSizeText === undefined ? 5 * 1024 * 1024 : Number(maxFileSizeText);
  if (!Number.isInteger(maxFileSize) || maxFileSize <= 0) throw new UsageError(`bad --max-file-size ${JSON.stringify(maxFileSizeText)}: expected a number of bytes`);
  const paths = args.positional.length > 0 ? args.positional : [];
  if (paths.length === 0) throw new UsageError('no input: give files, directories, or - for standard input');

  const inputs = await readInputs(paths, io, io.cwd);
  for (const problem of inputs.problems) io.stderr(`netpol: ${problem.path}: ${problem.reason}\n`);

  const service = createLanguageService({ rules, parse: { maxFileSize, limits: { maxAliasExpansions: 1000, maxDepth: 200 } } });
  // The inputs are one workspace: a policy is judged with the pods and policies of every file.
  const parsed = inputs.files.map((file) => ({ uri: file.path, parsed: service.parse(file.text) }));
  // The semantic rules are about what each policy of a file does, so a file without policies
  // gets the API-server checks alone; in a directory of thousands of Pods and Services this
  // skips most of the whole-workspace analysis.
  const results: FileResult[] = parsed.map((file) => ({
    path: file.uri,
    diagnostics: service
      .validate(file.parsed, { uri: file.uri, workspace: parsed }, { semantic: policyCount(file.parsed) > 0 })
      .filter((d) => (d.severity ?? 1) <= threshold),
  }));

  if (format === 'json') io.stdout(`${JSON.stringify(toJson(results), null, 2)}\n`);
  else if (format === 'sarif') io.stdout(`${JSON.stringify(toSarif(results, io.cwd), null, 2)}\n`);
  else io.stdout(toText(results));

  if (inputs.problems.length > 0) return 2;
  return results.some((r) => r.diagnostics.some((d) => (d.severity ?? 1) === 1)) ? 1 : 0;
}

function messageOf(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

function fieldOf(d: Diagnostic): string | undefined {
  const data = d.data as { field?: unknown } | undefined;
  return typeof data?.field === 'string' ? data.field : undefined;
}

function toText(results: FileResult[]): string {
  let out = '';
  const counts = { error: 0, warning: 0, information: 0, hint: 0 };
  for (const result of results) {
    for (const d of result.diagnostics) {
      const severity = severityNames[d.severity ?? 1];
      counts[severity]++;
      out += `${result.path}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${severity} ${d.code}: ${messageOf(d)}\n`;
    }
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = [plural(counts.error, 'error'), plural(counts.warning, 'warning')];
  if (counts.information) parts.push(`${counts.information} information`);
  if (counts.hint) parts.push(plural(counts.hint, 'hint'));
  out += `${parts.join(', ')} in ${plural(results.length, 'file')}\n`;
  return out;
}

/** The JSON contract: LSP positions (0-based lines, UTF-16 characters). Keep it stable. */
function toJson(results: FileResult[]) {
  return {
    files: results.map((result) => ({
      path: result.path,
      diagnostics: result.diagnostics.map((d) => {
        const field = fieldOf(d);
        return {
          range: { start: { line: d.range.start.line, character: d.range.start.character }, end: { line: d.range.end.line, character: d.range.end.character } },
          severity: severityNames[d.severity ?? 1],
          code: String(d.code),
          message: messageOf(d),
          ...(field !== undefined ? { field } : {}),
        };
      }),
    })),
  };
}

const sarifLevels = { error: 'error', warning: 'warning', information: 'note', hint: 'note' } as const;

/** SARIF 2.1.0 as GitHub code scanning reads it: 1-based lines and UTF-16 columns. */
function toSarif(results: FileResult[], cwd: string) {
  const rules = allRules.map((rule) => ({
    id: rule.code,
    name: rule.code.replace(/^netpol\//, '').replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
    shortDescription: { text: rule.summary },
    defaultConfiguration: { level: sarifLevels[rule.severity] },
    helpUri: `https://github.com/netpol-inspector/netpol-inspector#${rule.code.replace('/', '')}`,
  }));
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'netpol', informationUri: 'https://github.com/netpol-inspector/netpol-inspector', semanticVersion: '0.1.0', rules } },
        columnKind: 'utf16CodeUnits',
        results: results.flatMap((result) =>
          result.diagnostics.map((d) => {
            const code = String(d.code);
            const field = fieldOf(d);
            return {
              ruleId: code,
              ...(ruleIndex.has(code) ? { ruleIndex: ruleIndex.get(code) } : {}),
              level: sarifLevels[severityNames[d.severity ?? 1]],
              message: { text: messageOf(d) },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: sarifUri(result.path, cwd) },
                    region: {
                      startLine: d.range.start.line + 1,
                      startColumn: d.range.start.character + 1,
                      endLine: d.range.end.line + 1,
                      endColumn: d.range.end.character + 1,
                    },
                  },
                },
              ],
              ...(field !== undefined ? { properties: { field } } : {}),
            };
          }),
        ),
      },
    ],
  };
}

function sarifUri(file: string, cwd: string): string {
  if (file === '-') return 'stdin';
  const relative = path.isAbsolute(file) ? path.relative(cwd, file) : file;
  const uri = relative.startsWith('..') ? path.resolve(cwd, file) : relative;
  return uri.split(path.sep).map(encodeURIComponent).join('/');
}
