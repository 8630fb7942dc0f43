// Where load may go. A load cluster is a cannon: the controller refuses a
// scenario whose targets are not allowed, and every agent checks again after
// DNS resolution, so a name that later resolves somewhere else (rebinding, a
// poisoned resolver) is refused at connect time. Link-local and cloud-metadata
// addresses are refused unless a pattern names them explicitly.
import { BlockList, isIP } from 'node:net';

/** Refused unless an address pattern covers them: link-local (cloud metadata lives there) and known metadata endpoints. */
const SENSITIVE: ReadonlyArray<[string, number, 'ipv4' | 'ipv6']> = [
  ['169.254.0.0', 16, 'ipv4'],
  ['100.100.100.200', 32, 'ipv4'],
  ['fe80::', 10, 'ipv6'],
  ['fd00:ec2::254', 128, 'ipv6'],
];
const SENSITIVE_NAMES = new Set(['metadata.google.internal', 'metadata']);
const HOST_PATTERN = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
export const MAX_PATTERNS = 256;

const family = (ip: string) => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');
const bare = (host: string) => host.replace(/^\[|\]$/g, '').toLowerCase();

export class TargetAllowlist {
  readonly patterns: readonly string[];
  private readonly names: string[] = [];
  private readonly suffixes: string[] = [];
  private readonly addresses = new BlockList();
  private hasAddresses = false;
  private readonly sensitive = new BlockList();

  /** Patterns: a host name, `*.domain`, an IP address, or a CIDR range. Throws a RangeError naming a bad one. */
  constructor(patterns: readonly string[] = []) {
    if (patterns.length > MAX_PATTERNS) throw new RangeError(`at most ${MAX_PATTERNS} target patterns`);
    this.patterns = patterns.map((p) => p.trim().toLowerCase());
    for (const p of this.patterns) {
      const cidr = /^([^/]+)\/(\d{1,3})$/.exec(p);
      const ip = bare(cidr ? cidr[1]! : p);
      if (isIP(ip) !== 0) {
        const bits = cidr ? Number(cidr[2]) : isIP(ip) === 6 ? 128 : 32;
        if (bits > (isIP(ip) === 6 ? 128 : 32)) throw new RangeError(`target pattern ${p}: prefix /${bits} too long`);
        this.addresses.addSubnet(ip, bits, family(ip));
        this.hasAddresses = true;
      } else if (!cidr && p.length <= 253 && HOST_PATTERN.test(p)) {
        if (p.startsWith('*.')) this.suffixes.push(p.slice(1));
        else this.names.push(p);
      } else {
        throw new RangeError(`target pattern ${p}: not a host name, *.domain, IP address or CIDR range`);
      }
    }
    for (const [net, bits, fam] of SENSITIVE) this.sensitive.addSubnet(net, bits, fam);
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  private nameMatches(host: string): boolean {
    return this.names.includes(host) || this.suffixes.some((s) => host.endsWith(s) && host.length > s.length);
  }

  private addressMatches(ip: string): boolean {
    return this.hasAddresses && this.addresses.check(ip, family(ip));
  }

  /**
   * Before DNS: why a URL's host is refused, or undefined. A name that only an address
   * pattern could allow passes here and is judged on its addresses (checkAddress).
   */
  checkHost(host: string): string | undefined {
    const h = bare(host);
    if (isIP(h) !== 0) return this.checkAddress(h, h);
    if (SENSITIVE_NAMES.has(h) && !this.nameMatches(h))
      return `${h} is a cloud metadata endpoint (allow it explicitly to target it)`;
    if (!this.empty && !this.nameMatches(h) && !this.hasAddresses) return `${h} is not in the target allowlist`;
    return undefined;
  }

  /**
   * A connection override (hosts, connectTo) sends `host`'s connections to `ip`: the address
   * is judged on its own, never allowed by the name it stands in for (else an allowed name
   * could carry load anywhere). Why it is refused, or undefined.
   */
  checkOverride(host: string, ip: string): string | undefined {
    const h = bare(host);
    const a = bare(ip);
    const explicit = this.addressMatches(a);
    if (this.sensitive.check(a, family(a)) && !explicit)
      return `${h} is overridden to ${a}, a link-local or cloud metadata address (allow it explicitly to target it)`;
    if (!this.empty && !explicit)
      return `${h} is overridden to ${a}, which is not in the target allowlist (an override's address must match an address pattern)`;
    return undefined;
  }

  /** After DNS: why connecting to `ip` for `host` is refused, or undefined. */
  checkAddress(host: string, ip: string): string | undefined {
    const h = bare(host);
    const explicit = this.addressMatches(ip);
    if (this.sensitive.check(ip, family(ip)) && !explicit)
      return `${h} resolves to ${ip}, a link-local or cloud metadata address (allow it explicitly to target it)`;
    if (!this.empty && !explicit && !this.nameMatches(h))
      return `${h}${h === ip ? '' : ` (${ip})`} is not in the target allowlist`;
    return undefined;
  }
}
