import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CliIo } from '../../server/src/cli/args';
import { main } from '../../server/src/cli/main';
import { connectivityChecksFor, connectivityChecksScript, shellQuote } from '../../server/src/service/inspect/checks';
import { workspaceModel } from '../../server/src/service/lint/context';
import { buildModelFromTexts } from '../../server/src/service/model';
import { createAnalyzer } from '../../server/src/service/semantics';
import { loadWorkspace, repoRoot, uriOf } from '../helpers/workspace';

/**
 * "Generate connectivity checks": the script for a small workspace is compared with
 * test/fixtures/inspect/checks/NAME.sh (NETPOL_UPDATE_FIXTURES=1 rewrites it), and scripts are
 * run by sh against a fake kubectl that records its arguments, so the quoting is tested by
 * a shell rather than by eye.
 */

const folder = 'test/fixtures/inspect/checks';

function scriptFor(relative: string, policyId: string): string {
  const text = fs.readFileSync(path.join(repoRoot, relative), 'utf8');
  const model = buildModelFromTexts([{ path: relative, text }]);
  const policy = model.policies.find((p) => p.id === policyId);
  assert.ok(policy, `${policyId} in ${relative}`);
  return connectivityChecksScript(createAnalyzer(model), policy);
}

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    cwd: repoRoot,
    readStdin: async () => '',
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** Runs a script with a fake kubectl on the PATH; returns what it printed and every `kubectl run` argv. */
function runWithFakeKubectl(script: string, runStatus = 0): { stdout: string; status: number | null; runs: string[][]; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-checks-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const log = path.join(dir, 'kubectl.log');
  fs.writeFileSync(
    path.join(bin, 'kubectl'),
    `#!/bin/sh
if [ "$1" = get ]; then echo 10.0.0.9; exit 0; fi
for a in "$@"; do printf '%s\\n' "$a" >> "$KUBECTL_LOG"; done
printf '%s\\n' '--END--' >> "$KUBECTL_LOG"
exit ${runStatus}
`,
    { mode: 0o755 },
  );
  fs.writeFileSync(path.join(dir, 'checks.sh'), script);
  const result = spawnSync('sh', ['checks.sh'], { cwd: dir, env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, KUBECTL_LOG: log }, encoding: 'utf8' });
  const runs: string[][] = [];
  let current: string[] = [];
  for (const line of fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n') : []) {
    if (line === '--END--') {
      runs.push(current);
      current = [];
    } else if (line !== '') current.push(line);
  }
  return { stdout: result.stdout, status: result.status, runs, dir };
}

