// A minimal TLS ClientHello reader: enough to pull out the SNI so the proxy can require it to equal the CONNECT
// host (no domain fronting). It reassembles a handshake message that spans several records, and treats anything
// that is not a well-formed ClientHello as invalid: the proxy then cuts the tunnel instead of guessing.
// readClientHello() collects one from the step's side of a tunnel.
import type { Duplex } from 'node:stream';

export type ClientHelloResult =
  | { kind: 'incomplete' }
  | { kind: 'invalid'; why: string }
  /** `sni` is undefined when the hello carries no server_name extension. */
  | { kind: 'ok'; sni: string | undefined; bytes: number };

const RECORD_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const MAX_RECORD = 16384 + 2048; // TLSPlaintext is at most 2^14; allow the ciphertext slack some stacks use
/** A ClientHello larger than this is refused (post-quantum key shares make them ~2 KiB today). */
export const MAX_CLIENT_HELLO_BYTES = 64 * 1024;

class Reader {
  constructor(
    private readonly buf: Buffer,
    public pos = 0,
  ) {}
  get left(): number {
    return this.buf.length - this.pos;
  }
  u8(): number | undefined {
    return this.left >= 1 ? this.buf[this.pos++] : undefined;
  }
  u16(): number | undefined {
    if (this.left < 2) return undefined;
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  bytes(n: number): Buffer | undefined {
    if (n < 0 || this.left < n) return undefined;
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

/** Parses what a client has sent so far. Call again with more bytes while it answers `incomplete`. */
export function parseClientHello(data: Buffer): ClientHelloResult {
  // 1. Record layer: collect handshake fragments until the ClientHello is complete.
  const fragments: Buffer[] = [];
  let have = 0;
  let need: number | undefined;
  let pos = 0;
  while (need === undefined || have < need) {
    if (data.length - pos < 5)
      return data.length > MAX_CLIENT_HELLO_BYTES ? { kind: 'invalid', why: 'too large' } : { kind: 'incomplete' };
    const type = data[pos];
    const major = data[pos + 1];
    const length = data.readUInt16BE(pos + 3);
    if (type !== RECORD_HANDSHAKE) return { kind: 'invalid', why: 'not a TLS handshake record' };
    if (major !== 3) return { kind: 'invalid', why: 'unknown TLS record version' };
    if (length === 0 || length > MAX_RECORD) return { kind: 'invalid', why: 'bad record length' };
    if (data.length - pos - 5 < length) {
      return pos + 5 + length > MAX_CLIENT_HELLO_BYTES ? { kind: 'invalid', why: 'too large' } : { kind: 'incomplete' };
    }
    fragments.push(data.subarray(pos + 5, pos + 5 + length));
    have += length;
    pos += 5 + length;
    if (need === undefined && have >= 4) {
      const head = Buffer.concat(fragments);
      if (head[0] !== HANDSHAKE_CLIENT_HELLO)
        return { kind: 'invalid', why: 'first handshake message is not a ClientHello' };
      need = 4 + head.readUIntBE(1, 3);
      if (need > MAX_CLIENT_HELLO_BYTES) return { kind: 'invalid', why: 'too large' };
    }
  }
  const msg = Buffer.concat(fragments).subarray(4, need);
  const parsed = parseHelloBody(msg);
  return 'why' in parsed ? { kind: 'invalid', why: parsed.why } : { kind: 'ok', sni: parsed.sni, bytes: pos };
}

function parseHelloBody(body: Buffer): { sni: string | undefined } | { why: string } {
  const r = new Reader(body);
  const version = r.u16();
  if (version === undefined || version >> 8 !== 3) return { why: 'bad client version' };
  if (!r.bytes(32)) return { why: 'truncated random' };
  const sessionLen = r.u8();
  if (sessionLen === undefined || sessionLen > 32 || !r.bytes(sessionLen)) return { why: 'bad session id' };
  const suitesLen = r.u16();
  if (suitesLen === undefined || suitesLen < 2 || suitesLen % 2 !== 0 || !r.bytes(suitesLen))
    return { why: 'bad cipher suites' };
  const compLen = r.u8();
  if (compLen === undefined || compLen < 1 || !r.bytes(compLen)) return { why: 'bad compression methods' };
  if (r.left === 0) return { sni: undefined }; // no extensions at all (pre-TLS 1.2 style)
  const extLen = r.u16();
  if (extLen === undefined || extLen !== r.left) return { why: 'extensions length does not match the message' };
  const seen = new Set<number>();
  let sni: string | undefined;
  while (r.left > 0) {
    const type = r.u16();
    const len = r.u16();
    const ext = len === undefined ? undefined : r.bytes(len);
    if (type === undefined || ext === undefined) return { why: 'truncated extension' };
    if (seen.has(type)) return { why: `duplicate extension ${type}` };
    seen.add(type);
    if (type === 0) {
      const name = parseServerName(ext);
      if (typeof name !== 'string') return name;
      sni = name;
    }
  }
  return { sni };
}

function parseServerName(ext: Buffer): string | { why: string } {
  const r = new Reader(ext);
  const listLen = r.u16();
  if (listLen === undefined || listLen !== r.left || listLen === 0) return { why: 'bad server_name list' };
  let host: string | undefined;
  while (r.left > 0) {
    const nameType = r.u8();
    const len = r.u16();
    const name = len === undefined ? undefined : r.bytes(len);
    if (nameType === undefined || name === undefined || name.length === 0) return { why: 'truncated server_name' };
    if (nameType !== 0) continue; // unknown name types are skipped, as RFC 6066 allows
    if (host !== undefined) return { why: 'more than one host_name' };
    // A host_name is ASCII letters, digits, '-', '_' and '.'; anything else is an evasion attempt.
    if (!/^[A-Za-z0-9._-]+$/.test(name.toString('latin1'))) return { why: 'server_name is not a DNS name' };
    host = name.toString('latin1');
  }
  return host ?? { why: 'no host_name in server_name' };
}

/** Buffers client bytes until a whole ClientHello (or garbage, or the timeout). Leaves the socket paused. */
export function readClientHello(
  client: Duplex,
  head: Buffer,
  timeoutMs: number,
): Promise<{ data: Buffer; result: ClientHelloResult }> {
  return new Promise((resolve) => {
    let data = head;
    let done = false;
    const finish = (result: ClientHelloResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      client.off('data', onData);
      client.off('end', onEnd);
      client.off('close', onEnd);
      client.pause();
      resolve({ data, result });
    };
    const check = () => {
      const result = parseClientHello(data);
      if (result.kind !== 'incomplete') finish(result);
    };
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      check();
    };
    const onEnd = () => finish({ kind: 'invalid', why: 'client closed before a complete ClientHello' });
    const late = `no complete ClientHello within ${timeoutMs} ms`;
    const timer = setTimeout(() => finish({ kind: 'invalid', why: late }), timeoutMs);
    client.on('data', onData);
    client.once('end', onEnd);
    client.once('close', onEnd);
    if (data.length) check();
    if (!done) client.resume();
  });
}
