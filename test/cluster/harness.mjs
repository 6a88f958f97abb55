// A real Kubernetes API server (kube-apiserver + etcd, built from source by build.mjs) on
// loopback, for tests that talk to a cluster. No scheduler, controller manager or kubelet:
// objects are stored and served, pods stay Pending, namespaces never finish deleting.
//
//   import { startCluster } from './harness.mjs';
//   const cluster = await startCluster();
//   ...
//   await cluster.stop();
//
// startCluster(opts?) -> Promise<Cluster>
//   opts.restrictedNamespace  namespace whose pods "limited" may not read (default "restricted")
//   opts.fresh                always start a new cluster, even inside test/cluster/run.mjs,
//                             which otherwise hands every caller its one shared cluster
//   opts.quiet                no build progress on stderr (default true unless NETPOL_CLUSTER_VERBOSE)
//   opts.keepTemp             keep the temporary folder after stop() (also NETPOL_CLUSTER_KEEP=1)
//   opts.startTimeoutMs       how long each process may take to become ready (default 120000)
//   opts.apiServerArgs        extra kube-apiserver flags (array of "--flag=value")
//
// Cluster:
//   url                 "https://127.0.0.1:<port>"
//   caPem, caFile       the CA that signed the serving certificate (PEM text, and a file)
//   tokens              { admin, reader, limited } static bearer tokens
//                         admin   user "admin", group system:masters
//                         reader  user "reader": get/list/watch on every resource, every namespace
//                         limited user "limited": get/list/watch on every resource except pods,
//                                 and pods in every namespace but the restricted one; so listing
//                                 pods across all namespaces, or in "restricted", is forbidden
//   restrictedNamespace "restricted"
//   kubeconfigs         { admin, reader, limited } kubeconfig file paths (server, CA data, token;
//                       context namespace "default")
//   auditLogPath        the API server's audit log (level Metadata for every request, one JSON
//                       event per line; the RequestReceived stage is omitted)
//   tmpDir              the temporary folder holding certificates, data, logs and kubeconfigs
//   logs                { etcd, apiserver } log file paths
//   async stop()                 stops kube-apiserver and etcd, removes the temporary folder
//   async restartApiServer(opts?) stops kube-apiserver and starts it again on the same port with
//                                the same etcd; opts.downMs keeps it down that long in between.
//                                Resolves when /readyz answers again.
//   async stopApiServer() / async startApiServer()   the two halves of restartApiServer
//   async readAudit(filter?)     parsed audit events; filter is a function, or an object whose
//                                keys (user, verb, resource, namespace, name, code, stage, uri) must
//                                all match (a string or a RegExp for uri)
//   async waitForAudit(filter, timeoutMs?)  resolves with the matching events once there is one
//   async request(method, path, { token?, body?, contentType?, query? })
//                                -> { status, headers, text, json } (admin token by default)
//   async get(path, token?)      GET; throws unless 2xx; returns the parsed body
//   async apply(obj)             creates or updates an object as admin (server-side apply when
//                                it has metadata.name, POST otherwise); returns the stored object.
//                                A Namespace created this way gets the "limited" pod RoleBinding
//                                (unless it is the restricted one).
//   async del(target, namespace?) deletes as admin; target is an API path ("/api/v1/..."), an
//                                object ({apiVersion, kind, metadata}), or "kind/name" with the
//                                kind as singular, plural or short name ("pod/web", "ns/team-a").
//                                A missing object is not an error.
//   async createNamespace(name, labels?)
//   async createPod(namespace, name, { labels?, ports?: [{name?, containerPort, protocol?}] }?)
//   async createService(namespace, name, { selector?, ports?: [{name?, port, targetPort?, protocol?}] }?)
//   async createDaemonSet(namespace, name, { labels?, image?, ports? }?)
//   async createNetworkPolicy(namespace, name, spec)
//   resourceFor(apiVersion, kind, namespace = "default") -> Promise<{ path, namespaced, resource }>
//                                the collection path, from discovery
//
//   users               { admin, reader, limited } user names; versions { kube-apiserver, etcd }
//
// Also exported: setSharedCluster(cluster) (run.mjs hands its cluster to every startCluster()
// caller this way; pass undefined to stop) and freePort().
//
// Child processes are killed when this process exits (and, where util-linux's setpriv exists,
// by the kernel when it dies of SIGKILL). A process that fails to start rejects with the last
// lines of its log; the temporary folder is then kept for its logs. Requires openssl.
import { execFileSync, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureBinaries } from './build.mjs';
import { freePort } from '../../scripts/code-server.mjs';

