import * as fs from 'fs';
import type * as https from 'https';
import * as os from 'os';
import * as path from 'path';
// The package is an ES module: esbuild bundles it (tree-shaken) into dist/cluster.js as
// CommonJS, and Node 20.19+ can require it directly when the TypeScript output runs in tests.
// TypeScript's node16 mode would refuse an ES import from a CommonJS file (TS1479); the types
// are the same.
// @ts-ignore TS1479
import { KubeConfig as KubeConfigClass } from '@kubernetes/client-node/dist/config.js';
import { describeClusterError, registerSecret } from './redact';
import { ApiError, Connection, ConnectionProvider } from './transport';

/**
 * The user's kubeconfig, read with @kubernetes/client-node's loader: `KUBECONFIG` (a list of
 * files, merged as kubectl merges them: the first file to set a value wins) or
 * `~/.kube/config`. Loading only parses the files. Credentials are obtained (exec plugins
 * run, token files are read) only when a connection is asked for, which the server does only
 * while the cluster feature is on in a trusted workspace.
 */

const clientNode = { KubeConfig: KubeConfigClass };

export type KubeConfig = KubeConfigClass;

export interface KubeconfigEnvironment {
  KUBECONFIG?: string;
  /** The home folder (for ~/.kube/config); os.homedir() when absent. */
  home?: string;
}

/** A context as the picker shows it: never a credential, only how it authenticates. */
export interface ContextSummary {
  name: string;
  cluster: string;
  server?: string;
  user: string;
  namespace?: string;
  auth: 'token' | 'token-file' | 'client-certificate' | 'exec' | 'auth-provider' | 'basic' | 'none';
  /** The exec plugin's command (not run here), so that the user can see what would run. */
  execCommand?: string;
}

export interface KubeconfigSummary {
  files: string[];
  contexts: ContextSummary[];
  currentContext?: string;
  /** Why nothing could be read. */
  error?: string;
}

/** The kubeconfig files kubectl would read, in order. */
export function kubeconfigFiles(env: KubeconfigEnvironment = { KUBECONFIG: process.env.KUBECONFIG }): string[] {
  if (env.KUBECONFIG && env.KUBECONFIG.trim().length > 0) return env.KUBECONFIG.split(path.delimiter).filter((f) => f.trim().length > 0);
  const home = env.home ?? os.homedir();
  return home ? [path.join(home, '.kube', 'config')] : [];
}

/**
 * Parses and merges the kubeconfig files (missing files are skipped, as kubectl does). Throws
 * an Error with a clear, redacted message when none can be read.
 */
export function loadKubeconfig(env?: KubeconfigEnvironment): { kc: KubeConfig; files: string[] } {
  const files = kubeconfigFiles(env);
  const loaded: KubeConfig[] = [];
  const read: string[] = [];
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    const kc = new clientNode.KubeConfig();
    try {
      kc.loadFromFile(file, { onInvalidEntry: 'filter' });
    } catch (error) {
      throw new Error(`cannot read the kubeconfig ${file}: ${describeClusterError(error)}`);
    }
    loaded.push(kc);
    read.push(file);
  }
  if (loaded.length === 0) throw new Error(files.length > 0 ? `no kubeconfig found (looked for ${files.join(', ')})` : 'no kubeconfig found');
  const merged = new clientNode.KubeConfig();
  const clusters = new Map<string, KubeConfig['clusters'][number]>();
  const users = new Map<string, KubeConfig['users'][number]>();
  const contexts = new Map<string, KubeConfig['contexts'][number]>();
  let currentContext: string | undefined;
  for (const kc of loaded) {
    for (const c of kc.clusters ?? []) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of kc.users ?? []) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of kc.contexts ?? []) if (!contexts.has(c.name)) contexts.set(c.name, c);
    if (!currentContext && kc.currentContext) currentContext = kc.currentContext;
  }
  merged.loadFromOptions({ clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()], currentContext: currentContext ?? '' });
  for (const user of users.values()) registerUserSecrets(user);
  return { kc: merged, files: read };
}

/** Everything secret in a kubeconfig user entry goes into the redaction list. */
function registerUserSecrets(user: KubeConfig['users'][number]): void {
  registerSecret(user.token);
  registerSecret(user.password);
  registerSecret(user.keyData);
  const config = (user.authProvider as { config?: Record<string, unknown> } | undefined)?.config;
  if (config) for (const key of ['id-token', 'refresh-token', 'access-token', 'client-secret']) registerSecret(config[key]);
  const exec = user.exec as { env?: { value?: unknown }[] } | undefined;
  for (const variable of exec?.env ?? []) registerSecret(variable?.value);
}

