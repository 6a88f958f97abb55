import type { CodeAction, CompletionList, Diagnostic, Position } from 'vscode-languageserver-types';
import { getCodeActions } from './codeActions';
import { CompletionContext, getCompletions } from './completion';
import { defaultServiceSettings, findProblems, ServiceSettings, toDiagnostics } from './diagnostics';
import { defaultParseOptions, EditHint, ParsedFile, parseFile, ParseOptions } from './parse/parseFile';
import { analyseFileSteps, drain, FileAnalysis, WorkspaceFile } from './lint/context';
import { defaultDnsSettings, DnsSettings } from './lint/dns';
import { lintPolicySteps } from './lint/policyLint';
import { getSemanticCodeActions, prepareFixSteps } from './lint/fixes';
import { getHover } from './hover';
import type { CodeLens, Hover, Range } from 'vscode-languageserver-types';
import type { IndexStatus, PolicyPanelResult } from '../protocol';
import { emptyPanel, policyAtOffset, policyPanel } from './inspect/panel';
import { policyCodeLenses } from './inspect/codeLens';

/**
 * The pure language service: text in, parsed file out; parsed file in, LSP types out.
 * It knows nothing of connections or editors; the LSP server and the CLI both call it.
 */
export interface LanguageService {
  /**
   * Parses a file; given the previous parse of the same file, unchanged documents are reused
   * (and `previous` is consumed). The hint, when the caller knows what changed, saves finding that out.
   */
  parse(text: string, previous?: ParsedFile, hint?: EditHint): ParsedFile;
  /** API-server validation, plus what the policies do when seen with the rest of the workspace. */
  validate(file: ParsedFile, context?: FileContext, options?: ValidateOptions): Diagnostic[];
  /**
   * `validate`, in steps: the work stops at each yield, so that a caller can give other work
   * (a keystroke) a turn, or drop the rest once the file has changed. Gives what `validate` gives.
   */
  validateSteps(file: ParsedFile, context?: FileContext, options?: ValidateOptions): Generator<void, Diagnostic[]>;
  codeActions(file: ParsedFile, uri: string, diagnostics: readonly Diagnostic[], context?: FileContext, range?: Range): CodeAction[];
  /**
   * Reads ahead, in steps, what the first code action in a large file would otherwise read at
   * once (see prepareFixSteps); for a caller with time to spare after `validateSteps`.
   */
  prepareSteps(file: ParsedFile, context: FileContext): Generator<void, void>;
  hover(file: ParsedFile, offset: number, context?: FileContext): Hover | null;
  /** Completion at an offset or an LSP position; an internal failure gives an empty list, never an exception. */
  completion(file: ParsedFile, at: number | Position, context?: CompletionContext): CompletionList;
  /** The side panel's tree for the policy at an offset, or a pinned policy of the file. */
  policyPanel(file: ParsedFile, context: FileContext, at: { offset?: number; policyId?: string }, index: IndexStatus): PolicyPanelResult;
  /** "selects 3 pods · isolates Ingress, Egress" above each policy. */
  codeLenses(file: ParsedFile, context: FileContext): CodeLens[];
}

export interface LanguageServiceOptions extends ServiceSettings {
  parse: ParseOptions;
  dns: DnsSettings;
  /** The namespace assumed for objects without metadata.namespace. */
  defaultNamespace: string;
}

export interface ValidateOptions {
  /** False for the API-server checks alone, which are cheap and memoised per document. */
  semantic?: boolean;
}

/**
 * How many NetworkPolicies a file holds; the server uses it to decide how eagerly to analyse.
 * Counting stops past `atMost`, so that asking "more than 200?" does not visit every document.
 */
export function policyCount(file: ParsedFile, atMost = Infinity): number {
  let count = 0;
  for (const document of file.documents) {
    for (const kind of document.kinds) if (kind === 'NetworkPolicy') count++;
    if (count > atMost) break;
  }
  return count;
}

/** Where a file sits: its name (URI or path) and the other files of its workspace. */
export interface FileContext {
  uri: string;
  workspace?: readonly WorkspaceFile[];
}

export const defaultLanguageServiceOptions: LanguageServiceOptions = { ...defaultServiceSettings, parse: defaultParseOptions, dns: defaultDnsSettings, defaultNamespace: 'default' };