const RESTRICTED = 'restricted';
const children = new Set();
let exitHooked = false;

function hookExit() {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const child of children) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      for (const child of children) {
        try {
          child.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
      process.exit(128 + (os.constants.signals[signal] ?? 1));
    });
  }
}

/** A free TCP port on 127.0.0.1 (the kernel picks it; we release it just before use). */
export { freePort };

const setpriv = process.platform === 'linux' ? ['/usr/bin/setpriv', '/bin/setpriv'].find((f) => fs.existsSync(f)) : undefined;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A started child process with its log in a file and its last lines in memory. */
class Proc {
  constructor(name, file, args, logFile) {
    this.name = name;
    this.file = file;
    this.args = args;
    this.logFile = logFile;
    this.tail = [];
    this.exited = null;
  }

  start() {
    const log = fs.openSync(this.logFile, 'a');
    fs.writeSync(log, `\n==== ${new Date().toISOString()} ${this.file} ${this.args.join(' ')}\n`);
    // Where util-linux's setpriv is at hand, the kernel kills the child when this process dies
    // even by SIGKILL (no exit handler runs then).
    const [file, args] = setpriv ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', this.file, ...this.args]] : [this.file, this.args];
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = null;
    this.exitPromise = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exited = { code, signal };
        children.delete(child);
        resolve(this.exited);
      });
      child.on('error', (error) => {
        this.exited = { code: null, signal: null, error };
        children.delete(child);
        resolve(this.exited);
      });
    });
    children.add(child);
    let partial = '';
    const collect = (chunk) => {
      fs.writeSync(log, chunk);
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      this.tail.push(...lines);
      if (this.tail.length > 200) this.tail.splice(0, this.tail.length - 200);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    this.exitPromise.then(() => fs.closeSync(log));
  }

  lastLines(n = 30) {
    return this.tail.slice(-n).join('\n');
  }

  failure(what) {
    const how = this.exited?.error ? this.exited.error.message : this.exited ? `exited with ${this.exited.signal ?? `code ${this.exited.code}`}` : 'is still running';
    return new Error(`${this.name} ${what}: ${how}; full log: ${this.logFile}\n--- last lines ---\n${this.lastLines()}`);
  }

  async stop(timeoutMs = 15000) {
    if (!this.child || this.exited) return;
    this.child.kill('SIGTERM');
    let timer;
    const done = await Promise.race([this.exitPromise, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs, null)))]);
    clearTimeout(timer);
    if (!done) {
      this.child.kill('SIGKILL');
      await this.exitPromise;
    }
  }
}

/** Polls check() until it is true; fails early when the process exits. */
async function waitUntil(proc, check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    if (proc.exited) throw proc.failure(`failed before ${what}`);
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(200);
  }
  throw proc.failure(`did not become ${what} within ${timeoutMs} ms${lastError ? ` (last error: ${lastError.message})` : ''}`);
}

function openssl(args, cwd) {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`openssl ${args.join(' ')} failed: ${error.stderr?.toString() ?? error.message}`);
  }
}

