import type { CodeAction, Diagnostic } from 'vscode-languageserver-types';
import { getCodeActions } from './codeActions';
import { defaultServiceSettings, findProblems, ServiceSettings, toDiagnostics } from './diagnostics';
import { defaultParseOptions, ParsedFile, parseFile, ParseOptions } from './parse/parseFile';

/**
 * The pure language service: text in, parsed file out; parsed file in, LSP types out.
 * It knows nothing of connections or editors; the LSP server and the CLI both call it.
 */
export interface LanguageService {
  parse(text: string): ParsedFile;
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
    parse: (text) => parseFile(text, settings.parse),
    validate: (file) => toDiagnostics(findProblems(file), file, settings),
    codeActions: (file, uri, diagnostics) => getCodeActions(file, uri, diagnostics),
  };
}

export type { ParsedFile } from './parse/parseFile';
export type { ServiceSettings } from './diagnostics';
