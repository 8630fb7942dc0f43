// `agent --source-ips LIST|CIDR|IFACE`: the addresses this agent's connections
// are bound to, so per-IP limits and load balancers see many clients rather than
// one (and one host is not capped at one address's ~64k sockets). Resolved once
// at start and checked against this host's interfaces: an address the host does
// not have would fail every connect, so it is refused, by name, before any dial.
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { AgentErrors } from '../errors.ts';

/** At most this many source addresses (a /22 of IPv4). */
export const MAX_SOURCE_IPS = 1024;

type Interfaces = ReturnType<typeof networkInterfaces>;

const bad = (why: string) => new AgentErrors.BAD_ARGUMENT(`--source-ips: ${why}`);

const v4ToInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const intToV4 = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** The host addresses of an IPv4 CIDR (network and broadcast left out below /31). */
function cidrHosts(spec: string): string[] {
  const [ip = '', bitsText = ''] = spec.split('/');
  const bits = Number(bitsText);
  if (isIP(ip) !== 4) throw bad(`${JSON.stringify(spec)}: only IPv4 CIDRs (list IPv6 addresses one by one)`);
  if (!/^\d{1,2}$/.test(bitsText) || bits > 32) throw bad(`${JSON.stringify(spec)}: bad prefix length`);
  const size = 2 ** (32 - bits);
  if (size > MAX_SOURCE_IPS + 2) throw bad(`${spec} holds more than ${MAX_SOURCE_IPS} addresses`);
  const base = v4ToInt(ip) - (v4ToInt(ip) % size);
  const out: string[] = [];
  const [from, to] = size <= 2 ? [0, size] : [1, size - 1];
  for (let i = from; i < to; i++) out.push(intToV4(base + i));
  return out;
}

/** Comparable form of an address (IPv6 written any way, zone dropped). */
export function canonical(address: string): string {
  const a = address.split('%')[0]!.toLowerCase();
  if (isIP(a) !== 6) return a;
  try {
    return new URL(`http://[${a}]/`).hostname.slice(1, -1);
  } catch {
    return a;
  }
}

/**
 * The addresses `spec` names: a comma list of IPs, one IPv4 CIDR, or an interface name (its
 * addresses, link-local IPv6 left out). Every one must be on this host; throws BAD_ARGUMENT
 * naming the first that is not.
 */
export function resolveSourceIps(spec: string, interfaces: Interfaces = networkInterfaces()): string[] {
  const text = spec.trim();
  if (text === '') throw bad('empty');
  let list: string[];
  if (text.includes('/')) list = cidrHosts(text);
  else if (!text.includes(',') && isIP(text) === 0) {
    const iface = interfaces[text];
    if (iface === undefined)
      throw bad(`${JSON.stringify(text.slice(0, 64))} is neither an IP address nor an interface`);
    list = iface.map((i) => i.address).filter((a) => !/^fe80:/i.test(a));
    if (list.length === 0) throw bad(`interface ${text} has no usable address`);
  } else {
    list = text.split(',').map((s) => s.trim());
    for (const a of list) if (isIP(a) === 0) throw bad(`${JSON.stringify(a.slice(0, 64))} is no IP address`);
  }
  list = [...new Set(list.map(canonical))];
  if (list.length > MAX_SOURCE_IPS) throw bad(`${list.length} addresses (at most ${MAX_SOURCE_IPS})`);
  const here = new Set(
    Object.values(interfaces)
      .flatMap((l) => l ?? [])
      .map((i) => canonical(i.address)),
  );
  for (const a of list) if (!here.has(a)) throw bad(`${a} is not an address of this host`);
  // One family: a target is reached from every address, so it must be of the addresses' family.
  if (new Set(list.map((a) => isIP(a))).size > 1) throw bad('mixes IPv4 and IPv6 addresses');
  return list;
}