/** A CA and a serving certificate for 127.0.0.1/localhost, valid for two days. */
function makeCertificates(dir) {
  const ext = path.join(dir, 'serving.ext');
  fs.writeFileSync(ext, [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc',
    '',
  ].join('\n'));
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=netpol-inspector-test-ca', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', 'ca.key', '-out', 'ca.crt'], dir);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=kube-apiserver',
    '-keyout', 'serving.key', '-out', 'serving.csr'], dir);
  openssl(['x509', '-req', '-in', 'serving.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
    '-extfile', 'serving.ext', '-out', 'serving.crt'], dir);
  // The service-account signing key pair.
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  fs.writeFileSync(path.join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  fs.writeFileSync(path.join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  return {
    caFile: path.join(dir, 'ca.crt'),
    certFile: path.join(dir, 'serving.crt'),
    keyFile: path.join(dir, 'serving.key'),
    saKey: path.join(dir, 'sa.key'),
    saPub: path.join(dir, 'sa.pub'),
  };
}

function kubeconfig({ url, caPem, user, token }) {
  const q = (s) => JSON.stringify(s);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: netpol-test',
    '  cluster:',
    `    server: ${q(url)}`,
    `    certificate-authority-data: ${q(Buffer.from(caPem).toString('base64'))}`,
    'users:',
    `- name: ${q(user)}`,
    '  user:',
    `    token: ${q(token)}`,
    'contexts:',
    `- name: ${q(`${user}@netpol-test`)}`,
    '  context:',
    '    cluster: netpol-test',
    `    user: ${q(user)}`,
    '    namespace: default',
    `current-context: ${q(`${user}@netpol-test`)}`,
    '',
  ].join('\n');
}