export function createLanguageService(options: Partial<LanguageServiceOptions> = {}): LanguageService {
  const settings: LanguageServiceOptions = { ...defaultLanguageServiceOptions, ...options };
  // One analysis per parsed file and workspace snapshot, shared by diagnostics, hovers and fixes.
  const analyses = new WeakMap<ParsedFile, { uri: string; workspace?: readonly WorkspaceFile[]; analysis: FileAnalysis }>();
  function* analyseSteps(file: ParsedFile, context: FileContext): Generator<void, FileAnalysis> {
    const hit = analyses.get(file);
    if (hit && hit.uri === context.uri && hit.workspace === context.workspace) return hit.analysis;
    const analysis = yield* analyseFileSteps(file, { uri: context.uri, workspace: context.workspace, dns: settings.dns, defaultNamespace: settings.defaultNamespace });
    analyses.set(file, { uri: context.uri, workspace: context.workspace, analysis });
    return analysis;
  }
  const analyse = (file: ParsedFile, context: FileContext): FileAnalysis => drain(analyseSteps(file, context));
  /** Findings turned into diagnostics this many at a time. */
  const DIAGNOSTICS_PER_STEP = 1000;
  function* validateSteps(file: ParsedFile, context: FileContext = defaultContext, validateOptions: ValidateOptions = {}): Generator<void, Diagnostic[]> {
    const findings = findProblems(file);
    if (!file.tooLarge && validateOptions.semantic !== false) {
      yield;
      const analysis = yield* analyseSteps(file, context);
      findings.push(...(yield* lintPolicySteps(analysis)));
    }
    if (findings.length <= DIAGNOSTICS_PER_STEP) return toDiagnostics(findings, file, settings);
    const diagnostics: Diagnostic[] = [];
    for (let start = 0; start < findings.length; start += DIAGNOSTICS_PER_STEP) {
      yield;
      for (const diagnostic of toDiagnostics(findings.slice(start, start + DIAGNOSTICS_PER_STEP), file, settings)) diagnostics.push(diagnostic);
    }
    return diagnostics;
  }
  const defaultContext: FileContext = { uri: 'file' };
  return {
    parse: (text, previous, hint) => parseFile(text, settings.parse, previous, hint),
    validate: (file, context, validateOptions) => drain(validateSteps(file, context, validateOptions)),
    validateSteps,
    *prepareSteps(file, context) {
      if (file.tooLarge) return;
      yield* prepareFixSteps(yield* analyseSteps(file, context));
    },
    codeActions: (file, uri, diagnostics, context, range) => [
      ...getCodeActions(file, uri, diagnostics),
      ...(file.tooLarge ? [] : getSemanticCodeActions(analyse(file, context ?? { uri }), diagnostics, range)),
    ],
    hover: (file, offset, context = defaultContext) => (file.tooLarge ? null : getHover(analyse(file, context), offset)),
    policyPanel: (file, context, at, index) => {
      if (file.tooLarge) return emptyPanel('This file is too large to analyse (netpol.maxFileSize).', index);
      const analysis = analyse(file, context);
      const policy =
        (at.policyId !== undefined ? analysis.policies.find((p) => p.id === at.policyId) : undefined) ??
        (at.offset !== undefined ? policyAtOffset(analysis, at.offset) : undefined);
      if (!policy) {
        if (at.policyId !== undefined) return emptyPanel(`The pinned policy ${at.policyId} is no longer in this file.`, index);
        return emptyPanel(analysis.policies.length > 0 ? 'Place the cursor in a NetworkPolicy to see what it selects.' : 'No NetworkPolicy in this file.', index);
      }
      return policyPanel(analysis, policy, index);
    },
    codeLenses: (file, context) => (file.tooLarge ? [] : policyCodeLenses(analyse(file, context))),
    completion: (file, at, context) => {
      try {
        return getCompletions(file, at, context);
      } catch {
        return { isIncomplete: false, items: [] };
      }
    },
  };
}

export type { ParsedFile } from './parse/parseFile';
export type { ServiceSettings } from './diagnostics';
export type { CompletionContext, LabelProvider, LabelScope, LabeledObject } from './completion';
