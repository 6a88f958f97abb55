import * as ipaddr from 'ipaddr.js';

/** A parsed CIDR, as Go's net.ParseCIDR (sloppy: IPv4 parts may have leading zeros) reads it. */
export interface Cidr {
  family: 4 | 6;
  /** The address as written (host bits kept). */
  address: ipaddr.IPv4 | ipaddr.IPv6;
  prefix: number;
}

const decimal = /^[0-9]+$/;

function parseIPv4Sloppy(text: string): ipaddr.IPv4 | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const part of parts) {
    if (!decimal.test(part)) return undefined;
    const value = Number.parseInt(part, 10);
    if (value > 255) return undefined;
    octets.push(value);
  }
  return new ipaddr.IPv4(octets);
}

function parseIPv6(text: string): ipaddr.IPv6 | undefined {
  // Go rejects zones in CIDRs and accepts only hex groups with an optional trailing IPv4 part.
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || !text.includes(':')) return undefined;
  try {
    return ipaddr.IPv6.parse(text);
  } catch {
    return undefined;
  }
}

/** Parses "address/prefix" as Kubernetes' legacy CIDR fields do; undefined when invalid. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!decimal.test(prefixText) || prefixText.length > 10) return undefined;
  const prefix = Number.parseInt(prefixText, 10);
  const v4 = addressText.includes(':') ? undefined : parseIPv4Sloppy(addressText);
  if (v4) return prefix <= 32 ? { family: 4, address: v4, prefix } : undefined;
  const v6 = parseIPv6(addressText);
  if (v6) return prefix <= 128 ? { family: 6, address: v6, prefix } : undefined;
  return undefined;
}

/**
 * The StrictIPCIDRValidation problem of a CIDR that parseCidr accepted, as the API server's
 * IsValidCIDRForLegacyField reports it with the gate on (the default since Kubernetes 1.36):
 * leading zeros (in an IPv4 octet or in the prefix length), else an IPv4-mapped IPv6 address,
 * else bits set after the prefix. At most one problem, in that order.
 */
export function strictCidrProblem(text: string, cidr: Cidr): string | undefined {
  const slash = text.indexOf('/');
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const leadingZero = (part: string) => part.length > 1 && part.startsWith('0');
  const dotted = addressText.slice(addressText.lastIndexOf(':') + 1);
  const octets = dotted.includes('.') ? dotted.split('.') : [];
  if (leadingZero(prefixText) || octets.some(leadingZero)) return 'must not have leading 0s in IP or prefix length';
  const bytes = cidr.address.toByteArray();
  if (bytes.length === 16 && isIPv4Mapped(bytes)) return 'must not have an IPv4-mapped IPv6 address';
  const network = networkBytes(cidr);
  if (network.some((byte, i) => byte !== bytes[i])) return 'must not have bits set beyond the prefix length';
  return undefined;
}

/**
 * Whether `inner` lies inside `outer` with a strictly longer prefix (ValidateIPBlock's rule:
 * `outer.Contains(inner.IP)` and a longer mask). The prefix lengths are compared as written,
 * and containment follows Go's net.IPNet.Contains, which reads an IPv4-mapped IPv6 address
 * as IPv4: so `::ffff:10.1.0.0/112` is accepted inside `10.0.0.0/8`.
 */
export function isStrictSubset(inner: Cidr, outer: Cidr): boolean {
  if (inner.prefix <= outer.prefix) return false;
  let ip = networkBytes(inner);
  if (ip.length === 16 && isIPv4Mapped(ip)) ip = ip.slice(12);
  let network = networkBytes(outer);
  let mask = maskBytes(outer.prefix, network.length * 8);
  if (network.length === 16 && isIPv4Mapped(network)) {
    network = network.slice(12);
    mask = mask.slice(12);
  }
  if (ip.length !== network.length) return false;
  return network.every((byte, i) => (byte & mask[i]) === (ip[i] & mask[i]));
}

/** The address bytes with the bits after the prefix cleared, as Go's ParseCIDR returns them. */
function networkBytes(cidr: Cidr): number[] {
  const bytes = cidr.address.toByteArray();
  const mask = maskBytes(cidr.prefix, bytes.length * 8);
  return bytes.map((byte, i) => byte & mask[i]);
}

function maskBytes(prefix: number, bits: number): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < bits / 8; i++) {
    const ones = Math.max(0, Math.min(8, prefix - i * 8));
    bytes.push((0xff << (8 - ones)) & 0xff);
  }
  return bytes;
}

function isIPv4Mapped(bytes: number[]): boolean {
  return bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}

/** Parses a single IP address (no prefix); undefined when invalid. */
export function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  return text.includes(':') ? parseIPv6(text) : parseIPv4Sloppy(text);
}

/** Whether an address lies inside a CIDR (families must agree). */
export function cidrContains(cidr: Cidr, address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (address.kind() !== cidr.address.kind()) return false;
  return (address as ipaddr.IPv4).match(cidr.address as ipaddr.IPv4, cidr.prefix);
}

/** Number of addresses in a CIDR, as a bigint (IPv6 ranges are large). */
export function cidrSize(cidr: Cidr): bigint {
  const bits = cidr.family === 4 ? 32 : 128;
  return 1n << BigInt(bits - cidr.prefix);
}
