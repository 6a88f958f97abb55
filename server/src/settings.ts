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
  /** `netpol.exclude`: globs of workspace files and folders the index leaves out (besides `files.exclude`). */
  exclude: string[];
  /** The live-cluster feature (`netpol.cluster.*`). */
  cluster: ClusterSettings;
}

export interface ClusterSettings {
  /** Off by default; the server also needs a trusted workspace to use it. */
  enabled: boolean;
  /** The kubeconfig context; empty: the kubeconfig's current context. */
  context: string;
  /** Namespaces whose pods, services and policies are read; empty: all. */
  namespaces: string[];
  /** Milliseconds each answer from the API server may take. */
  timeout: number;
}

export const defaultClusterSettings: ClusterSettings = { enabled: false, context: '', namespaces: [], timeout: 3000 };

function readClusterSettings(s: Record<string, unknown>): ClusterSettings {
  const nested = (s.cluster && typeof s.cluster === 'object' ? s.cluster : {}) as Record<string, unknown>;
  const get = (key: string) => nested[key] ?? s[`cluster.${key}`];
  const namespaces = get('namespaces');
  return {
    enabled: get('enabled') === true,
    context: typeof get('context') === 'string' ? (get('context') as string).trim() : '',
    namespaces: Array.isArray(namespaces) ? [...new Set(namespaces.filter((n): n is string => typeof n === 'string' && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n)))] : [],
    timeout: numberIn(get('timeout'), 100, 60000, defaultClusterSettings.timeout),
  };
}

export const defaultServerSettings: ServerSettings = {
  rules: {},
  maxFileSize: 5 * 1024 * 1024,
  diagnosticsDelay: 200,
  dns: defaultDnsSettings,
  defaultNamespace: 'default',
  workspace: true,
  workspaceMaxFiles: 5000,
  exclude: [],
  cluster: defaultClusterSettings,
};

/** A list of glob patterns: non-empty strings, trimmed, without duplicates; anything else is dropped. */
function readGlobs(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const globs = value.filter((v): v is string => typeof v === 'string').map((v) => v.trim()).filter((v) => v !== '' && v.length <= 1000);
  return [...new Set(globs)].slice(0, 1000);
}

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
    exclude: readGlobs(s.exclude),
    cluster: readClusterSettings(s),
  };
}
