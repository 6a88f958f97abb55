import { normaliseRuleSettings, RuleSetting } from './service/rules';

/** The `netpol` settings the server reads. Every setting is validated; bad values fall back to defaults. */
export interface ServerSettings {
  rules: Record<string, RuleSetting>;
  /** Files larger than this (bytes) get one diagnostic instead of analysis. */
  maxFileSize: number;
  /** Milliseconds to wait after a change before diagnostics are computed. */
  diagnosticsDelay: number;
}

export const defaultServerSettings: ServerSettings = {
  rules: {},
  maxFileSize: 5 * 1024 * 1024,
  diagnosticsDelay: 200,
};

function numberIn(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : fallback;
}

/** Reads the `netpol` section, in either the nested form or the dotted-key form. */
export function readSettings(section: unknown): ServerSettings {
  if (!section || typeof section !== 'object') return { ...defaultServerSettings };
  const s = section as Record<string, unknown>;
  const diagnostics = (s.diagnostics && typeof s.diagnostics === 'object' ? s.diagnostics : {}) as Record<string, unknown>;
  return {
    rules: normaliseRuleSettings(s.rules),
    maxFileSize: numberIn(s.maxFileSize, 1024, 1024 * 1024 * 1024, defaultServerSettings.maxFileSize),
    diagnosticsDelay: numberIn(diagnostics.delay ?? s['diagnostics.delay'], 0, 10000, defaultServerSettings.diagnosticsDelay),
  };
}
