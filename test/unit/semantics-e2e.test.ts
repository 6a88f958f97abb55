import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { buildModelFromTexts, Protocol } from '../../server/src/service/model';
import { createAnalyzer, explainConnection, podEndpoint } from '../../server/src/service/semantics';
import { renderGrid } from '../../server/src/cli/commands/matrix';

/**
 * The upstream e2e network policy cases (test/fixtures/semantics/e2e): each fixture holds the
 * policies of one case (or one step of it) and, in comments, the truth tables the upstream
 * test expects, computed from its Reachability expectations. The pods and namespaces are
 * shared, in e2e-cluster.yaml.
 */

const fixtures = path.resolve(__dirname, '../../../test/fixtures/semantics');

export interface ExpectedTable {
  protocol: Protocol;
  port: number;
  pods: string[];
  /** cells[i][j]: pods[i] -> pods[j]; '.' allowed, 'X' denied, '?' not checked. */
  cells: string[][];
  /** The table as written, without the comment markers. */
  text: string;
}

/** Reads the truth tables written as comment blocks: a `# PROTO/PORT` line, a `# - pods...` header, rows. */
export function parseTables(text: string): ExpectedTable[] {
  const lines = text.split(/\r?\n/);
  const tables: ExpectedTable[] = [];
  for (let i = 0; i < lines.length; i++) {
    const title = /^#\s*(TCP|UDP|SCTP)\/(\d+)\s*$/.exec(lines[i]);
    if (!title) continue;
    const header = /^#\s*-\s+(.*)$/.exec(lines[i + 1] ?? '');
    if (!header) throw new Error(`line ${i + 2}: expected the header row of the ${title[1]}/${title[2]} table`);
    const pods = header[1].trim().split(/\s+/);
    const cells: string[][] = [];
    const rows: string[] = [lines[i + 1].replace(/^#\s?/, '')];
    for (let r = 0; r < pods.length; r++) {
      const row = (lines[i + 2 + r] ?? '').replace(/^#\s?/, '');
      const parts = row.trim().split(/\s+/);
      if (parts[0] !== pods[r] || parts.length !== pods.length + 1) throw new Error(`line ${i + 3 + r}: expected the row of ${pods[r]} with ${pods.length} marks`);
      cells.push(parts.slice(1));
      rows.push(row);
    }
    tables.push({ protocol: title[1] as Protocol, port: Number(title[2]), pods, cells, text: rows.join('\n') });
    i += 1 + pods.length;
  }
  return tables;
}

function yamlFiles(folder: string): string[] {
  return fs
    .readdirSync(path.join(fixtures, folder))
    .filter((name) => name.endsWith('.yaml'))
    .sort();
}

/** Builds the model from the texts and checks every truth table written in the last one. */
function checkTables(name: string, texts: { path: string; text: string }[]): void {
  const tables = parseTables(texts[texts.length - 1].text);
  assert.ok(tables.length > 0, `${name} has no expected truth table`);
  const model = buildModelFromTexts(texts);
  const analyzer = createAnalyzer(model);
  for (const table of tables) {
    const matrix = analyzer.matrix({ ports: [table.port], protocols: [table.protocol] });
    const [computed] = matrix.tables;
    const index = table.pods.map((id) => {
      const pod = analyzer.podById(id);
      assert.ok(pod, `${name}: no pod ${id} in the model`);
      return analyzer.indexOf(pod);
    });
    const wrong: string[] = [];
    const actualRows = table.pods.map((from, i) =>
      table.pods.map((to, j) => {
        const allowed = computed.allowed(index[i], index[j]);
        const explained = explainConnection(analyzer, podEndpoint(matrix.pods[index[i]]), podEndpoint(matrix.pods[index[j]]), table.port, table.protocol);
        // The matrix (set algebra), the explanation (rule by rule) and the single verdict must agree.
        assert.strictEqual(explained.allowed, allowed, `${name} ${table.protocol}/${table.port} ${from} -> ${to}: matrix says ${allowed}, explanation says ${explained.allowed}`);
        const verdict = analyzer.allows(explained.from, explained.to, table.port, table.protocol);
        assert.strictEqual(verdict, allowed, `${name} ${table.protocol}/${table.port} ${from} -> ${to}: matrix says ${allowed}, allows() says ${verdict}`);
        const expected = table.cells[i][j];
        if (expected !== '?' && (expected === '.') !== allowed) wrong.push(`${from} -> ${to}: expected ${expected === '.' ? 'allowed' : 'denied'}`);
        return allowed ? '.' : 'X';
      }),
    );
    assert.deepStrictEqual(
      wrong,
      [],
      `${name} ${table.protocol}/${table.port}: ${wrong.length} wrong\nexpected:\n${table.text}\nactual:\n${actualRows.map((r, i) => `${table.pods[i]} ${r.join(' ')}`).join('\n')}`,
    );
    // The CLI's text grid prints the same table for the same pods (column widths aside).
    const subset = { ...computed, rows: index.map((i) => ({ has: (j: number) => computed.allowed(i, index[j]) })) } as unknown as typeof computed;
    const squeeze = (text: string) => text.replace(/[ \t]+/g, ' ').replace(/ $/gm, '');
    assert.strictEqual(squeeze(renderGrid(index.map((i) => matrix.pods[i]), subset)), squeeze(table.text));
  }
}

describe('semantics: upstream e2e network policy cases (test/fixtures/semantics/e2e)', () => {
  const clusterText = fs.readFileSync(path.join(fixtures, 'e2e-cluster.yaml'), 'utf8');
  for (const name of yamlFiles('e2e')) {
    it(name, () => {
      const text = fs.readFileSync(path.join(fixtures, 'e2e', name), 'utf8');
      checkTables(name, [
        { path: 'e2e-cluster.yaml', text: clusterText },
        { path: name, text },
      ]);
    });
  }
});

describe('semantics: local reachability cases (test/fixtures/semantics/cases)', () => {
  for (const name of yamlFiles('cases')) {
    it(name, () => {
      checkTables(name, [{ path: name, text: fs.readFileSync(path.join(fixtures, 'cases', name), 'utf8') }]);
    });
  }
});
