import { normaliseRuleSettings, RuleSetting } from './service/rules';
import { defaultDnsSettings, DnsSettings, readDnsSettings } from './service/lint/dns';

/** The `netpol` settings the server reads. Every setting is validated; bad values fall back to defaults. */
export interface ServerSettings {
  rules: Record<string, RuleSetting>;
  /** Files larger than this (bytes) get one diagnostic instead of analysis. */
  maxFileSize: number;
  /** Milliseconds to wait after a change before diagnostics are computed. */
  diagnosticsDelay: number;
  /** Where the cluster DNS answers, for the DNS warning and its quick fix. */
  dns: DnsSettings;
  /** The namespace assumed for objects without metadata.namespace. */
  defaultNamespace: string;
  /** Whether the YAML files of the workspace folders are read, so policies are judged with the pods defined elsewhere. */
  workspace: boolean;
  workspaceMaxFiles: number;
}

export const defaultServerSettings: ServerSettings = {
  rules: {},
  maxFileSize: 5 * 1024 * 1024,
  diagnosticsDelay: 200,
  dns: defaultDnsSettings,
  defaultNamespace: 'default',
  workspace: true,
  workspaceMaxFiles: 5000,
};

function numberIn(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : fallback;
}

/** Reads the `netpol` section, in either the nested form or the dotted-key form. */
export function readSettings(section: unknown): ServerSettings {
  if (!section || typeof section !== 'object') return { ...defaultServerSettings };
  const s = section as Record<string, unknown>;
  const diagnostics = (s.diagnostics && typeof s.diagnostics === 'object' ? s.diagnostics : {}) as Record<string, unknown>;
  const workspace = (s.workspace && typeof s.workspace === 'object' ? s.workspace : {}) as Record<string, unknown>;
  return {
    rules: normaliseRuleSettings(s.rules),
    maxFileSize: numberIn(s.maxFileSize, 1024, 1024 * 1024 * 1024, defaultServerSettings.maxFileSize),
    diagnosticsDelay: numberIn(diagnostics.delay ?? s['diagnostics.delay'], 0, 10000, defaultServerSettings.diagnosticsDelay),
    dns: readDnsSettings(s.dns),
    defaultNamespace: typeof s.defaultNamespace === 'string' && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s.defaultNamespace) ? s.defaultNamespace : 'default',
    workspace: workspace.enabled !== false,
    workspaceMaxFiles: numberIn(workspace.maxFiles, 0, 100000, defaultServerSettings.workspaceMaxFiles),
  };
}
