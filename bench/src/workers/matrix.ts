import * as fs from 'fs';
import { buildModelFromTexts } from '../../../server/src/service/model';
import { createAnalyzer } from '../../../server/src/service/semantics';

/**
 * Times the matrix through the module API: building the cluster model (which parses) and
 * computing every pod pair for the given ports over TCP.
 * Usage: node matrix.js FILE RUNS PORTS; prints one JSON object.
 */
const [file, runsText, portsText] = process.argv.slice(2);
const text = fs.readFileSync(file, 'utf8');
const runs = Number(runsText) || 3;
const ports = (portsText ?? '80,443').split(',').map(Number);
const result = { model: [] as number[], matrix: [] as number[], total: [] as number[], pods: 0, policies: 0, allowed: 0 };
for (let i = 0; i < runs; i++) {
  const start = performance.now();
  const model = buildModelFromTexts([{ path: file, text }]);
  const built = performance.now();
  const matrix = createAnalyzer(model).matrix({ ports, protocols: ['TCP'] });
  const end = performance.now();
  result.model.push(built - start);
  result.matrix.push(end - built);
  result.total.push(end - start);
  result.pods = model.pods.length;
  result.policies = model.policies.length;
  let allowed = 0;
  for (const table of matrix.tables) for (let r = 0; r < matrix.pods.length; r++) for (let c = 0; c < matrix.pods.length; c++) if (table.allowed(r, c)) allowed++;
  result.allowed = allowed;
}
process.stdout.write(`${JSON.stringify(result)}\n`);
