// The egress policy as pure functions: parse allow entries, normalise a requested host the way a resolver or
// browser would read it, and decide. A decision happens in two steps so that the address that was checked is the
// address that gets dialled (no second lookup, no DNS rebinding): checkTarget() judges the name and port and, for
// a name, asks for resolution; checkAddresses() judges every resolved address and picks the one to connect to.
import {
  classifyIp,
  cidrContains,
  formatIp,
  parseCidr,
  parseIp,
  unmapV4,
  type AddressClass,
  type Cidr,
  type IpAddress,
} from './address.js';

export type NetworkMode = 'none' | 'allowlist' | 'open';

export type DenyReason =
  | 'not_allowlisted'
  | 'port_not_allowed'
  | 'ip_literal'
  | 'private_address'
  | 'invalid_host'
  | 'dns_failed'
  | 'sni_mismatch'
  | 'sni_missing'
  | 'tls_invalid'
  | 'too_many_connections'
  | 'bad_request'
  /** The request's HTTP framing was ambiguous (see framing.ts): refused before anything was forwarded. */
  | 'bad_framing'
  /** A CONNECT tunnel that did not start with a TLS ClientHello, to a target not listed as `tcp://host:port`. */
  | 'raw_tunnel'
  | 'network_none'
  /** Not a policy refusal: the allowed upstream could not be reached (used for the 502 text only). */
  | 'upstream_failed'
  /** Not a policy refusal: the upstream did not connect, or went idle, within the limits (limits.ts): 504. */
  | 'upstream_timeout';

/** `exact_entry` means the exact host:port was listed, the only way to reach loopback/private addresses. */
export type AllowReason = 'allowlisted' | 'exact_entry' | 'open_mode' | 'gateway';

/** Ports an entry without `:port` allows. */
export const DEFAULT_PORTS: readonly number[] = [443, 80];

export interface AllowEntry {
  /** As written, for messages. */
  raw: string;
  kind: 'exact' | 'suffix' | 'cidr';
  /** exact: the normalised host (name or canonical IP); suffix: the domain after `*.`; cidr: the CIDR text. */
  host: string;
  /** Set when the entry names a port; otherwise DEFAULT_PORTS apply. */
  port?: number;
  cidr?: Cidr;
  /** `tcp://host:port`: a CONNECT tunnel to it may carry any protocol; every other tunnel must be TLS. */
  rawTunnel?: true;
}

export interface EgressPolicy {
  mode: NetworkMode;
  entries: readonly AllowEntry[];
  /** Override table (`runtime.sandbox.hosts`): normalised name → address, consulted before DNS. */
  hosts: ReadonlyMap<string, string>;
}

export type NormalisedHost =
  { kind: 'name'; name: string } | { kind: 'ip'; ip: IpAddress; text: string } | { kind: 'invalid'; why: string };

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Lower-cases, removes one trailing dot, converts IDNA to punycode, and canonicalises every numeric IPv4 form
 * (`127.1`, `0x7f.0.0.1`, `0177.0.0.1`, `2130706433`) exactly as the WHATWG URL parser (and inet_aton) reads
 * them, so a name that a client would dial as an address is treated as that address.
 */
