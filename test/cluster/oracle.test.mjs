// The API server as an oracle for our validation (issue 6). Every document of every
// test/fixtures/validation fixture (and of the other plain-YAML fixture folders: lint,
// semantics, quickfix, ...) that is a NetworkPolicy is created on a real
// kube-apiserver with server-side dry run and strict field validation, and our CLI's verdict
// on the same document must agree:
//   - the API server rejects the document  <=>  we report at least one API-rule error on it
//     (the error-severity rules of server/src/service/rules.ts other than the semantic ones);
//   - every field path the API server names (status.details.causes[].field, and the fields
//     of strict decoding errors) appears in the field or message of one of our errors there.
// Documents are sent as the YAML text of the document (application/yaml, so the server's own
// YAML decoder reads it, as kubectl's does), and again as JSON converted by the `yaml`
// package where that parses; a difference between the two is reported, not failed. Items of a
// kind: List are sent one by one, as kubectl does, as JSON.
// Besides the fixtures, generated one-fault probes (probes.mjs: YAML 1.1 scalars, int32
// limits, CIDR spellings, name lengths, ...) are compared the same way.
// Decode errors name a Go struct path without indices ("spec.ingress.ports.port"); one of our
// errors must have that field once its indices are dropped. Duplicate-key errors name a line;
// one of our duplicate-key errors must be on it.
// Known, justified differences are listed in oracle-exceptions.json:
//   [{ "fixture": "x.yaml" (or "probe"), "document": 0 (or "name": probe name),
//      "reason": "...", "ignore": "verdict" | "fields" }]
// NETPOL_ORACLE_REPORT=FILE writes every comparison (both verdicts, messages, fields) as JSON.
// NETPOL_ORACLE_FEATURE_GATES=Gate=false,... runs the oracle on a cluster of its own with those
// kube-apiserver feature gates (to compare with what older releases accepted).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster } from './harness.mjs';
import { probes } from './probes.mjs';

const require = createRequire(import.meta.url);
const YAML = require('yaml');

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const fixturesRoot = path.join(repo, 'test', 'fixtures');
/**
 * The validation fixtures (all of them, valid/ included), and the other fixture folders whose
 * files are plain YAML (completion and hover fixtures hold cursor markers, so they are left out).
 */
const fixtureFolders = ['validation', 'lint', 'semantics', 'quickfix', 'inspect', 'panel', 'workspaces'];

function yamlFilesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFilesUnder(full));
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out;
}

const cli = path.join(repo, 'dist', 'cli.js');
/** Namespace for documents without metadata.namespace (the shared cluster's "default" may hold other tests' objects). */
const NO_NAMESPACE = 'netpol-oracle';