describe('inspect: connectivity checks', () => {
  it('writes the expected script for a small workspace (shop.yaml, backend/api)', () => {
    const actual = scriptFor(`${folder}/shop.yaml`, 'backend/api');
    const golden = path.join(repoRoot, folder, 'shop.sh');
    if (process.env.NETPOL_UPDATE_FIXTURES) fs.writeFileSync(golden, actual);
    assert.strictEqual(actual, fs.readFileSync(golden, 'utf8'));
  });

  it('netpol checks prints the same script, and says which policies there are when --policy is missing or wrong', async () => {
    const printed = await cli(['checks', `${folder}/shop.yaml`, '--policy', 'backend/api']);
    assert.strictEqual(printed.code, 0, printed.stderr);
    assert.strictEqual(printed.stdout, scriptFor(`${folder}/shop.yaml`, 'backend/api'));
    // One policy in the inputs: --policy may be left out.
    assert.strictEqual((await cli(['checks', `${folder}/shop.yaml`])).stdout, printed.stdout);
    const wrong = await cli(['checks', `${folder}/shop.yaml`, '--policy', 'backend/nope']);
    assert.strictEqual(wrong.code, 2);
    assert.strictEqual(wrong.stderr, 'netpol checks: no NetworkPolicy backend/nope in the inputs (there are: backend/api)\n');
    const many = await cli(['checks', 'examples/causes/07-port-mismatch.yaml']);
    assert.strictEqual(many.code, 2);
    assert.match(many.stderr, /--policy is required: the inputs hold 4 policies \(ports\/dns-tcp-only, /);
    const help = await cli(['checks', '--help']);
    assert.match(help.stdout, /^Usage: netpol checks \[FILE\|DIR\|-\]\.\.\. --policy NAMESPACE\/NAME/);
    assert.match((await cli(['--help'])).stdout, /checks {4}a script of kubectl commands/);
  });

  it('quotes words for the shell', () => {
    assert.strictEqual(shellQuote('--labels=app=web,tier=a.b'), '--labels=app=web,tier=a.b');
    assert.strictEqual(shellQuote("it's"), `'it'\\''s'`);
    assert.strictEqual(shellQuote('$(id) `id` a b'), "'$(id) `id` a b'");
    assert.strictEqual(shellQuote(''), "''");
  });

  const posix = process.platform !== 'win32';

  (posix ? it : it.skip)('passes odd label values to kubectl exactly as written, and runs no part of them', () => {
    const script = scriptFor(`${folder}/odd-labels.yaml`, 'team-a/server');
    assert.match(script, /# - team-a\/client has labels that are not valid in Kubernetes \("note=it's a b", /);
    assert.match(script, /SCTP: busybox cannot test it/);
    const { stdout, runs, dir } = runWithFakeKubectl(script);
    try {
      assert.ok(!fs.existsSync(path.join(dir, 'pwned')), 'a label value was run as a command');
      assert.deepStrictEqual(runs[0], [
        'run',
        'np-check-1',
        '-n',
        'team-a',
        '--rm',
        '-i',
        '--restart=Never',
        '--image=busybox:1.36',
        "--labels=app=client,note=it's a b,example.com/role=x$(touch pwned)`id`",
        '--',
        'wget',
        '--spider',
        '--timeout=1',
        '-q',
        'http://10.0.0.9:80',
      ]);
      assert.deepStrictEqual(runs[1].slice(-6), ['--', 'nc', '-zu', '-w1', '10.0.0.9', '514']);
      assert.deepStrictEqual(runs.length, 3, 'TCP, UDP and the denied flow; no command for SCTP');
      assert.deepStrictEqual(runs[2].slice(0, 9), ['run', 'np-check-4', '-n', 'team-a', '--rm', '-i', '--restart=Never', '--image=busybox:1.36', '--labels=app=other']);
      // The fake kubectl lets everything through: the allowed flows are as expected, the denied one is not.
      assert.match(stdout, /^ok: team-a\/client -> team-a\/server TCP 80: allowed$/m);
      assert.match(stdout, /^UNEXPECTED: team-a\/other -> team-a\/server TCP 80: allowed, expected denied$/m);
      assert.match(stdout, /^1 unexpected result\(s\)$/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  (posix ? it : it.skip)('the shop script is valid sh, reaches Services by name, and reports a blocked flow as expected', () => {
    const script = scriptFor(`${folder}/shop.yaml`, 'backend/api');
    assert.strictEqual(spawnSync('sh', ['-n'], { input: script }).status, 0, 'sh -n accepts the script');
    const { stdout, status, runs, dir } = runWithFakeKubectl(script, 1);
    try {
      assert.ok(
        runs.some((r) => r.includes('http://api.backend.svc.cluster.local:80')),
        'the Service port, not the container port',
      );
      assert.ok(runs.some((r) => r.join(' ').endsWith('-- nslookup kubernetes.default.svc.cluster.local')));
      assert.match(stdout, /^ok: backend\/db -> backend\/Deployment\/api TCP 8080: denied$/m);
      assert.match(stdout, /^UNEXPECTED: frontend\/Deployment\/web -> backend\/Deployment\/api TCP 8080: denied, expected allowed$/m);
      assert.notStrictEqual(status, 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds the policy by id or at a position, as the request handler does', () => {
    const workspace = loadWorkspace([`${folder}/shop.yaml`]);
    const uri = uriOf(`${folder}/shop.yaml`);
    const file = workspace[0].parsed;
    const byId = connectivityChecksFor(workspace, { uri, policyId: 'backend/api' }, file);
    assert.match(byId.text ?? '', /^#!\/bin\/sh\n# Connectivity checks for NetworkPolicy backend\/api\n/);
    const line = file.text.split('\n').findIndex((l) => l.includes('kind: NetworkPolicy'));
    const atCursor = connectivityChecksFor(workspace, { uri, position: { line: line + 5, character: 4 } }, file);
    assert.strictEqual(atCursor.text, byId.text);
    assert.deepStrictEqual(connectivityChecksFor(workspace, { uri, position: { line: 3, character: 0 } }, file), {
      message: 'No NetworkPolicy at the cursor: place it inside a NetworkPolicy manifest.',
    });
    assert.deepStrictEqual(connectivityChecksFor(workspace, { uri, policyId: 'backend/nope' }, file), { message: 'No NetworkPolicy backend/nope in the workspace.' });
    assert.ok(connectivityChecksFor(workspace, { uri, position: { line: 'x', character: null } } as never, file).message);
    assert.ok(connectivityChecksFor(workspace, null as never, undefined).message);
    // The same model as the rest of the server: one per workspace snapshot.
    assert.strictEqual(workspaceModel(workspace).model.policies.length, 1);
  });
});