export function normaliseHost(input: string): NormalisedHost {
  if (typeof input !== 'string' || input.length === 0 || input.length > 300)
    return { kind: 'invalid', why: 'empty or too long' };
  // Characters that would change how the URL parser splits the authority never belong in a host.
  if (/[\s/\\?#@%]/.test(input)) return { kind: 'invalid', why: 'forbidden character' };
  const bracketed = input.startsWith('[') || input.includes(':');
  const wrapped = bracketed && !input.startsWith('[') ? `[${input}]` : input;
  let hostname: string;
  try {
    hostname = new URL(`http://${wrapped}/`).hostname;
  } catch {
    return { kind: 'invalid', why: 'not a valid host name or address' };
  }
  if (hostname.startsWith('[')) {
    const text = hostname.slice(1, -1);
    const ip = parseIp(text);
    if (!ip) return { kind: 'invalid', why: 'bad IPv6 address' };
    const unmapped = unmapV4(ip);
    return { kind: 'ip', ip: unmapped, text: formatIp(unmapped) };
  }
  const ip = parseIp(hostname);
  if (ip) return { kind: 'ip', ip, text: formatIp(ip) };
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  if (name.length === 0 || name.length > 253) return { kind: 'invalid', why: 'bad length' };
  if (!name.split('.').every((label) => LABEL.test(label))) return { kind: 'invalid', why: 'bad label' };
  return { kind: 'name', name };
}

/** `localhost` and every `*.localhost` name are loopback by definition (RFC 6761), whatever a resolver says. */
export function isLocalhostName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost');
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** Splits `host:port`, `[v6]:port`, `[v6]`, `v4cidr:port`, `[v6cidr]:port`. A bare v6 (several colons) has no port. */
function splitHostPort(raw: string): { host: string; port?: string } {
  if (raw.startsWith('[')) {
    const close = raw.indexOf(']');
    if (close < 0) return { host: raw };
    const rest = raw.slice(close + 1);
    return rest.startsWith(':')
      ? { host: raw.slice(1, close), port: rest.slice(1) }
      : { host: rest ? raw : raw.slice(1, close) };
  }
  const first = raw.indexOf(':');
  if (first >= 0 && first === raw.lastIndexOf(':')) return { host: raw.slice(0, first), port: raw.slice(first + 1) };
  return { host: raw };
}

/**
 * Parses one allowlist entry: `host`, `*.suffix`, IP, CIDR (v4 or v6), each optionally with `:port`; or
 * `tcp://host:port` (an exact host or IP and a port), the only kind of entry a non-TLS tunnel may reach.
 */
export function parseAllowEntry(raw: string): AllowEntry | { error: string } {
  const fail = (why: string) => ({ error: `allowed domain ${JSON.stringify(raw)}: ${why}` });
  if (typeof raw !== 'string' || raw.trim() === '') return fail('is empty');
  if (/^tcp:\/\//i.test(raw.trim())) {
    const inner = parseAllowEntry(raw.trim().slice('tcp://'.length));
    if ('error' in inner) return fail(inner.error.replace(/^allowed domain "[^"]*": /, ''));
    if (inner.kind !== 'exact' || inner.port === undefined)
      return fail('a tcp:// entry needs one exact host or IP and a port (tcp://host:port)');
    return { ...inner, raw, rawTunnel: true };
  }
  const { host: hostPart, port: portText } = splitHostPort(raw.trim());
  let port: number | undefined;
  if (portText !== undefined) {
    port = parsePort(portText);
    if (port === undefined) return fail('port must be 1-65535');
  }
  const withPort = (e: Omit<AllowEntry, 'port'>): AllowEntry => (port === undefined ? e : { ...e, port });
  if (hostPart.includes('/')) {
    const cidr = parseCidr(hostPart);
    if (!cidr) return fail('is not a valid CIDR (host bits must be zero)');
    return withPort({ raw, kind: 'cidr', host: hostPart, cidr });
  }
  if (hostPart.startsWith('*.')) {
    const n = normaliseHost(hostPart.slice(2));
    if (n.kind !== 'name') return fail('a wildcard must be followed by a domain name');
    if (!n.name.includes('.'))
      return fail('a wildcard needs at least two labels after it (not a whole top-level domain)');
    return withPort({ raw, kind: 'suffix', host: n.name });
  }
  if (hostPart.includes('*')) return fail('only a leading "*." wildcard is supported; use network: open for any host');
  const n = normaliseHost(hostPart);
  if (n.kind === 'invalid') return fail(n.why);
  return withPort({ raw, kind: 'exact', host: n.kind === 'ip' ? n.text : n.name });
}

export interface PolicyInput {
  mode: NetworkMode;
  allow: readonly string[];
  hosts?: Readonly<Record<string, string>>;
}

/** Builds a policy; every bad entry is reported (not only the first). */
export function compilePolicy(input: PolicyInput): { policy: EgressPolicy; errors: string[] } {
  const errors: string[] = [];
  const entries: AllowEntry[] = [];
  for (const raw of input.allow) {
    const e = parseAllowEntry(raw);
    if ('error' in e) errors.push(e.error);
    else entries.push(e);
  }
  const hosts = new Map<string, string>();
  for (const [name, address] of Object.entries(input.hosts ?? {})) {
    const n = normaliseHost(name);
    const ip = parseIp(address);
    if (n.kind !== 'name') errors.push(`hosts: ${JSON.stringify(name)} is not a host name`);
    else if (!ip)
      errors.push(`hosts: ${JSON.stringify(name)} must map to an IP address, got ${JSON.stringify(address)}`);
    else hosts.set(n.name, formatIp(unmapV4(ip)));
  }
  return { policy: { mode: input.mode, entries, hosts }, errors };
}

function portAllowed(entry: AllowEntry, port: number): boolean {
  return entry.port === undefined ? DEFAULT_PORTS.includes(port) : entry.port === port;
}

function nameMatches(entry: AllowEntry, name: string): boolean {
  if (entry.kind === 'exact') return entry.host === name;
  if (entry.kind === 'suffix') return name.endsWith(`.${entry.host}`);
  return false;
}

/** The exact host:port entry, if listed: it alone may reach loopback, private and other special addresses. */
function exactlyListed(policy: EgressPolicy, host: string, port: number): boolean {
  return policy.entries.some((e) => e.kind === 'exact' && e.host === host && e.port === port);
}

export type TargetCheck =
  | { allowed: false; reason: DenyReason; host: string; detail?: string }
  | { allowed: true; kind: 'ip'; host: string; address: string; reason: AllowReason; rawTunnel: boolean }
  | { allowed: true; kind: 'name'; host: string; reason: AllowReason; exact: boolean; rawTunnel: boolean };

/** Whether a `tcp://host:port` entry lists exactly this target (a tunnel to it need not be TLS). */
function rawTunnelListed(policy: EgressPolicy, host: string, port: number): boolean {
  return policy.entries.some((e) => e.rawTunnel === true && e.host === host && e.port === port);
}

/** Judges a requested host and port before anything is resolved or dialled. */
export function checkTarget(policy: EgressPolicy, rawHost: string, port: number): TargetCheck {
  if (policy.mode === 'none') return { allowed: false, reason: 'network_none', host: rawHost };
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return { allowed: false, reason: 'bad_request', host: rawHost, detail: 'bad port' };
  const n = normaliseHost(rawHost);
  if (n.kind === 'invalid') return { allowed: false, reason: 'invalid_host', host: rawHost, detail: n.why };

  if (n.kind === 'ip') {
    const host = n.text;
    const rawTunnel = rawTunnelListed(policy, host, port);
    if (exactlyListed(policy, host, port))
      return { allowed: true, kind: 'ip', host, address: host, reason: 'exact_entry', rawTunnel };
    const cls = classifyIp(n.ip);
    const exactNoPort = policy.entries.some((e) => e.kind === 'exact' && e.host === host && portAllowed(e, port));
    const cidr = policy.entries.find((e) => e.kind === 'cidr' && e.cidr && cidrContains(e.cidr, n.ip));
    const mentioned = cidr !== undefined || policy.entries.some((e) => e.kind === 'exact' && e.host === host);
    // Open mode still refuses unlisted IP literals: a name is what the log, SNI and the allowlist reason about.
    if (!mentioned) return { allowed: false, reason: 'ip_literal', host, detail: cls };
    // A CIDR never unlocks loopback/private/link-local: only the exact host:port does (checked above).
    if (cls !== 'public') return { allowed: false, reason: 'private_address', host, detail: cls };
    if (exactNoPort || (cidr !== undefined && portAllowed(cidr, port)))
      return { allowed: true, kind: 'ip', host, address: host, reason: 'allowlisted', rawTunnel };
    return { allowed: false, reason: 'port_not_allowed', host };
  }

  const host = n.name;
  const exact = exactlyListed(policy, host, port);
  const rawTunnel = rawTunnelListed(policy, host, port);
  if (isLocalhostName(host) && !exact) return { allowed: false, reason: 'private_address', host, detail: 'loopback' };
  if (exact) return { allowed: true, kind: 'name', host, reason: 'exact_entry', exact: true, rawTunnel };
  if (policy.mode === 'open')
    return { allowed: true, kind: 'name', host, reason: 'open_mode', exact: false, rawTunnel };
  const matching = policy.entries.filter((e) => nameMatches(e, host));
  if (matching.length === 0) return { allowed: false, reason: 'not_allowlisted', host };
  if (!matching.some((e) => portAllowed(e, port))) return { allowed: false, reason: 'port_not_allowed', host };
  return { allowed: true, kind: 'name', host, reason: 'allowlisted', exact: false, rawTunnel };
}

export type AddressCheck =
  | { allowed: true; address: string }
  | { allowed: false; reason: 'private_address' | 'dns_failed'; address?: string; detail: string };

/**
 * Judges the addresses a name resolved to. ANY special address refuses the whole name (an attacker who controls
 * a zone could otherwise return one public and one loopback address and win the race), unless the exact
 * host:port was listed. The first address is the one to dial.
 */
export function checkAddresses(addresses: readonly string[], exact: boolean): AddressCheck {
  const parsed: IpAddress[] = [];
  for (const text of addresses) {
    const ip = parseIp(text);
    if (!ip) return { allowed: false, reason: 'dns_failed', detail: `resolver returned ${JSON.stringify(text)}` };
    parsed.push(unmapV4(ip));
  }
  const first = parsed[0];
  if (!first) return { allowed: false, reason: 'dns_failed', detail: 'no addresses' };
  if (!exact) {
    for (const ip of parsed) {
      const cls: AddressClass = classifyIp(ip);
      if (cls !== 'public') return { allowed: false, reason: 'private_address', address: formatIp(ip), detail: cls };
    }
  }
  return { allowed: true, address: formatIp(first) };
}

/** Splits a CONNECT authority (`host:port`, `[v6]:port`); undefined when malformed. */
export function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const m = /^(\[[^\]]*\]|[^:[\]]+):(\d{1,5})$/.exec(authority);
  if (!m) return undefined;
  const port = parsePort(m[2] as string);
  if (port === undefined) return undefined;
  return { host: m[1] as string, port };
}