/** The API-rule codes: error severity by default and not a semantic rule. */
function apiRuleCodes() {
  const source = fs.readFileSync(path.join(repo, 'server', 'src', 'service', 'rules.ts'), 'utf8');
  const byKey = new Map();
  for (const m of source.matchAll(/(\w+):\s*rule\(\s*'([\w-]+)',\s*'(error|warning|information|hint)'/g)) byKey.set(m[1], { code: `netpol/${m[2]}`, severity: m[3] });
  const semanticBlock = /semanticRuleCodes[^=]*=\s*\[([\s\S]*?)\]/.exec(source)?.[1] ?? '';
  const semantic = new Set([...semanticBlock.matchAll(/Rules\.(\w+)/g)].map((m) => byKey.get(m[1])?.code));
  const codes = new Set([...byKey.values()].filter((r) => r.severity === 'error' && !semantic.has(r.code)).map((r) => r.code));
  if (codes.size < 5) throw new Error(`could not read the API rules from rules.ts (found ${[...codes].join(', ')})`);
  return codes;
}

/** Documents of a YAML stream, split at `---` / `...` lines, with their line ranges. */
function splitDocuments(text) {
  const lines = text.split(/\r\n|\r|\n/);
  const docs = [];
  let start = 0;
  const push = (end) => {
    const body = lines.slice(start, end);
    if (body.some((l) => l.trim() !== '' && !/^\s*#/.test(l))) docs.push({ startLine: start, endLine: end, text: `${body.join('\n')}\n` });
  };
  lines.forEach((line, i) => {
    if (/^---(\s|$)/.test(line) || /^\.\.\.(\s|$)/.test(line)) {
      push(i);
      start = i + 1;
    }
  });
  push(lines.length);
  return docs;
}

/** The top-level scalar `key:` of a document, read from its text (works on broken YAML too). */
function topLevel(text, key) {
  const m = new RegExp(`^${key}:[ \\t]*["']?([^"'#\\s]+)`, 'm').exec(text);
  return m?.[1];
}

function lineOf(text, offset) {
  let line = 0;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

const isKubernetesApiVersion = (apiVersion) => typeof apiVersion === 'string' && /^(networking\.k8s\.io|extensions)\/[^/]+$/.test(apiVersion);

/** What the oracle sends: one entry per NetworkPolicy document (or List item). */
function casesOf(file) {
  const text = fs.readFileSync(file, 'utf8');
  const cases = [];
  splitDocuments(text).forEach((doc, index) => {
    const apiVersion = topLevel(doc.text, 'apiVersion');
    const kind = topLevel(doc.text, 'kind');
    // Merge keys (<<) as YAML 1.1 has them, which is what kubectl reads.
    const parsed = YAML.parseDocument(doc.text, { uniqueKeys: true, prettyErrors: false, merge: true });
    const jsonOk = parsed.errors.length === 0;
    if (kind === 'List' && jsonOk) {
      const items = parsed.get('items', true);
      (items?.items ?? []).forEach((item, itemIndex) => {
        const value = item.toJSON();
        if (value?.kind !== 'NetworkPolicy' || !isKubernetesApiVersion(value.apiVersion)) return;
        cases.push({
          fixture: path.relative(fixturesRoot, file), document: index, item: itemIndex,
          label: `${path.relative(fixturesRoot, file)} #${index} item ${itemIndex}`,
          apiVersion: value.apiVersion, namespace: value.metadata?.namespace,
          startLine: doc.startLine + lineOf(doc.text, item.range[0]), endLine: doc.startLine + lineOf(doc.text, Math.max(item.range[0], item.range[1] - 1)) + 1,
          yamlBody: undefined, jsonBody: JSON.stringify(value),
        });
      });
      return;
    }
    // Kubernetes' NetworkPolicy, in any version (retired ones included: the server must say
    // it does not serve them); Calico's NetworkPolicy of projectcalico.org is another API.
    if (kind !== 'NetworkPolicy' || !isKubernetesApiVersion(apiVersion)) return;
    let namespace;
    if (jsonOk) {
      const ns = parsed.toJSON()?.metadata?.namespace;
      if (typeof ns === 'string') namespace = ns;
    } else {
      namespace = /^\s{2,}namespace:[ \t]*["']?([^"'#\s]+)/m.exec(doc.text)?.[1];
    }
    cases.push({
      fixture: path.relative(fixturesRoot, file), document: index, label: `${path.relative(fixturesRoot, file)} #${index}`,
      apiVersion, namespace, startLine: doc.startLine, endLine: doc.endLine,
      yamlBody: doc.text, jsonBody: jsonOk ? JSON.stringify(parsed.toJSON()) : undefined,
    });
  });
  return cases;
}

/** Our diagnostics for every fixture, from the built CLI. */
function ourDiagnostics(files, root) {
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  let stdout;
  try {
    stdout = execFileSync(process.execPath, [cli, 'check', '--format', 'json', '--severity', 'hint', ...files], { cwd: repo, encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (error) {
    if (error.status !== 1) throw new Error(`netpol check failed (${error.status}): ${error.stderr}`);
    stdout = error.stdout;
  }
  const byFile = new Map();
  for (const f of JSON.parse(stdout).files) byFile.set(path.relative(root, path.resolve(repo, f.path)), f.diagnostics);
  return byFile;
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Field paths the server names: the causes, and the fields of strict decoding errors. */
function serverFields(status) {
  const fields = new Set();
  for (const cause of status?.details?.causes ?? []) if (cause.field) fields.add(cause.field);
  for (const m of (status?.message ?? '').matchAll(/(?:unknown|duplicate) field "([^"]+)"/g)) fields.add(m[1]);
  return [...fields];
}

/** The Go struct paths of JSON decode errors ("spec.ingress.ports.port"). */
function decodePaths(status) {
  return [...(status?.message ?? '').matchAll(/into Go struct field \w+\.(\S+) of type/g)].map((m) => m[1]);
}

/** The 1-based lines of YAML duplicate-key errors, relative to the document sent. */
function duplicateKeyLines(status) {
  return [...(status?.message ?? '').matchAll(/line (\d+): key "[^"]*" already set in map/g)].map((m) => Number(m[1]));
}

function verdictOf(response) {
  if (response.status >= 200 && response.status < 300) return 'accepted';
  if (response.status >= 400 && response.status < 500) return 'rejected';
  throw new Error(`unexpected ${response.status} from the API server: ${response.text.slice(0, 500)}`);
}

const withoutIndices = (field) => field.replace(/\[\d+\]/g, '');

describe('oracle: our validation agrees with a real API server', function () {
  this.timeout(300000);
  let cluster;
  const exceptions = JSON.parse(fs.readFileSync(path.join(here, 'oracle-exceptions.json'), 'utf8'));
  const files = fixtureFolders.flatMap((folder) => yamlFilesUnder(path.join(fixturesRoot, folder)));
  const cases = files.flatMap(casesOf);
  const apiCodes = apiRuleCodes();
  const summary = { fixtures: new Set(), documents: 0, probes: 0, agree: 0, disagreements: [], notes: [], cases: [] };
  let diagnostics;
  let probeDiagnostics;
  let probeDir;

  before(async () => {
    diagnostics = ourDiagnostics(files, fixturesRoot);
    probeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-oracle-probes-'));
    const probeFiles = probes.map((probe, i) => {
      const file = path.join(probeDir, `${String(i).padStart(3, '0')}.yaml`);
      fs.writeFileSync(file, probe.yaml);
      return file;
    });
    probeDiagnostics = ourDiagnostics(probeFiles, probeDir);
    // NETPOL_ORACLE_FEATURE_GATES (e.g. StrictIPCIDRValidation=false) asks for a cluster of the
    // oracle's own with those kube-apiserver feature gates, to compare with older behaviour.
    const gates = process.env.NETPOL_ORACLE_FEATURE_GATES;
    cluster = await startCluster(gates ? { fresh: true, apiServerArgs: [`--feature-gates=${gates}`] } : {});
    const namespaces = new Set([NO_NAMESPACE]);
    for (const c of cases) if (c.namespace && dnsLabel.test(c.namespace) && c.namespace.length <= 63) namespaces.add(c.namespace);
    const existing = new Set((await cluster.get('/api/v1/namespaces')).items.map((n) => n.metadata.name));
    for (const ns of namespaces) if (!existing.has(ns)) await cluster.createNamespace(ns);
  });

  after(async () => {
    await cluster?.stop();
    if (probeDir) fs.rmSync(probeDir, { recursive: true, force: true });
    const lines = [`oracle: ${summary.documents} documents of ${summary.fixtures.size} fixtures and ${summary.probes} probes compared, ${summary.agree} agree, ${summary.disagreements.length} disagree`];
    for (const d of summary.disagreements) lines.push(`  DISAGREE ${d}`);
    for (const n of summary.notes) lines.push(`  note ${n}`);
    process.stdout.write(`\n${lines.join('\n')}\n`);
    if (process.env.NETPOL_ORACLE_REPORT) fs.writeFileSync(process.env.NETPOL_ORACLE_REPORT, `${JSON.stringify({ ...summary, fixtures: [...summary.fixtures] }, null, 2)}\n`);
  });

  /**
   * Sends one document and compares. c: { label, apiVersion, namespace, yamlBody?, jsonBody?,
   * startLine }; ourErrors: our API-rule errors on that document; exception: its entry, if any.
   */
  async function compare(c, ourErrors, exception) {
    const ourVerdict = ourErrors.length > 0 ? 'rejected' : 'accepted';
    const namespace = c.namespace ?? NO_NAMESPACE;
    const served = c.apiVersion === 'networking.k8s.io/v1';
    const base = served ? '/apis/networking.k8s.io/v1' : `/apis/${c.apiVersion}`;
    const url = `${base}/namespaces/${encodeURIComponent(namespace)}/networkpolicies?dryRun=All&fieldValidation=Strict`;
    const send = (body, contentType) => cluster.request('POST', url, { body, contentType });

    const primary = c.yamlBody !== undefined ? await send(c.yamlBody, 'application/yaml') : await send(c.jsonBody, 'application/json');
    const verdict = verdictOf(primary);
    const status = primary.json;
    if (c.yamlBody !== undefined && c.jsonBody !== undefined) {
      const asJson = await send(c.jsonBody, 'application/json');
      const jsonVerdict = verdictOf(asJson);
      if (jsonVerdict !== verdict) summary.notes.push(`${c.label}: sent as YAML the server ${verdict} it, sent as JSON (converted by the yaml package) it ${jsonVerdict} it: ${asJson.json?.message ?? ''}`);
    }
    const fields = verdict === 'rejected' ? serverFields(status) : [];
    summary.cases.push({
      label: c.label, sentAs: c.yamlBody !== undefined ? 'yaml' : 'json', server: verdict, ours: ourVerdict,
      status: primary.status, reason: status?.reason, message: status?.message, serverFields: fields, warnings: primary.headers.warning,
      ourErrors: ourErrors.map((d) => ({ code: d.code, field: d.field, line: d.range.start.line, message: d.message })),
    });
    // A rejection for another reason than the document itself (a missing namespace, a
    // namespace mismatch) makes agreement a coincidence: say so.
    if (verdict === 'rejected' && served && !['Invalid', 'BadRequest'].includes(status?.reason)) {
      summary.notes.push(`${c.label}: the API server rejected it as ${status?.reason} (${primary.status}): ${status?.message}`);
    }

    // kubectl prints the API server's warnings (for example non-canonical IPv6 CIDRs); they
    // do not reject, so they are noted, not compared.
    if (primary.headers.warning) summary.notes.push(`${c.label}: the API server ${verdict} it with a warning: ${primary.headers.warning}`);

    const problems = [];
    const ourText = ourErrors.map((d) => `    ${d.code} ${d.field ?? ''} ${d.message}`).join('\n') || '    (none)';
    const ignore = exception?.ignore;
    if (verdict !== ourVerdict && ignore !== 'verdict') {
      problems.push(`the API server ${verdict} it (${primary.status} ${status?.message ?? ''}) but we ${ourVerdict === 'rejected' ? 'report errors' : 'report no API error'}`);
    }
    if (verdict === 'rejected' && ignore !== 'fields' && ignore !== 'verdict') {
      const missing = fields.filter((field) => !ourErrors.some((d) => d.field === field || d.message.includes(field)));
      if (missing.length > 0) problems.push(`the API server names ${missing.map((f) => JSON.stringify(f)).join(', ')}, which none of our errors names (${status?.message})`);
      const missingPaths = decodePaths(status).filter((p) => !ourErrors.some((d) => (d.field && withoutIndices(d.field) === p) || d.message.includes(`.${p} of type`)));
      if (missingPaths.length > 0) problems.push(`the API server fails to decode ${missingPaths.join(', ')}, which none of our errors names (${status?.message})`);
      if (c.yamlBody !== undefined) {
        const ourLines = new Set(ourErrors.filter((d) => d.code === 'netpol/duplicate-key').map((d) => d.range.start.line - c.startLine + 1));
        const missingLines = duplicateKeyLines(status).filter((line) => !ourLines.has(line));
        if (missingLines.length > 0) problems.push(`the API server finds duplicate keys on document line(s) ${missingLines.join(', ')}, where we report none (${status?.message})`);
      }
    }
    if (verdict === 'rejected' && ourVerdict === 'rejected' && fields.length > 0) {
      const unnamed = ourErrors.filter((d) => d.field && d.code !== 'netpol/yaml-syntax' && !fields.some((f) => d.field === f || d.field.startsWith(`${f}.`) || d.field.startsWith(`${f}[`)));
      if (unnamed.length > 0) summary.notes.push(`${c.label}: we also name ${unnamed.map((d) => d.field).join(', ')}, which the API server did not (${status?.message})`);
    }
    if (problems.length > 0) {
      summary.disagreements.push(`${c.label}: ${problems.join('; ')}; ours:\n${ourText}`);
      assert.fail(`${c.label}:\n  ${problems.join('\n  ')}\n  ours:\n${ourText}`);
    }
    summary.agree++;
  }

  it('finds NetworkPolicy documents in the fixtures', () => {
    assert.ok(cases.filter((c) => c.fixture.startsWith('validation')).length >= 40, `only ${cases.length} documents`);
  });

  describe('fixtures', () => {
    // (validation fixtures first; the other folders follow)
    for (const c of cases) {
      it(c.label, async () => {
        summary.fixtures.add(c.fixture);
        summary.documents++;
        const ours = (diagnostics.get(c.fixture) ?? []).filter((d) => d.range.start.line >= c.startLine && d.range.start.line < c.endLine);
        const ourErrors = ours.filter((d) => d.severity === 'error' && apiCodes.has(d.code));
        const exception = exceptions.find((e) => e.fixture === c.fixture && e.document === c.document && (e.item === undefined || e.item === c.item));
        await compare(c, ourErrors, exception);
      });
    }
  });

  describe('probes', () => {
    probes.forEach((probe, i) => {
      it(`probe ${probe.name}`, async () => {
        summary.probes++;
        const ours = probeDiagnostics.get(`${String(i).padStart(3, '0')}.yaml`) ?? [];
        const ourErrors = ours.filter((d) => d.severity === 'error' && apiCodes.has(d.code));
        const exception = exceptions.find((e) => e.fixture === 'probe' && e.name === probe.name);
        await compare({ label: `probe ${probe.name}`, apiVersion: 'networking.k8s.io/v1', yamlBody: probe.yaml, startLine: 0 }, ourErrors, exception);
      });
    });
  });
});
