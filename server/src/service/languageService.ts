import type { CodeAction, Diagnostic } from 'vscode-languageserver-types';
import { getCodeActions } from './codeActions';
import { defaultServiceSettings, findProblems, ServiceSettings, toDiagnostics } from './diagnostics';
import { defaultParseOptions, ParsedFile, parseFile, ParseOptions } from './parse/parseFile';

/**
 * The pure language service: text in, parsed file out; parsed file in, LSP types out.
 * It knows nothing of connections or editors; the LSP server and the CLI both call it.
 */
export interface LanguageService {
  /** Parses a file; given the previous parse of the same file, unchanged documents are reused (and `previous` is consumed). */
  parse(text: string, previous?: ParsedFile): ParsedFile;
  validate(file: ParsedFile): Diagnostic[];
  codeActions(file: ParsedFile, uri: string, diagnostics: readonly Diagnostic[]): CodeAction[];
}

export interface LanguageServiceOptions extends ServiceSettings {
  parse: ParseOptions;
}

export const defaultLanguageServiceOptions: LanguageServiceOptions = { ...defaultServiceSettings, parse: defaultParseOptions };

export function createLanguageService(options: Partial<LanguageServiceOptions> = {}): LanguageService {
  const settings: LanguageServiceOptions = { ...defaultLanguageServiceOptions, ...options };
  return {
    parse: (text, previous) => parseFile(text, settings.parse, previous),
    validate: (file) => toDiagnostics(findProblems(file), file, settings),
    codeActions: (file, uri, diagnostics) => getCodeActions(file, uri, diagnostics),
  };
}

export type { ParsedFile } from './parse/parseFile';
export type { ServiceSettings } from './diagnostics';
