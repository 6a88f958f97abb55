import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CliIo } from '../../server/src/cli/args';
import { main, registerCommand } from '../../server/src/cli/main';
import { run as runExplain } from '../../server/src/cli/commands/explain';
import { run as runMatrix } from '../../server/src/cli/commands/matrix';
import { run as runReach } from '../../server/src/cli/commands/reach';

/**
 * `netpol reach` and `netpol explain` end to end, driven by golden files: each
 * test/fixtures/semantics/explain/NAME.txt lists commands (`$ reach ...`), each followed by
 * its expected output and exit status, run with the fixture folder as the working directory.
 * Set NETPOL_UPDATE_FIXTURES=1 to rewrite the outputs (then review the diff).
 */

const folder = path.resolve(__dirname, '../../../test/fixtures/semantics/explain');

registerCommand('explain', runExplain, 'explain policies');
registerCommand('reach', runReach, 'explain one connection');
registerCommand('matrix', runMatrix, 'reachability of every pair');

async function runCommand(line: string): Promise<string> {
  let out = '';
  const io: CliIo = {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      out += t
        .split('\n')
        .map((l) => (l ? `stderr: ${l}` : l))
        .join('\n');
    },
    cwd: folder,
    readStdin: async () => '',
  };
  const code = await main(line.trim().split(/\s+/), io);
  return `${out.replace(/\n*$/, '\n')}[exit ${code}]\n`;
}

interface Block {
  command: string;
  expected: string;
}

function parseGolden(text: string): Block[] {
  const blocks: Block[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('$ ')) blocks.push({ command: line.slice(2), expected: '' });
    else if (blocks.length > 0) blocks[blocks.length - 1].expected += `${line}\n`;
  }
  return blocks.map((b) => ({ command: b.command, expected: b.expected.replace(/\n+$/, '\n') }));
}

describe('semantics: explanations through netpol reach and explain (test/fixtures/semantics/explain)', () => {
  for (const name of fs.readdirSync(folder).filter((n) => n.endsWith('.txt')).sort()) {
    it(name, async () => {
      const file = path.join(folder, name);
      const blocks = parseGolden(fs.readFileSync(file, 'utf8'));
      const actual: string[] = [];
      for (const block of blocks) actual.push(`$ ${block.command}\n${await runCommand(block.command)}`);
      if (process.env.NETPOL_UPDATE_FIXTURES) fs.writeFileSync(file, actual.join('\n'));
      for (let i = 0; i < blocks.length; i++) {
        assert.strictEqual(actual[i], `$ ${blocks[i].command}\n${blocks[i].expected}`, `${name}: output of "${blocks[i].command}" differs`);
      }
    });
  }
});
