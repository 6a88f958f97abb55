import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CliIo } from '../../server/src/cli/args';
import { main } from '../../server/src/cli/main';

const invalid = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
spec:
  podSelector: {}
  ingress:
  - ports:
    - protocol: ICMP
`;

const valid = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress]
`;

async function run(argv: string[], stdin = '', cwd = process.cwd()): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    cwd,
    readStdin: async () => stdin,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('netpol check', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-cli-'));
    fs.mkdirSync(path.join(dir, 'nested'));
    fs.writeFileSync(path.join(dir, 'nested', 'bad.yaml'), invalid);
    fs.writeFileSync(path.join(dir, 'good.yml'), valid);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not yaml');
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints compiler-style lines with 1-based positions and a summary, and exits 1 on errors', async () => {
    const { code, stdout } = await run(['check', dir]);
    assert.strictEqual(code, 1);
    const file = path.join(dir, 'nested', 'bad.yaml');
    assert.strictEqual(
      stdout,
      `${file}:9:17: error netpol/invalid-port: spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"\n1 error, 0 warnings in 2 files\n`,
    );
  });

  it('exits 0 when there is no error-severity diagnostic', async () => {
    const { code, stdout } = await run(['check', path.join(dir, 'good.yml')]);
    assert.strictEqual(code, 0);
    assert.strictEqual(stdout, '0 errors, 0 warnings in 1 file\n');
  });

  it('writes the JSON contract with LSP positions and the field path', async () => {
    const { code, stdout } = await run(['check', '--format', 'json', '-'], invalid);
    assert.strictEqual(code, 1);
    assert.deepStrictEqual(JSON.parse(stdout), {
      files: [
        {
          path: '-',
          diagnostics: [
            {
              range: { start: { line: 8, character: 16 }, end: { line: 8, character: 20 } },
              severity: 'error',
              code: 'netpol/invalid-port',
              message: 'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
              field: 'spec.ingress[0].ports[0].protocol',
            },
          ],
        },
      ],
    });
  });

  it('writes SARIF 2.1.0 with rules, levels, relative URIs and 1-based regions', async () => {
    const { stdout } = await run(['check', '--format=sarif', 'nested/bad.yaml'], '', dir);
    const sarif = JSON.parse(stdout);
    assert.strictEqual(sarif.version, '2.1.0');
    const run0 = sarif.runs[0];
    assert.strictEqual(run0.tool.driver.name, 'netpol');
    assert.ok(run0.tool.driver.rules.some((r: { id: string }) => r.id === 'netpol/invalid-port'));
    const result = run0.results[0];
    assert.strictEqual(result.ruleId, 'netpol/invalid-port');
    assert.strictEqual(result.level, 'error');
    assert.strictEqual(run0.tool.driver.rules[result.ruleIndex].id, 'netpol/invalid-port');
    assert.deepStrictEqual(result.locations[0].physicalLocation, {
      artifactLocation: { uri: 'nested/bad.yaml' },
      region: { startLine: 9, startColumn: 17, endLine: 9, endColumn: 21 },
    });
  });

  it('applies --rule severities', async () => {
    const { code, stdout } = await run(['check', '--rule', 'netpol/invalid-port=warning', '-'], invalid);
    assert.strictEqual(code, 0);
    assert.match(stdout, /: warning netpol\/invalid-port: /);
    const off = await run(['check', '--rule', 'invalid-port=off', '-'], invalid);
    assert.strictEqual(off.stdout, '0 errors, 0 warnings in 1 file\n');
  });

  it('accepts every --severity threshold and filters below it', async () => {
    const asWarning = ['check', '--rule', 'netpol/invalid-port=warning', '-'];
    const error = await run(['check', '--severity', 'error', '-'], invalid);
    assert.strictEqual(error.code, 1, error.stderr);
    assert.match(error.stdout, /: error netpol\/invalid-port: /);
    const errorOnly = await run([...asWarning, '--severity=error'], invalid);
    assert.strictEqual(errorOnly.code, 0, errorOnly.stderr);
    assert.strictEqual(errorOnly.stdout, '0 errors, 0 warnings in 1 file\n');
    for (const severity of ['warning', 'information', 'hint']) {
      const shown = await run([...asWarning, '--severity', severity], invalid);
      assert.strictEqual(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /: warning netpol\/invalid-port: /, severity);
    }
    const bad = await run(['check', '--severity', 'fatal', '-'], invalid);
    assert.strictEqual(bad.code, 2);
    assert.match(bad.stderr, /unknown severity "fatal"/);
  });

  it('exits 2 naming the path and reason for unreadable input, and still checks the rest', async () => {
    const missing = path.join(dir, 'missing.yaml');
    const { code, stdout, stderr } = await run(['check', missing, path.join(dir, 'nested')]);
    assert.strictEqual(code, 2);
    assert.strictEqual(stderr, `netpol: ${missing}: no such file or directory\n`);
    assert.match(stdout, /1 error, 0 warnings in 1 file/);
  });

  it('exits 2 with a usage message for bad options and unknown commands', async () => {
    for (const argv of [['check', '--format', 'xml', dir], ['check', '--nope', dir], ['check'], ['frobnicate']]) {
      const { code, stderr } = await run(argv);
      assert.strictEqual(code, 2, argv.join(' '));
      assert.ok(stderr.length > 0, argv.join(' '));
    }
  });

  it('walks directories through symbolic link loops without hanging', async () => {
    fs.symlinkSync(dir, path.join(dir, 'nested', 'loop'));
    const { code, stdout } = await run(['check', dir]);
    assert.strictEqual(code, 1);
    assert.match(stdout, /1 error, 0 warnings in 2 files/);
  });

  it('runs as the bundled dist/cli.js with standard input and exit status', () => {
    const cli = path.resolve(__dirname, '..', '..', '..', 'dist', 'cli.js');
    const result = spawnSync(process.execPath, [cli, 'check', '--format', 'json', '-'], { input: invalid, encoding: 'utf8' });
    assert.strictEqual(result.status, 1, result.stderr);
    assert.strictEqual(JSON.parse(result.stdout).files[0].diagnostics[0].code, 'netpol/invalid-port');
    const ok = spawnSync(process.execPath, [cli, 'check', '-'], { input: valid, encoding: 'utf8' });
    assert.strictEqual(ok.status, 0, ok.stderr);
  });
});

