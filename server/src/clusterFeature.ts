import * as fs from 'fs';
import * as path from 'path';
import type { Connection } from 'vscode-languageserver';
import type { ClusterFile, ClusterSource, KubeconfigSummary } from './cluster/index';
import {
  ClusterContextsResult,
  clusterContextsRequest,
  clusterFileRequest,
  clusterRetryNotification,
  clusterScheme,
  ClusterStatus,
  clusterStatusNotification,
  clusterStatusRequest,
  clusterTrustNotification,
} from './clusterProtocol';
import { describeError } from './runSafe';
import type { DnsSettings } from './service/lint/dns';
import type { WorkspaceFile } from './service/lint/context';
import type { ParsedFile } from './service/parse/parseFile';
import { JsonObject, objectFile } from './service/parse/objectFile';
import type { ClusterSettings } from './settings';

type ClusterModule = typeof import('./cluster/index');

/**
 * The server's side of the live-cluster feature. The cluster layer itself (kubeconfig, the
 * read-only transport, the caches; dist/cluster.js with @kubernetes/client-node) is loaded on
 * first use only, and only while `netpol.cluster.enabled` is on in a trusted workspace: with
 * the feature off or the workspace untrusted no kubeconfig credential is read and no exec
 * plugin runs.
 *
 * The cached objects come back as virtual YAML files (`netpol-cluster:/CONTEXT/NS/pods.yaml`)
 * placed before the workspace files in the snapshot, so that the workspace's own definitions
 * win over the live objects of the same name, and every feature (hovers, completion, lint,
 * the side panel) sees the cluster through the same model. No diagnostics are published for
 * them: they are never open documents.
 */
export class ClusterFeature {
  private module: ClusterModule | undefined;
  private source: ClusterSource | undefined;
  private sourceKey = '';
  private settings: ClusterSettings | undefined;
  private trusted: boolean;
  private statusValue: ClusterStatus;
  private parsedFiles = new Map<string, { objects: readonly unknown[]; parsed: ParsedFile }>();
  private snapshot: { version: number; files: WorkspaceFile[] } | undefined;
  private combined: { workspace: readonly WorkspaceFile[]; cluster: readonly WorkspaceFile[]; result: readonly WorkspaceFile[] } | undefined;

  constructor(
    private readonly host: {
      log(message: string): void;
      /** The cluster's objects changed: the workspace snapshot has. */
      onChange(): void;
      onStatus(status: ClusterStatus): void;
    },
    trusted = true,
  ) {
    this.trusted = trusted;
    this.statusValue = this.idleStatus();
  }

  /** Where the bundle lives next to dist/server.js; the compiled TypeScript in tests. */
  private load(): ClusterModule {
    if (this.module) return this.module;
    const bundled = path.join(__dirname, 'cluster.js');
    // Not a literal: esbuild must leave these requires for run time.
    const target = fs.existsSync(bundled) ? bundled : './cluster/index';
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.module = require(target) as ClusterModule;
    return this.module;
  }

  private idleStatus(): ClusterStatus {
    const enabled = this.settings?.enabled === true;
    const state = !enabled ? 'disabled' : 'untrusted';
    const message = !enabled ? 'the cluster feature is off (netpol.cluster.enabled)' : 'the workspace is not trusted: the cluster feature is off, and no kubeconfig credential is read';
    return { state, message, context: this.settings?.context || undefined, forbidden: [], notes: [], counts: { namespaces: 0, pods: 0, services: 0, networkPolicies: 0, daemonSets: 0 } };
  }

  status(): ClusterStatus {
    return this.statusValue;
  }

  setTrusted(trusted: boolean): void {
    if (this.trusted === trusted) return;
    this.trusted = trusted;
    this.reconcile();
  }

  configure(settings: ClusterSettings): void {
    this.settings = settings;
    this.reconcile();
  }

  /** Starts, restarts or stops the source to match the settings and the trust. */
  private reconcile(): void {
    const settings = this.settings;
    const active = settings !== undefined && settings.enabled && this.trusted;
    const key = active ? JSON.stringify([settings.context, settings.namespaces, settings.timeout]) : '';
    if (key === this.sourceKey && (active ? this.source !== undefined : this.source === undefined)) {
      if (!active) this.setStatus(this.idleStatus());
      return;
    }
    this.sourceKey = key;
    const previous = this.source;
    this.source = undefined;
    if (previous) void previous.stop().catch((error) => this.host.log(`Stopping the cluster cache failed: ${describeError(error)}`));
    this.parsedFiles.clear();
    this.snapshot = undefined;
    this.combined = undefined;
    if (!active) {
      this.setStatus(this.idleStatus());
      if (previous) this.host.onChange();
      return;
    }
    let module: ClusterModule;
    try {
      module = this.load();
    } catch (error) {
      this.host.log(`The cluster layer could not be loaded: ${describeError(error)}`);
      this.setStatus({ ...this.idleStatus(), state: 'config-error', message: 'the cluster layer could not be loaded; see the log' });
      return;
    }
    const source: ClusterSource = new module.ClusterSource({
      context: settings.context || undefined,
      namespaces: settings.namespaces,
      timeoutMs: settings.timeout,
      log: (message) => this.host.log(message),
      onChange: () => {
        if (this.source !== source) return;
        this.host.onChange();
      },
      onStatus: (status) => {
        if (this.source === source) this.setStatus(status);
      },
    });
    this.source = source;
    source.start();
    if (previous) this.host.onChange();
  }

