import * as assert from 'assert';
import { spawnSync } from 'child_process';
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