/** Runs the bundled CLI in a child process; resolves with its exit status and output. */
function spawnCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const cli = path.resolve(__dirname, '..', '..', '..', 'dist', 'cli.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('netpol check on a directory of 10,000 files', function () {
  this.timeout(300000);
  const count = 10000;
  const asRoot = process.getuid?.() === 0;
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-cli-10k-'));
    // Groups of ten files share a namespace: one policy, allowing from a pod it names, and nine pods.
    for (let i = 0; i < count; i++) {
      const folder = path.join(dir, `part-${String(Math.floor(i / 500)).padStart(2, '0')}`);
      if (i % 500 === 0) fs.mkdirSync(folder);
      const namespace = `team-${Math.floor(i / 10) % 50}`;
      const text =
        i % 10 === 0
          ? `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-${i}\n  namespace: ${namespace}\nspec:\n  podSelector:\n    matchLabels:\n      app: app-${i + 1}\n  policyTypes: [Ingress]\n  ingress:\n  - from:\n    - podSelector:\n        matchLabels:\n          app: app-${i + 2}\n    ports:\n    - port: 8080\n`
          : `apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-${i}\n  namespace: ${namespace}\n  labels:\n    app: app-${i}\nspec:\n  containers:\n  - name: main\n    image: busybox\n    ports:\n    - containerPort: 8080\n`;
      fs.writeFileSync(path.join(folder, `file-${String(i).padStart(5, '0')}.yaml`), text);
    }
    // One broken file, a folder that links back to its parent, links that cannot be followed.
    fs.writeFileSync(path.join(dir, 'part-00', 'broken.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n');
    fs.symlinkSync('..', path.join(dir, 'part-01', 'loop'));
    fs.symlinkSync(path.join(dir, 'nowhere.yaml'), path.join(dir, 'part-02', 'dangling.yaml'));
    fs.symlinkSync('self.yaml', path.join(dir, 'part-03', 'self.yaml'));
    // chmod 000 keeps nobody but root out; as root these files are read like any other.
    if (!asRoot) {
      for (const name of ['locked-a.yaml', 'locked-b.yaml']) {
        fs.writeFileSync(path.join(dir, 'part-04', name), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: locked\n');
        fs.chmodSync(path.join(dir, 'part-04', name), 0o000);
      }
    }
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('checks every readable file, names each unreadable one with its reason, and exits 2', async function () {
    const started = Date.now();
    const { status, stdout, stderr } = await spawnCli(['check', dir]);
    const elapsed = Date.now() - started;
    const lines = stdout.trimEnd().split('\n');
    assert.strictEqual(lines[lines.length - 1], `1 error, 0 warnings in ${count + 1} files`, stdout.slice(-2000));
    assert.match(stdout, new RegExp(`^${escape(path.join(dir, 'part-00', 'broken.yaml'))}:4:\\d+: error netpol/yaml-syntax: `, 'm'));
    const expected = [
      `netpol: ${path.join(dir, 'part-02', 'dangling.yaml')}: no such file or directory`,
      `netpol: ${path.join(dir, 'part-03', 'self.yaml')}: too many levels of symbolic links`,
      ...(asRoot ? [] : ['locked-a.yaml', 'locked-b.yaml'].map((name) => `netpol: ${path.join(dir, 'part-04', name)}: permission denied`)),
    ];
    assert.deepStrictEqual(stderr.trimEnd().split('\n').sort(), expected.sort());
    assert.strictEqual(status, 2, 'input that could not be read wins over the error diagnostic');
    // Not a timing assertion: the figure is for the report (and a hang would hit the timeout).
    this.test!.title += ` (${count} files in ${(elapsed / 1000).toFixed(1)} s${asRoot ? '; as root, chmod 000 cannot be tested' : ''})`;
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