/** One HTTPS request against the API server. */
function httpsRequest(url, caPem, method, pathAndQuery, { token, body, contentType, timeoutMs = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    const target = new URL(pathAndQuery, url);
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      headers['Content-Type'] = contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    const req = https.request(target, { method, headers, ca: caPem, timeout: timeoutMs, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${pathAndQuery} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

function matches(event, filter) {
  if (!filter) return true;
  if (typeof filter === 'function') return filter(event);
  const ref = event.objectRef ?? {};
  const checks = {
    user: () => event.user?.username === filter.user,
    verb: () => event.verb === filter.verb,
    resource: () => ref.resource === filter.resource,
    namespace: () => ref.namespace === filter.namespace,
    name: () => ref.name === filter.name,
    code: () => event.responseStatus?.code === filter.code,
    uri: () => (filter.uri instanceof RegExp ? filter.uri.test(event.requestURI) : event.requestURI === filter.uri),
    stage: () => event.stage === filter.stage,
  };
  return Object.keys(filter).every((key) => (checks[key] ? checks[key]() : true));
}

/** The shared cluster that test/cluster/run.mjs starts for all the test files of one run. */
let shared;

/** Used by run.mjs: makes startCluster() hand out this cluster (whose stop() is then a no-op). */
export function setSharedCluster(cluster) {
  shared = cluster;
}

export async function startCluster(opts = {}) {
  if (shared && !opts.fresh) {
    return { ...shared, stop: async () => {} };
  }
  hookExit();
  const restrictedNamespace = opts.restrictedNamespace ?? RESTRICTED;
  const quiet = opts.quiet ?? !process.env.NETPOL_CLUSTER_VERBOSE;
  const keepTemp = opts.keepTemp ?? process.env.NETPOL_CLUSTER_KEEP === '1';
  const startTimeoutMs = opts.startTimeoutMs ?? 120000;
  const binaries = await ensureBinaries({ quiet });

  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-cluster-'));
  const certs = makeCertificates(tmpDir);
  const caPem = fs.readFileSync(certs.caFile, 'utf8');

  const tokens = {
    admin: crypto.randomBytes(24).toString('hex'),
    reader: crypto.randomBytes(24).toString('hex'),
    limited: crypto.randomBytes(24).toString('hex'),
  };
  const users = { admin: 'admin', reader: 'reader', limited: 'limited' };
  const tokenFile = path.join(tmpDir, 'tokens.csv');
  fs.writeFileSync(tokenFile, [
    `${tokens.admin},admin,uid-admin,"system:masters"`,
    `${tokens.reader},reader,uid-reader`,
    `${tokens.limited},limited,uid-limited`,
    '',
  ].join('\n'));
  const auditPolicy = path.join(tmpDir, 'audit-policy.yaml');
  fs.writeFileSync(auditPolicy, [
    'apiVersion: audit.k8s.io/v1',
    'kind: Policy',
    'omitStages: ["RequestReceived"]',
    'rules:',
    '- level: Metadata',
    '',
  ].join('\n'));
  const auditLogPath = path.join(tmpDir, 'audit.log');
  const logs = { etcd: path.join(tmpDir, 'etcd.log'), apiserver: path.join(tmpDir, 'kube-apiserver.log') };

  const procs = [];
  const cleanup = async () => {
    for (const proc of procs.slice().reverse()) await proc.stop();
    if (!keepTemp) fs.rmSync(tmpDir, { recursive: true, force: true });
  };

  try {
    // etcd, on two random loopback ports, with a throwaway data dir.
    const clientPort = await freePort();
    const peerPort = await freePort();
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = new Proc('etcd', binaries.etcd, [
      '--name=netpol-test',
      `--data-dir=${path.join(tmpDir, 'etcd-data')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=netpol-test=${peerUrl}`,
      '--initial-cluster-state=new',
      '--unsafe-no-fsync',
      '--log-level=warn',
    ], logs.etcd);
    procs.push(etcd);
    etcd.start();
    await waitUntil(etcd, () => plainGet(`${etcdUrl}/health`).then((r) => r.status === 200 && /"health":\s*"true"/.test(r.text)), startTimeoutMs, 'healthy');

    const port = await freePort();
    const url = `https://127.0.0.1:${port}`;
    const apiArgs = [
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${port}`,
      `--etcd-servers=${etcdUrl}`,
      `--tls-cert-file=${certs.certFile}`,
      `--tls-private-key-file=${certs.keyFile}`,
      `--token-auth-file=${tokenFile}`,
      '--authorization-mode=RBAC',
      '--anonymous-auth=false',
      `--audit-policy-file=${auditPolicy}`,
      `--audit-log-path=${auditLogPath}`,
      '--audit-log-mode=blocking',
      '--audit-log-maxsize=0',
      `--service-account-issuer=https://kubernetes.default.svc`,
      `--service-account-key-file=${certs.saPub}`,
      `--service-account-signing-key-file=${certs.saKey}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      // Nothing runs the controllers that create service accounts, and there is no node
      // network to advertise: pods are admitted without a service account, and the
      // "kubernetes" Service gets no endpoints.
      '--disable-admission-plugins=ServiceAccount',
      '--endpoint-reconciler-type=none',
      `--cert-dir=${path.join(tmpDir, 'apiserver-certs')}`,
      '--profiling=false',
      '--v=1',
      ...(opts.apiServerArgs ?? []),
    ];
    const apiserver = new Proc('kube-apiserver', binaries.kubeApiserver, apiArgs, logs.apiserver);
    procs.push(apiserver);

    const request = (method, p, options = {}) => {
      let target = p;
      if (options.query) {
        const search = new URLSearchParams(options.query).toString();
        if (search) target += (target.includes('?') ? '&' : '?') + search;
      }
      return httpsRequest(url, caPem, method, target, { ...options, token: options.token === undefined ? tokens.admin : options.token });
    };
    const waitReady = () => waitUntil(apiserver, () => request('GET', '/readyz', { timeoutMs: 5000 }).then((r) => r.status === 200), startTimeoutMs, 'ready');
    const startApiServer = async () => {
      if (apiserver.child && !apiserver.exited) return;
      apiserver.start();
      await waitReady();
    };
    const stopApiServer = () => apiserver.stop();
    await startApiServer();

    const get = async (p, token) => {
      const r = await request('GET', p, { token });
      if (r.status < 200 || r.status > 299) throw new Error(`GET ${p}: ${r.status} ${r.text.slice(0, 500)}`);
      return r.json;
    };

    // Discovery: apiVersion + kind -> resource path, and kind names -> resource.
    const discovery = new Map();
    const groupVersionResources = async (groupVersion) => {
      if (!discovery.has(groupVersion)) {
        const base = groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
        discovery.set(groupVersion, get(base).then((list) => ({ base, resources: list.resources })));
      }
      return discovery.get(groupVersion);
    };
    const resourceFor = async (apiVersion, kind) => {
      const { base, resources } = await groupVersionResources(apiVersion);
      const found = resources.find((r) => r.kind === kind && !r.name.includes('/'));
      if (!found) throw new Error(`the API server serves no kind ${kind} in ${apiVersion}`);
      return { resource: found.name, namespaced: found.namespaced, base };
    };
    const objectPath = async (obj, namespaceOverride) => {
      const { resource, namespaced, base } = await resourceFor(obj.apiVersion, obj.kind);
      const ns = namespaceOverride ?? obj.metadata?.namespace ?? 'default';
      const collection = namespaced ? `${base}/namespaces/${encodeURIComponent(ns)}/${resource}` : `${base}/${resource}`;
      return { collection, item: obj.metadata?.name ? `${collection}/${encodeURIComponent(obj.metadata.name)}` : undefined };
    };
    const allGroupVersions = async () => {
      const core = await get('/api');
      const groups = await get('/apis');
      return [...core.versions, ...groups.groups.flatMap((g) => g.versions.map((v) => v.groupVersion))];
    };
    const resolveKindName = async (kindName) => {
      const wanted = kindName.toLowerCase();
      for (const gv of await allGroupVersions()) {
        const { base, resources } = await groupVersionResources(gv);
        const found = resources.find((r) => !r.name.includes('/') && (r.name === wanted || r.singularName === wanted || r.kind.toLowerCase() === wanted || (r.shortNames ?? []).includes(wanted)));
        if (found) return { base, resource: found.name, namespaced: found.namespaced };
      }
      throw new Error(`no resource is named ${JSON.stringify(kindName)}`);
    };

    const ensureOk = (what, r) => {
      if (r.status < 200 || r.status > 299) throw new Error(`${what}: ${r.status} ${r.json?.message ?? r.text.slice(0, 500)}`);
      return r.json;
    };

    const limitedPodBinding = (namespace) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'netpol-test-limited-pods', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'netpol-test-pod-reader' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: users.limited }],
    });

    const apply = async (obj) => {
      if (!obj || !obj.apiVersion || !obj.kind) throw new Error('apply needs an object with apiVersion and kind');
      const { collection, item } = await objectPath(obj);
      let stored;
      if (item) {
        stored = ensureOk(`apply ${obj.kind} ${obj.metadata.name}`, await request('PATCH', `${item}?fieldManager=netpol-test&force=true`, {
          body: JSON.stringify(obj),
          contentType: 'application/apply-patch+yaml',
        }));
      } else {
        stored = ensureOk(`create ${obj.kind}`, await request('POST', collection, { body: obj }));
      }
      if (obj.kind === 'Namespace' && obj.apiVersion === 'v1' && stored.metadata.name !== restrictedNamespace) {
        await apply(limitedPodBinding(stored.metadata.name));
      }
      return stored;
    };

    const del = async (target, namespace) => {
      let p;
      if (typeof target === 'string' && target.startsWith('/')) {
        p = target;
      } else if (typeof target === 'string') {
        const [kindName, name] = target.split('/');
        if (!name) throw new Error(`del: expected "kind/name", got ${JSON.stringify(target)}`);
        const { base, resource, namespaced } = await resolveKindName(kindName);
        p = namespaced ? `${base}/namespaces/${encodeURIComponent(namespace ?? 'default')}/${resource}/${encodeURIComponent(name)}` : `${base}/${resource}/${encodeURIComponent(name)}`;
      } else {
        const { item } = await objectPath(target, namespace);
        if (!item) throw new Error('del: the object has no metadata.name');
        p = item;
      }
      const r = await request('DELETE', p);
      if (r.status === 404) return undefined;
      return ensureOk(`DELETE ${p}`, r);
    };

    const readAudit = async (filter) => {
      let text = '';
      try {
        text = await fs.promises.readFile(auditLogPath, 'utf8');
      } catch (error) {
        if (error.code !== 'ENOENT') throw error;
      }
      const events = [];
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        try {
          events.push(JSON.parse(line));
        } catch {
          // a line still being written
        }
      }
      return events.filter((e) => matches(e, filter));
    };
    const waitForAudit = async (filter, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = await readAudit(filter);
        if (found.length > 0) return found;
        if (Date.now() > deadline) throw new Error(`no audit event matched ${typeof filter === 'function' ? filter.toString() : JSON.stringify(filter)} within ${timeoutMs} ms`);
        await sleep(100);
      }
    };

    // RBAC for reader and limited. "limited" gets every resource but pods cluster-wide, which
    // RBAC (allow-only) can only express by naming them, so the list comes from discovery.
    const readVerbs = ['get', 'list', 'watch'];
    const nonPodRules = [];
    for (const gv of await allGroupVersions()) {
      const group = gv.includes('/') ? gv.split('/')[0] : '';
      const { resources } = await groupVersionResources(gv);
      const names = resources.map((r) => r.name).filter((n) => !(group === '' && (n === 'pods' || n.startsWith('pods/'))));
      let rule = nonPodRules.find((r) => r.apiGroups[0] === group);
      if (!rule) {
        rule = { apiGroups: [group], resources: [], verbs: readVerbs };
        nonPodRules.push(rule);
      }
      for (const n of names) if (!rule.resources.includes(n)) rule.resources.push(n);
    }
    const rbac = 'rbac.authorization.k8s.io/v1';
    const userSubject = (name) => [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name }];
    await apply({ apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'netpol-test-reader' }, rules: [
      { apiGroups: ['*'], resources: ['*'], verbs: readVerbs },
      { nonResourceURLs: ['*'], verbs: ['get'] },
    ] });
    await apply({ apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'netpol-test-reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'netpol-test-reader' }, subjects: userSubject(users.reader) });
    await apply({ apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'netpol-test-limited' }, rules: [
      ...nonPodRules.filter((r) => r.resources.length > 0),
      { nonResourceURLs: ['*'], verbs: ['get'] },
    ] });
    await apply({ apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'netpol-test-limited' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'netpol-test-limited' }, subjects: userSubject(users.limited) });
    await apply({ apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'netpol-test-pod-reader' }, rules: [
      { apiGroups: [''], resources: ['pods', 'pods/status'], verbs: readVerbs },
    ] });
    const existing = await get('/api/v1/namespaces');
    for (const ns of existing.items) {
      if (ns.metadata.name !== restrictedNamespace) await apply(limitedPodBinding(ns.metadata.name));
    }
    await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: restrictedNamespace } });

    const kubeconfigs = {};
    for (const user of ['admin', 'reader', 'limited']) {
      kubeconfigs[user] = path.join(tmpDir, `kubeconfig-${user}.yaml`);
      fs.writeFileSync(kubeconfigs[user], kubeconfig({ url, caPem, user: users[user], token: tokens[user] }), { mode: 0o600 });
    }

    const createNamespace = (name, labels) => apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } });
    const createPod = (namespace, name, { labels = { app: name }, ports = [] } = {}) => apply({
      apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels },
      spec: { containers: [{ name: 'main', image: 'registry.invalid/netpol-test:1', ...(ports.length ? { ports } : {}) }] },
    });
    const createService = (namespace, name, { selector = { app: name }, ports = [{ port: 80 }] } = {}) => apply({
      apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector, ports },
    });
    const createDaemonSet = (namespace, name, { labels = { app: name }, image = 'registry.invalid/netpol-test:1', ports = [] } = {}) => apply({
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace, labels },
      spec: {
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'main', image, ...(ports.length ? { ports } : {}) }] } },
      },
    });
    const createNetworkPolicy = (namespace, name, spec) => apply({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec,
    });

    let stopped = false;
    return {
      url,
      caPem,
      caFile: certs.caFile,
      tokens,
      users,
      restrictedNamespace,
      kubeconfigs,
      auditLogPath,
      tmpDir,
      logs,
      versions: binaries.versions,
      async stop() {
        if (stopped) return;
        stopped = true;
        await cleanup();
      },
      async restartApiServer({ downMs = 0 } = {}) {
        await stopApiServer();
        if (downMs > 0) await sleep(downMs);
        await startApiServer();
      },
      stopApiServer,
      startApiServer,
      readAudit,
      waitForAudit,
      request,
      get,
      apply,
      del,
      resourceFor: async (apiVersion, kind, namespace = 'default') => {
        const { collection } = await objectPath({ apiVersion, kind, metadata: { namespace } });
        const r = await resourceFor(apiVersion, kind);
        return { path: collection, namespaced: r.namespaced, resource: r.resource };
      },
      createNamespace,
      createPod,
      createService,
      createDaemonSet,
      createNetworkPolicy,
    };
  } catch (error) {
    // Stop what started, but keep the folder: the error names its log files.
    for (const proc of procs.slice().reverse()) await proc.stop().catch(() => {});
    throw error;
  }
}

function plainGet(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 3000, agent: false }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