function authKind(user: KubeConfig['users'][number] | null | undefined): ContextSummary['auth'] {
  if (!user) return 'none';
  if (user.exec) return 'exec';
  if (user.authProvider) return 'auth-provider';
  if (user.token) return 'token';
  if ((user as { tokenFile?: string }).tokenFile) return 'token-file';
  if (user.certData || user.certFile) return 'client-certificate';
  if (user.username) return 'basic';
  return 'none';
}

/** The contexts of the kubeconfig, for a picker; never a credential. */
export function summariseKubeconfig(env?: KubeconfigEnvironment): KubeconfigSummary {
  let loaded: { kc: KubeConfig; files: string[] };
  try {
    loaded = loadKubeconfig(env);
  } catch (error) {
    return { files: kubeconfigFiles(env), contexts: [], error: describeClusterError(error) };
  }
  const { kc, files } = loaded;
  const contexts = kc.getContexts().map((context): ContextSummary => {
    const cluster = kc.getCluster(context.cluster);
    const user = kc.getUser(context.user);
    const exec = user?.exec as { command?: unknown } | undefined;
    return {
      name: context.name,
      cluster: context.cluster,
      server: cluster?.server,
      user: context.user,
      namespace: context.namespace,
      auth: authKind(user),
      execCommand: typeof exec?.command === 'string' ? exec.command : undefined,
    };
  });
  return { files, contexts, currentContext: kc.getCurrentContext() || undefined };
}

export interface ResolvedContext {
  context: string;
  server: string;
  namespace?: string;
  provider: ConnectionProvider;
  /** Forget the cached credentials (after a 401). */
  invalidate(): void;
}

/** How long credentials are reused before the kubeconfig's authenticators are asked again. */
const CREDENTIAL_TTL_MS = 60_000;
/** An exec plugin that has not answered in this time is given up on. */
const CREDENTIAL_TIMEOUT_MS = 60_000;

/**
 * The connection for a context (the kubeconfig's current one when none is named). The
 * returned provider runs the kubeconfig's authenticators (exec plugins among them) when it is
 * first called, not before.
 */
export function resolveContext(kc: KubeConfig, contextName?: string): ResolvedContext {
  const name = contextName || kc.getCurrentContext();
  if (!name) throw new Error('the kubeconfig has no current context: choose one');
  const context = kc.getContextObject(name);
  if (!context) throw new Error(`the kubeconfig has no context named ${JSON.stringify(name)}`);
  const cluster = kc.getCluster(context.cluster);
  if (!cluster || !cluster.server) throw new Error(`context ${JSON.stringify(name)} names cluster ${JSON.stringify(context.cluster)}, which has no server`);
  // A KubeConfig of its own, so that choosing this context changes nothing else.
  const scoped = new clientNode.KubeConfig();
  scoped.loadFromOptions({ clusters: kc.clusters, users: kc.users, contexts: kc.contexts, currentContext: name });
  let cached: { connection: Connection; at: number } | undefined;
  const provider: ConnectionProvider = async () => {
    if (cached && Date.now() - cached.at < CREDENTIAL_TTL_MS) return cached.connection;
    const options: https.RequestOptions = {};
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        scoped.applyToHTTPSOptions(options),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the credentials of context ${name} were not ready within ${CREDENTIAL_TIMEOUT_MS / 1000} s`)), CREDENTIAL_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      throw new ApiError('credentials', `cannot get the credentials of context ${name}: ${describeClusterError(error)}`);
    } finally {
      clearTimeout(timer);
    }
    const headers = (options.headers ?? {}) as Record<string, unknown>;
    const authorization = headers.Authorization ?? headers.authorization;
    if (typeof authorization === 'string') registerSecret(authorization.replace(/^\w+\s+/, ''));
    if (typeof options.auth === 'string') registerSecret(options.auth.slice(options.auth.indexOf(':') + 1));
    registerSecret(options.key as string | Buffer | undefined);
    registerSecret(options.passphrase);
    const connection = { server: cluster.server, options };
    cached = { connection, at: Date.now() };
    return connection;
  };
  return { context: name, server: cluster.server, namespace: context.namespace, provider, invalidate: () => (cached = undefined) };
}
