// Who may do what on the dashboard. A token always exists (given with --token or generated). On a loopback bind
// anyone on this machine may read; on any other bind every request needs the session. Every state-changing
// request needs the session AND passes the CSRF check: an Origin naming this server, and the session's own CSRF
// token in a header that a cross-site form cannot send. The Host header must name this server on every request,
// so a DNS-rebinding page cannot talk to it under a name of its own.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

export const CSRF_HEADER = 'x-wave-csrf';

export interface Session {
  id: string;
  csrf: string;
}

export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time comparison of two secrets of any length. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** 127.0.0.0/8, ::1 and `localhost`: the addresses only this machine can reach. */
export function isLoopback(bind: string): boolean {
  if (bind === 'localhost') return true;
  if (isIP(bind) === 4) return bind.startsWith('127.');
  if (isIP(bind) === 6) return bind === '::1';
  return false;
}

/** `host:port` as a browser writes it in Host and Origin (IPv6 in brackets). */
function authority(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

export class AccessPolicy {
  readonly token: string;
  /** Reads need a session too: the server listens beyond this machine. */
  readonly exposed: boolean;
  /** Bound to every interface (0.0.0.0, ::): the names it is reached by are not known here. */
  private readonly wildcard: boolean;
  private readonly names: Set<string>;
  private hosts = new Set<string>();
  private readonly sessions = new Map<string, Session>();

  constructor(options: { bind: string; token?: string | undefined }) {
    this.token = options.token ?? newSecret();
    this.exposed = !isLoopback(options.bind);
    this.wildcard = options.bind === '0.0.0.0' || options.bind === '::';
    this.names = new Set([options.bind]);
    if (!this.exposed) ['127.0.0.1', 'localhost', '::1'].forEach((n) => this.names.add(n));
  }

  /** The session cookie's name: per port, since browsers share cookies between the ports of one host. */
  cookieName = 'wave_session';

  /** The port the server listens on (known once it listens: port 0 picks a free one). */
  listeningOn(port: number): void {
    this.hosts = new Set([...this.names].map((n) => authority(n, port)));
    this.cookieName = `wave_session_${port}`;
  }

  /**
   * The Host header names this server: its bind address and port, or a loopback name on a loopback bind. On a
   * wildcard bind any name is taken: every request there needs the session cookie, which a browser sends only to
   * the name that received it.
   */
  hostAllowed(host: string | undefined): boolean {
    if (host === undefined) return false;
    return this.wildcard || this.hosts.has(host.toLowerCase());
  }

  /** `?token=` login: a new session, or none for a wrong token. */
  login(token: string | undefined): Session | undefined {
    if (!sameSecret(token, this.token)) return undefined;
    const session = { id: newSecret(), csrf: newSecret() };
    this.sessions.set(session.id, session);
    return session;
  }

  session(cookie: string | undefined): Session | undefined {
    return cookie === undefined ? undefined : this.sessions.get(cookie);
  }

  mayRead(session: Session | undefined): boolean {
    return !this.exposed || session !== undefined;
  }

  /**
   * Why a state-changing request is refused, or undefined when it may proceed: it needs a session, an Origin
   * naming this server (browsers send it on every cross-origin and every POST request), and the CSRF header.
   */
  refuseChange(request: {
    session: Session | undefined;
    origin: string | undefined;
    host: string | undefined;
    csrf: string | undefined;
  }): string | undefined {
    if (!request.session) return 'no session: open the login link `wave serve` printed';
    if (!this.hostAllowed(request.host)) return 'the Host header does not name this server';
    if (request.origin === undefined) return 'no Origin header';
    let origin: URL;
    try {
      origin = new URL(request.origin);
    } catch {
      return 'a malformed Origin header';
    }
    if (origin.host.toLowerCase() !== request.host?.toLowerCase()) return 'the request comes from another origin';
    if (!sameSecret(request.csrf, request.session.csrf)) return 'a missing or wrong CSRF token';
    return undefined;
  }
}