  private setStatus(status: ClusterStatus): void {
    this.statusValue = status;
    this.host.onStatus(status);
  }

  retry(): void {
    this.source?.retryNow();
  }

  /** The cluster's objects as parsed virtual files; empty when the feature is off. */
  files(): readonly WorkspaceFile[] {
    const source = this.source;
    if (!source) return [];
    if (this.snapshot && this.snapshot.version === source.version) return this.snapshot.files;
    const next = new Map<string, { objects: readonly unknown[]; parsed: ParsedFile }>();
    const files: WorkspaceFile[] = [];
    for (const file of source.files() as ClusterFile[]) {
      const known = this.parsedFiles.get(file.uri);
      // An unchanged object is the same value: a file whose objects are all the same is reused.
      const same = known && known.objects.length === file.objects.length && known.objects.every((o, i) => o === file.objects[i]);
      const parsed = same ? known.parsed : objectFile(file.objects as JsonObject[]);
      next.set(file.uri, { objects: file.objects, parsed });
      files.push({ uri: file.uri, parsed });
    }
    this.parsedFiles = next;
    this.snapshot = { version: source.version, files };
    return files;
  }

  /**
   * The workspace snapshot with the cluster's files in front (the workspace's definitions
   * replace live objects of the same identity). The same array is returned while neither
   * changes, so that analyses stay cached on it.
   */
  withWorkspace(workspace: readonly WorkspaceFile[]): readonly WorkspaceFile[] {
    const cluster = this.files();
    if (cluster.length === 0) return workspace;
    if (this.combined && this.combined.workspace === workspace && this.combined.cluster === cluster) return this.combined.result;
    const result = [...cluster, ...workspace];
    this.combined = { workspace, cluster, result };
    return result;
  }

  /** The text of a virtual file, to show it read-only in the editor. */
  fileText(uri: string): string | undefined {
    if (!uri.startsWith(`${clusterScheme}:`)) return undefined;
    this.files();
    const exact = this.parsedFiles.get(uri);
    if (exact) return exact.parsed.text;
    // Editors may send the URI with its escapes decoded.
    const decode = (u: string) => {
      try {
        return decodeURIComponent(u);
      } catch {
        return u;
      }
    };
    for (const [known, file] of this.parsedFiles) if (decode(known) === decode(uri)) return file.parsed.text;
    return undefined;
  }

  /**
   * The DNS target adjusted to the cluster: with the default preset, the labels the cluster's
   * DNS pods actually carry, and a note when none of them is ready.
   */
  dns(base: DnsSettings): DnsSettings {
    const dns = this.statusValue.dns;
    if (!this.source || !dns || base.preset !== 'kubernetes') return base;
    const note = dns.ready === 0 ? `Note: the cluster's DNS pods (${Object.entries(dns.labels).map(([k, v]) => `${k}=${v}`).join(', ')} in ${dns.namespace}) have no ready pod, so lookups fail whatever the policies allow.` : undefined;
    const sameLabels = JSON.stringify(dns.labels) === JSON.stringify(base.podLabels) && dns.namespace === base.namespace;
    if (sameLabels && !note) return base;
    return { ...base, preset: 'custom', namespace: dns.namespace, podLabels: dns.labels, port: 53, note };
  }

  /** The kubeconfig's contexts for the picker. Parses the files only: no credential is used. */
  contexts(): ClusterContextsResult {
    let summary: KubeconfigSummary;
    try {
      summary = this.load().summariseKubeconfig();
    } catch (error) {
      return { contexts: [], files: [], error: `the kubeconfig could not be read: ${describeError(error)}` };
    }
    return { ...summary, selected: this.settings?.context || undefined };
  }

  async stop(): Promise<void> {
    const source = this.source;
    this.source = undefined;
    await source?.stop();
  }
}

/** The cluster's requests and notifications. */
export function registerCluster(connection: Connection, feature: ClusterFeature, log: (message: string) => void): void {
  connection.onRequest(clusterStatusRequest, () => feature.status());
  connection.onRequest(clusterContextsRequest, () => feature.contexts());
  connection.onRequest(clusterFileRequest, (params: { uri?: unknown }) => (typeof params?.uri === 'string' ? feature.fileText(params.uri) ?? null : null));
  connection.onNotification(clusterTrustNotification, (params: { trusted?: unknown }) => {
    if (typeof params?.trusted === 'boolean') feature.setTrusted(params.trusted);
    else log('Ignored a workspace trust notification without a boolean "trusted".');
  });
  connection.onNotification(clusterRetryNotification, () => feature.retry());
}

/** Trust as the client says it in initializationOptions; editors without workspace trust send nothing and are trusted. */
export function trustedFromInit(init: unknown): boolean {
  if (!init || typeof init !== 'object') return true;
  const trusted = (init as Record<string, unknown>).trusted;
  return trusted !== false;
}

export { clusterStatusNotification };
