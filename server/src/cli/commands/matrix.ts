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
 * Writes UTF-8 bytes in buffers of a megabyte. A matrix of a thousand pods is two million
 * probes and hundreds of megabytes of JSON: building it as strings and encoding them costs
 * several times more than computing it, so every format is assembled from pieces encoded
 * once (a source's head, a destination's tail per verdict, a run of grid cells) and copied.
 * A buffer ends between pieces, so each one is valid UTF-8 on its own.
 */
class ByteWriter {
  private static readonly size = 1 << 20;
  private buffer = Buffer.allocUnsafe(ByteWriter.size);
  private at = 0;

  constructor(private readonly io: CliIo) {}

  text(text: string): void {
    this.bytes(Buffer.from(text, 'utf8'));
  }

  bytes(bytes: Uint8Array): void {
    if (this.at + bytes.length > ByteWriter.size) {
      this.flush();
      if (bytes.length > ByteWriter.size) {
        this.emit(bytes);
        return;
      }
    }
    this.buffer.set(bytes, this.at);
    this.at += bytes.length;
  }

  /** `bytes[from, to)`, without a view of it. */
  range(bytes: Buffer, from: number, to: number): void {
    if (this.at + (to - from) > ByteWriter.size) {
      this.flush();
      if (to - from > ByteWriter.size) {
        this.emit(bytes.subarray(from, to));
        return;
      }
    }
    this.at += bytes.copy(this.buffer, this.at, from, to);
  }

  /** Items `from` to `to` (exclusive) of a gapped layout, with `gap` written into each one's gap. */
  gapped(bytes: Buffer, starts: Int32Array, from: number, to: number, gap: Uint8Array): void {
    while (from < to) {
      let end = to;
      if (this.at + (starts[end] - starts[from]) > ByteWriter.size) {
        this.flush();
        // As many whole items as fit (at least one: an item larger than a buffer gets its own).
        let fits = from + 1;
        while (fits < end && starts[fits + 1] - starts[from] <= ByteWriter.size) fits++;
        end = fits;
        if (starts[end] - starts[from] > ByteWriter.size) {
          const item = Buffer.from(bytes.subarray(starts[from], starts[end]));
          item.set(gap, 0);
          this.emit(item);
          from = end;
          continue;
        }
      }
      const base = this.at - starts[from];
      bytes.copy(this.buffer, this.at, starts[from], starts[end]);
      for (let m = from; m < end; m++) this.buffer.set(gap, base + starts[m]);
      this.at += starts[end] - starts[from];
      from = end;
    }
  }

  flush(): void {
    if (this.at === 0) return;
    const reusable = this.emit(this.buffer.subarray(0, this.at));
    // The stream may hold on to the bytes until they are out, so the next ones go to a new buffer.
    if (!reusable) this.buffer = Buffer.allocUnsafe(ByteWriter.size);
    this.at = 0;
  }

