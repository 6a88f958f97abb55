import type { CodeLens } from 'vscode-languageserver-types';
import type { FileAnalysis } from '../lint/context';
import { showPolicyCommand } from '../../protocol';
import { policySummary } from './panel';

/** A lens above each policy of the file: what it selects and isolates; it opens the side panel. */
export function policyCodeLenses(analysis: FileAnalysis): CodeLens[] {
  return analysis.policies.map((policy) => {
    const start = analysis.file.lines.positionAt(policy.location.span[0]);
    return {
      range: { start, end: start },
      command: { title: policySummary(analysis.analyzer, policy), command: showPolicyCommand, arguments: [analysis.uri, policy.id] },
    };
  });
}
