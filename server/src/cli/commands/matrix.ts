import { PodInfo, Protocol, protocols as allProtocols } from '../../service/model';
import { MatrixResult, MatrixTable } from '../../service/semantics';
import { CliIo, parseArgs, UsageError } from '../args';
import { loadModel } from '../model';

export const matrixUsage = `Usage: netpol matrix [FILE|DIR|-]... [--ports 80,81] [--protocols TCP,UDP,SCTP] [--format json|text|csv|md] [--default-namespace NS]

Whether each pod may connect to each pod (every ordered pair, a pod to itself included), for
each port and protocol. Pods are NAMESPACE/NAME for Pod objects and NAMESPACE/KIND/NAME for
the pod templates of workloads. --ports defaults to every container port the pods declare
(80 if none); --protocols defaults to TCP.
Formats: json {"probes":[{"from","to","port","protocol","allowed"}]}; text, a grid per port and
protocol like the Kubernetes e2e truth tables (rows: from, columns: to; . allowed, X denied);
csv; md (Markdown tables).
Exit status: 0 done, 2 usage error or unreadable input.`;

type Format = 'json' | 'text' | 'csv' | 'md';

function parsePorts(text: string): number[] {
  const ports = text.split(',').map((part) => part.trim()).filter((part) => part.length > 0);
  if (ports.length === 0) throw new UsageError('--ports needs at least one port number');
  return ports.map((part) => {
    if (!/^[0-9]+$/.test(part) || Number(part) < 1 || Number(part) > 65535) throw new UsageError(`--ports: ${JSON.stringify(part)} is not a port number`);
    return Number(part);
  });
}

function parseProtocols(text: string): Protocol[] {
  const result = text.split(',').map((part) => part.trim().toUpperCase()).filter((part) => part.length > 0);
  if (result.length === 0) throw new UsageError('--protocols needs at least one protocol');
  for (const p of result) if (!(allProtocols as readonly string[]).includes(p)) throw new UsageError(`--protocols: unknown protocol ${JSON.stringify(p)}: use TCP, UDP or SCTP`);
  return [...new Set(result)] as Protocol[];
}

function declaredPorts(pods: readonly PodInfo[]): number[] {
  const ports = new Set<number>();
  for (const pod of pods) for (const port of pod.ports) ports.add(port.containerPort);
  return ports.size > 0 ? [...ports].sort((a, b) => a - b) : [80];
}

/**
 * Writes in pieces of about a megabyte, so that a matrix of millions of probes is never one
 * string. Appending to one string (a rope) and writing it once is much cheaper than joining
 * millions of small parts.
 */
class ChunkedWriter {
  private chunk = '';

  constructor(private readonly io: CliIo) {}

  write(text: string): void {
    this.chunk += text;
    if (this.chunk.length > 1 << 20) this.flush();
  }

  flush(): void {
    if (this.chunk.length > 0) this.io.stdout(this.chunk);
    this.chunk = '';
  }
}

function writeJson(result: MatrixResult, out: ChunkedWriter): void {
  const names = result.pods.map((p) => JSON.stringify(p.id));
  const heads = names.map((name) => `,\n{"from":${name},"to":`);
  out.write('{"probes":[');
  let first = true;
  for (const table of result.tables) {
    // Every probe is a head (its source) and a tail (its destination and verdict).
    const tails = names.map((name) => [`${name},"port":${table.port},"protocol":"${table.protocol}","allowed":false}`, `${name},"port":${table.port},"protocol":"${table.protocol}","allowed":true}`]);
    for (let i = 0; i < names.length; i++) {
      const row = table.rows[i];
      const head = heads[i];
      let line = '';
      for (let j = 0; j < names.length; j++) line += head + tails[j][row.has(j) ? 1 : 0];
      if (first && line.length > 0) {
        line = line.slice(1);
        first = false;
      }
      out.write(line);
    }
  }
  out.write('\n]}\n');
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function writeCsv(result: MatrixResult, out: ChunkedWriter): void {
  const names = result.pods.map((p) => csvField(p.id));
  out.write('from,to,port,protocol,allowed\n');
  for (const table of result.tables) {
    for (let i = 0; i < names.length; i++) {
      for (let j = 0; j < names.length; j++) out.write(`${names[i]},${names[j]},${table.port},${table.protocol},${table.rows[i].has(j)}\n`);
    }
  }
}

/** The grid of one table, rows as sources and columns as destinations. */
export function renderGrid(pods: readonly PodInfo[], table: MatrixTable): string {
  const names = pods.map((p) => p.id);
  const width = Math.max(1, ...names.map((n) => n.length));
  const pad = (text: string) => text.padEnd(width);
  const lines = [[pad('-'), ...names.map(pad)].join(' ').trimEnd()];
  names.forEach((name, i) => {
    lines.push([pad(name), ...names.map((_, j) => pad(table.rows[i].has(j) ? '.' : 'X'))].join(' ').trimEnd());
  });
  return lines.join('\n');
}

function writeText(result: MatrixResult, out: ChunkedWriter): void {
  out.write('Rows: from; columns: to; . allowed, X denied.\n');
  for (const table of result.tables) {
    out.write(`\n${table.protocol}/${table.port}\n`);
    out.write(`${renderGrid(result.pods, table)}\n`);
  }
}

function mdCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function writeMarkdown(result: MatrixResult, out: ChunkedWriter): void {
  const names = result.pods.map((p) => mdCell(p.id));
  result.tables.forEach((table, t) => {
    out.write(`${t > 0 ? '\n' : ''}### ${table.protocol}/${table.port}\n\n`);
    out.write(`| from \\ to | ${names.join(' | ')} |\n`);
    out.write(`|---|${names.map(() => ':-:').join('|')}|\n`);
    names.forEach((name, i) => {
      out.write(`| ${name} | ${names.map((_, j) => (table.rows[i].has(j) ? '✓' : '✗')).join(' | ')} |\n`);
    });
  });
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ['ports', 'protocols', 'format', 'default-namespace', 'n'], flags: ['help'] });
  if (args.flags.has('help')) {
    io.stdout(`${matrixUsage}\n`);
    return 0;
  }
  const format = (args.value('format') ?? 'json') as Format;
  if (!['json', 'text', 'csv', 'md'].includes(format)) throw new UsageError(`unknown format ${JSON.stringify(format)}: use json, text, csv or md`);
  const portsText = args.value('ports');
  const protocolsText = args.value('protocols');
  const ports = portsText === undefined ? undefined : parsePorts(portsText);
  const protocols = protocolsText === undefined ? (['TCP'] as Protocol[]) : parseProtocols(protocolsText);
  const { model, analyzer, unreadable } = await loadModel(args, io);
  if (unreadable) return 2;
  const result = analyzer.matrix({ ports: ports ?? declaredPorts(model.pods), protocols });

  const out = new ChunkedWriter(io);
  if (format === 'json') writeJson(result, out);
  else if (format === 'csv') writeCsv(result, out);
  else if (format === 'md') writeMarkdown(result, out);
  else writeText(result, out);
  out.flush();
  return 0;
}

export { run as runMatrix };
