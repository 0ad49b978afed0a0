// IP address arithmetic for the egress policy: parse v4/v6 literals into numbers, match CIDRs, and classify the
// ranges a step must never reach unless an exact host:port is listed (loopback, private, link-local …).
// IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4) are judged by the IPv4 address they carry, so
// `[::ffff:127.0.0.1]` or `[64:ff9b::7f00:1]` cannot smuggle a loopback target past a v4-only check.
import { isIP } from 'node:net';

export type Family = 4 | 6;

export interface IpAddress {
  family: Family;
  /** 32 bits (v4) or 128 bits (v6). */
  value: bigint;
}

/** Why an address is off-limits. `public` is the only class a non-exact rule may reach. */
export type AddressClass =
  'public' | 'loopback' | 'private' | 'link_local' | 'cgnat' | 'multicast' | 'unspecified' | 'broadcast' | 'reserved';

export function parseIp(text: string): IpAddress | undefined {
  const family = isIP(text);
  if (family === 4) return { family: 4, value: parseV4(text) };
  if (family === 6) {
    const value = parseV6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  return undefined;
}

function parseV4(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

/** net.isIP has already validated the syntax; this only expands `::` and a trailing dotted quad. */
function parseV6(text: string): bigint | undefined {
  let s = text;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = Number(parseV4(tail));
    s = `${s.slice(0, lastColon + 1)}${((v4 >>> 16) & 0xffff).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const toWords = (part: string) => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  let words: number[];
  if (s.includes('::')) {
    const [left = '', right = ''] = s.split('::');
    const l = toWords(left);
    const r = toWords(right);
    const fill = 8 - l.length - r.length;
    if (fill < 1) return undefined;
    words = [...l, ...new Array<number>(fill).fill(0), ...r];
  } else {
    words = toWords(s);
  }
  if (words.length !== 8 || words.some((w) => !(w >= 0 && w <= 0xffff))) return undefined;
  return words.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
}

export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join('.');
  }
  const words = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - 16 * i)) & 0xffffn));
  // Compress the longest run of zero words (RFC 5952), as Node and the URL parser do.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function inRange(ip: IpAddress, base: bigint, prefix: number): boolean {
  const bits = ip.family === 4 ? 32 : 128;
  const shift = BigInt(bits - prefix);
  return ip.value >> shift === base >> shift;
}

const V4 = (text: string) => parseV4(text);
const V6 = (text: string) => parseV6(text) as bigint;

/** An IPv4 address that an IPv6 one stands for (mapped ::ffff:a.b.c.d only): the same destination. */
export function unmapV4(ip: IpAddress): IpAddress {
  if (ip.family === 6 && inRange(ip, V6('::ffff:0:0'), 96)) return { family: 4, value: ip.value & 0xffffffffn };
  return ip;
}

const V4_RANGES: Array<[bigint, number, AddressClass]> = [
  [V4('0.0.0.0'), 8, 'unspecified'], // "this network"; 0.0.0.0 reaches the host's own services
  [V4('10.0.0.0'), 8, 'private'],
  [V4('100.64.0.0'), 10, 'cgnat'],
  [V4('127.0.0.0'), 8, 'loopback'],
  [V4('169.254.0.0'), 16, 'link_local'], // includes the cloud metadata address 169.254.169.254
  [V4('172.16.0.0'), 12, 'private'],
  [V4('192.0.0.0'), 24, 'reserved'], // IETF protocol assignments
  [V4('192.0.2.0'), 24, 'reserved'], // documentation
  [V4('192.88.99.0'), 24, 'reserved'], // 6to4 relay anycast
  [V4('192.168.0.0'), 16, 'private'],
  [V4('198.18.0.0'), 15, 'reserved'], // benchmarking
  [V4('198.51.100.0'), 24, 'reserved'],
  [V4('203.0.113.0'), 24, 'reserved'],
  [V4('224.0.0.0'), 4, 'multicast'],
  [V4('255.255.255.255'), 32, 'broadcast'],
  [V4('240.0.0.0'), 4, 'reserved'],
];

function classifyV4(ip: IpAddress): AddressClass {
  for (const [base, prefix, cls] of V4_RANGES) if (inRange(ip, base, prefix)) return cls;
  return 'public';
}

/** The class of an address; v6 forms embedding a v4 address take the class of the embedded address. */
export function classifyIp(input: IpAddress): AddressClass {
  const ip = unmapV4(input);
  if (ip.family === 4) return classifyV4(ip);
  const v = ip.value;
  if (v === 0n) return 'unspecified';
  if (v === 1n) return 'loopback';
  // NAT64 (64:ff9b::/96): the embedded v4 is the real destination.
  if (inRange(ip, V6('64:ff9b::'), 96)) return classifyV4({ family: 4, value: v & 0xffffffffn });
  if (inRange(ip, V6('64:ff9b:1::'), 48)) return 'private'; // local-use NAT64
  // 6to4 (2002::/16): bits 16–47 carry the v4 address of the tunnel end.
  if (inRange(ip, V6('2002::'), 16)) {
    const embedded = classifyV4({ family: 4, value: (v >> 80n) & 0xffffffffn });
    return embedded === 'public' ? 'public' : embedded;
  }
  if (inRange(ip, V6('fc00::'), 7)) return 'private';
  if (inRange(ip, V6('fe80::'), 10)) return 'link_local';
  if (inRange(ip, V6('fec0::'), 10)) return 'private'; // deprecated site-local
  if (inRange(ip, V6('ff00::'), 8)) return 'multicast';
  if (inRange(ip, V6('2001:db8::'), 32)) return 'reserved'; // documentation
  if (inRange(ip, V6('2001::'), 23)) return 'reserved'; // IETF assignments, incl. Teredo (obfuscated v4)
  // Everything outside global unicast 2000::/3 (::/96 v4-compatible, 100::/64 discard, unassigned) is refused.
  if (!inRange(ip, V6('2000::'), 3)) return 'reserved';
  return 'public';
}

export interface Cidr {
  family: Family;
  base: bigint;
  prefix: number;
}

/** `10.0.0.0/8`, `fd00::/8`, or a bare address (a /32 or /128). Host bits must be zero. */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, prefixText, extra] = text.split('/');
  if (addr === undefined || extra !== undefined) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const bits = ip.family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  if ((ip.value & hostMask) !== 0n) return undefined;
  return { family: ip.family, base: ip.value, prefix };
}

export function cidrContains(cidr: Cidr, input: IpAddress): boolean {
  const ip = unmapV4(input);
  return ip.family === cidr.family && inRange(ip, cidr.base, cidr.prefix);
}

/** True when every address of `inner` is inside `outer`. */
export function cidrCovers(outer: Cidr, inner: Cidr): boolean {
  return (
    outer.family === inner.family &&
    outer.prefix <= inner.prefix &&
    inRange({ family: inner.family, value: inner.base }, outer.base, outer.prefix)
  );
}