  private emit(bytes: Uint8Array): boolean {
    if (this.io.stdoutBytes) return this.io.stdoutBytes(bytes) === true;
    this.io.stdout(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    return true;
  }
}

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/**
 * A row of one table as runs of equal verdicts: `run(from, to, allowed)` for each maximal
 * run of destinations, in order. Rows are mostly one verdict, so formats copy whole runs.
 * Only `has` is asked of the row, so that a table of some of the pods can be drawn too.
 */
function forEachRun(table: MatrixTable, row: number, n: number, run: (from: number, to: number, allowed: boolean) => void): void {
  const bits = table.rows[row];
  let from = 0;
  while (from < n) {
    const allowed = bits.has(from);
    let to = from + 1;
    while (to < n && bits.has(to) === allowed) to++;
    run(from, to, allowed);
    from = to;
  }
}

/** A cell repeated `count` times, so that a run of equal cells is one copy of a prefix. */
function repeated(cell: string, count: number): Buffer {
  return utf8(cell.repeat(count));
}

/**
 * The denied probes of a table laid out once, each with a gap before it for its source's head;
 * one layout per head length, since a gap must fit its head.
 */
interface GappedLayout {
  bytes: Buffer;
  /** Where probe j starts (its gap); `starts[n]` is the end. */
  starts: Int32Array;
}

function gappedLayout(tails: readonly Buffer[], gap: number): GappedLayout {
  const starts = new Int32Array(tails.length + 1);
  let at = 0;
  for (let j = 0; j < tails.length; j++) {
    starts[j] = at;
    at += gap + tails[j].length;
  }
  starts[tails.length] = at;
  const bytes = Buffer.alloc(at);
  for (let j = 0; j < tails.length; j++) tails[j].copy(bytes, starts[j] + gap);
  return { bytes, starts };
}

/**
 * Every probe of a table, row by row: its source's head and its destination's tail for the
 * verdict. A run of denied probes (most of a row) is one copy from the layout and a head
 * written into each gap. `skip` probes at the start of the first row are left out.
 */
function writeProbes(out: ByteWriter, table: MatrixTable, heads: readonly Buffer[], tails: readonly (readonly [Buffer, Buffer])[], skip = 0): void {
  const n = heads.length;
  const denied = tails.map((t) => t[0]);
  const layouts = new Map<number, GappedLayout>();
  for (let i = 0; i < n; i++) {
    const row = table.rows[i];
    const head = heads[i];
    let layout = layouts.get(head.length);
    if (!layout) layouts.set(head.length, (layout = gappedLayout(denied, head.length)));
    for (let j = i === 0 ? skip : 0; j < n; ) {
      const allowed = row.next(j);
      if (allowed > j) out.gapped(layout.bytes, layout.starts, j, Math.min(allowed, n), head);
      if (allowed >= n) break;
      out.bytes(head);
      out.bytes(tails[allowed][1]);
      j = allowed + 1;
    }
  }
}

function writeJson(result: MatrixResult, out: ByteWriter): void {
  const names = result.pods.map((p) => JSON.stringify(p.id));
  const heads = names.map((name) => utf8(`,\n{"from":${name},"to":`));
  out.text('{"probes":[');
  result.tables.forEach((table, t) => {
    const tails = names.map((name) => {
      const prefix = `${name},"port":${table.port},"protocol":"${table.protocol}","allowed":`;
      return [utf8(`${prefix}false}`), utf8(`${prefix}true}`)] as const;
    });
    // The first probe has no separator before it.
    if (t === 0 && names.length > 0) {
      out.bytes(heads[0].subarray(1));
      out.bytes(tails[0][table.rows[0].has(0) ? 1 : 0]);
    }
    writeProbes(out, table, heads, tails, t === 0 ? 1 : 0);
  });
  out.text('\n]}\n');
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function writeCsv(result: MatrixResult, out: ByteWriter): void {
  const names = result.pods.map((p) => csvField(p.id));
  const heads = names.map((name) => utf8(`${name},`));
  out.text('from,to,port,protocol,allowed\n');
  for (const table of result.tables) {
    const tails = names.map((name) => [utf8(`${name},${table.port},${table.protocol},false\n`), utf8(`${name},${table.port},${table.protocol},true\n`)] as const);
    writeProbes(out, table, heads, tails);
  }
}

/**
 * The grid of one table, rows as sources and columns as destinations, each line without
 * trailing spaces.
 */
function writeGrid(pods: readonly PodInfo[], table: MatrixTable, out: ByteWriter): void {
  const names = pods.map((p) => p.id);
  const n = names.length;
  const width = names.reduce((max, name) => Math.max(max, name.length), 1);
  const pad = (text: string) => text.padEnd(width);
  out.text(`${[pad('-'), ...names.map(pad)].join(' ').trimEnd()}\n`);
  if (n === 0) return;
  // Every cell but the last is a space and the padded mark; the last one is not padded.
  const cell = 1 + width;
  const cells = [repeated(` ${pad('X')}`, n - 1), repeated(` ${pad('.')}`, n - 1)];
  const last = [utf8(' X\n'), utf8(' .\n')];
  for (let i = 0; i < n; i++) {
    out.text(pad(names[i]));
    forEachRun(table, i, n, (from, to, allowed) => {
      const end = Math.min(to, n - 1);
      if (from < end) out.range(cells[allowed ? 1 : 0], 0, (end - from) * cell);
      if (to === n) out.bytes(last[allowed ? 1 : 0]);
    });
  }
}

/** The grid of one table as text (what `--format text` writes for it, without the final newline). */
export function renderGrid(pods: readonly PodInfo[], table: MatrixTable): string {
  let text = '';
  const out = new ByteWriter({ stdout: (t) => (text += t), stderr: () => undefined, cwd: '', readStdin: async () => '' });
  writeGrid(pods, table, out);
  out.flush();
  return text.slice(0, -1);
}

function writeText(result: MatrixResult, out: ByteWriter): void {
  out.text('Rows: from; columns: to; . allowed, X denied.\n');
  for (const table of result.tables) {
    out.text(`\n${table.protocol}/${table.port}\n`);
    writeGrid(result.pods, table, out);
  }
}

function mdCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function writeMarkdown(result: MatrixResult, out: ByteWriter): void {
  const names = result.pods.map((p) => mdCell(p.id));
  const n = names.length;
  // Every cell but the last is the mark and a separator; the last one closes the row.
  const marks = ['✗', '✓'];
  const cellBytes = [utf8(`${marks[0]} | `), utf8(`${marks[1]} | `)].map((b) => b.length);
  const cells = [repeated(`${marks[0]} | `, Math.max(0, n - 1)), repeated(`${marks[1]} | `, Math.max(0, n - 1))];
  const last = [utf8(`${marks[0]} |\n`), utf8(`${marks[1]} |\n`)];
  result.tables.forEach((table, t) => {
    out.text(`${t > 0 ? '\n' : ''}### ${table.protocol}/${table.port}\n\n`);
    out.text(`| from \\ to | ${names.join(' | ')} |\n`);
    out.text(`|---|${names.map(() => ':-:').join('|')}|\n`);
    names.forEach((name, i) => {
      out.text(`| ${name} | `);
      forEachRun(table, i, n, (from, to, allowed) => {
        const v = allowed ? 1 : 0;
        const end = Math.min(to, n - 1);
        if (from < end) out.range(cells[v], 0, (end - from) * cellBytes[v]);
        if (to === n) out.bytes(last[v]);
      });
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

  const out = new ByteWriter(io);
  if (format === 'json') writeJson(result, out);
  else if (format === 'csv') writeCsv(result, out);
  else if (format === 'md') writeMarkdown(result, out);
  else writeText(result, out);
  out.flush();
  return 0;
}

export { run as runMatrix };
