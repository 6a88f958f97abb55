import { execFile } from 'child_process';
import type { Protocol } from './generate';

/**
 * What the peer allows between two endpoints. np-guard prints a connection set as
 * "All Connections" or as protocols with port lists, e.g. "SCTP 1-79,81-65535,TCP 80,UDP 53".
 */
export interface ConnectionSet {
  all: boolean;
  ranges: Map<Protocol, [number, number][]>;
  /** Named ports the peer could not resolve (it prints them by name); they allow no numbered port. */
  names: string[];
}

export function parseConnectionSet(text: string): ConnectionSet {
  const result: ConnectionSet = { all: false, ranges: new Map(), names: [] };
  const trimmed = text.trim();
  if (trimmed === 'All Connections') return { ...result, all: true };
  if (trimmed === 'No Connections' || trimmed === '') return result;
  let protocol: Protocol | undefined;
  for (const rawToken of trimmed.split(',')) {
    let token = rawToken.trim();
    const head = /^(TCP|UDP|SCTP)\s+(.*)$/.exec(token);
    if (head) {
      protocol = head[1] as Protocol;
      token = head[2].trim();
    }
    if (!protocol) throw new Error(`cannot read the peer's connection set ${JSON.stringify(text)}`);
    let list = result.ranges.get(protocol);
    if (!list) result.ranges.set(protocol, (list = []));
    const range = /^(\d+)(?:-(\d+))?$/.exec(token);
    if (token === 'ALL PORTS') list.push([1, 65535]);
    else if (range) list.push([Number(range[1]), Number(range[2] ?? range[1])]);
    else result.names.push(`${protocol} ${token}`);
  }
  return result;
}

export function connectionAllows(set: ConnectionSet | undefined, port: number, protocol: Protocol): boolean {
  if (!set) return false;
  if (set.all) return true;
  return (set.ranges.get(protocol) ?? []).some(([start, end]) => port >= start && port <= end);
}

/** An IPv4 range as two 32-bit numbers. */
export type AddressRange = [number, number];

export function ipv4Number(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${text}`);
  return parts.reduce((sum, part) => sum * 256 + Number(part), 0);
}

/** Reads the peer's address lists, e.g. "0.0.0.0-9.255.255.255,11.0.0.0-255.255.255.255". */
function parseAddressRanges(text: string): AddressRange[] | undefined {
  const ranges: AddressRange[] = [];
  for (const token of text.split(',')) {
    const match = /^(\d+\.\d+\.\d+\.\d+)(?:-(\d+\.\d+\.\d+\.\d+))?$/.exec(token.trim());
    if (!match) return undefined;
    ranges.push([ipv4Number(match[1]), ipv4Number(match[2] ?? match[1])]);
  }
  return ranges;
}

export interface PeerResult {
  /** Workload to workload: key `src -> dst` in the peer's names (`ns/name[Kind]`). */
  pairs: Map<string, ConnectionSet>;
  /** Connections from address ranges to workloads. */
  fromAddresses: { ranges: AddressRange[]; workload: string; set: ConnectionSet }[];
  /** Connections from workloads to address ranges. */
  toAddresses: { ranges: AddressRange[]; workload: string; set: ConnectionSet }[];
  /** Every workload name the peer printed. */
  workloads: Set<string>;
}

export function pairKey(from: string, to: string): string {
  return `${from} -> ${to}`;
}

export function parsePeerOutput(json: string): PeerResult {
  const result: PeerResult = { pairs: new Map(), fromAddresses: [], toAddresses: [], workloads: new Set() };
  const data: unknown = JSON.parse(json);
  if (!Array.isArray(data)) throw new Error('the peer printed no JSON list');
  for (const item of data as { src: string; dst: string; conn: string }[]) {
    const set = parseConnectionSet(item.conn);
    const srcRanges = parseAddressRanges(item.src);
    const dstRanges = parseAddressRanges(item.dst);
    if (srcRanges && dstRanges) throw new Error(`the peer printed a connection between two address ranges: ${item.src} -> ${item.dst}`);
    if (srcRanges) {
      result.fromAddresses.push({ ranges: srcRanges, workload: item.dst, set });
      result.workloads.add(item.dst);
    } else if (dstRanges) {
      result.toAddresses.push({ ranges: dstRanges, workload: item.src, set });
      result.workloads.add(item.src);
    } else {
      result.pairs.set(pairKey(item.src, item.dst), set);
      result.workloads.add(item.src).add(item.dst);
    }
  }
  return result;
}

/** What the peer allows between an address and a workload, in one direction. */
export function addressAllows(entries: PeerResult['fromAddresses'], address: number, workload: string, port: number, protocol: Protocol): boolean {
  return entries.some((e) => e.workload === workload && e.ranges.some(([start, end]) => address >= start && address <= end) && connectionAllows(e.set, port, protocol));
}

export interface PeerRun {
  ok: boolean;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs `netpolicy list --dirpath DIR -o json` on a folder of manifests. Its `--fail` flag is not
 * used: with it, v1.4.4 prints an empty list for a folder it reads without trouble.
 */
export function runPeer(binary: string, dir: string): Promise<PeerRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(binary, ['list', '--dirpath', dir, '-o', 'json'], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ ok: !error, stdout, stderr, ms: performance.now() - started });
    });
  });
}
