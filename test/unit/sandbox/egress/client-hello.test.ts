// The ClientHello reader: real hellos from Node's TLS stack (with and without SNI), split and truncated input,
// and garbage.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { parseClientHello } from '../../../../src/sandbox/egress/client-hello.js';

/** The bytes Node's TLS client sends first, captured through an in-memory duplex (nothing touches a network). */
function captureHello(servername: string | undefined): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const duplex = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        clearTimeout(timer);
        timer = setTimeout(() => {
          socket.destroy();
          resolve(Buffer.concat(chunks));
        }, 20);
        cb();
      },
    });
    // An IP-address host makes Node omit SNI; `servername: ''` disables it too.
    const socket = tlsConnect({ socket: duplex, servername: servername ?? '', rejectUnauthorized: false });
    socket.on('error', () => undefined);
  });
}

/** A hand-built ClientHello with the given extensions block (undefined = no extensions field at all). */
function buildHello(extensions?: Buffer, opts: { recordType?: number; handshakeType?: number } = {}): Buffer {
  const body = Buffer.concat([
    Buffer.from([0x03, 0x03]),
    Buffer.alloc(32, 7),
    Buffer.from([0]), // session id
    Buffer.from([0, 2, 0x13, 0x01]), // one suite
    Buffer.from([1, 0]), // null compression
    extensions === undefined ? Buffer.alloc(0) : Buffer.concat([u16(extensions.length), extensions]),
  ]);
  const hs = Buffer.concat([Buffer.from([opts.handshakeType ?? 1]), u24(body.length), body]);
  return Buffer.concat([Buffer.from([opts.recordType ?? 0x16, 3, 1]), u16(hs.length), hs]);
}
function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
function u24(n: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUIntBE(n, 0, 3);
  return b;
}
function sniExt(...names: string[]): Buffer {
  const entries = Buffer.concat(
    names.map((n) => Buffer.concat([Buffer.from([0]), u16(n.length), Buffer.from(n, 'latin1')])),
  );
  const data = Buffer.concat([u16(entries.length), entries]);
  return Buffer.concat([u16(0), u16(data.length), data]);
}

describe('ClientHello parser', () => {
  it('reads the SNI of a real ClientHello', async () => {
    const hello = await captureHello('api.wave.test');
    const r = parseClientHello(hello);
    assert.equal(r.kind, 'ok');
    assert.equal(r.kind === 'ok' && r.sni, 'api.wave.test');
    assert.equal(r.kind === 'ok' && r.bytes, hello.length);
  });

  it('reports a hello without SNI as ok with sni undefined', async () => {
    const r = parseClientHello(await captureHello(undefined));
    assert.deepEqual(r.kind === 'ok' && r.sni, undefined);
    assert.equal(r.kind, 'ok');
    assert.equal(parseClientHello(buildHello()).kind, 'ok'); // no extensions field at all
  });

  it('answers incomplete for every strict prefix, then ok', async () => {
    const hello = await captureHello('api.wave.test');
    for (const cut of [0, 1, 4, 5, 6, 9, 50, hello.length - 1])
      assert.equal(parseClientHello(hello.subarray(0, cut)).kind, 'incomplete', `cut at ${cut}`);
  });

  it('reassembles a ClientHello split over several records', async () => {
    const hello = await captureHello('split.wave.test');
    const payload = hello.subarray(5);
    const parts = [payload.subarray(0, 3), payload.subarray(3, 100), payload.subarray(100)];
    const split = Buffer.concat(parts.map((p) => Buffer.concat([Buffer.from([0x16, 3, 1]), u16(p.length), p])));
    const r = parseClientHello(split);
    assert.equal(r.kind === 'ok' && r.sni, 'split.wave.test');
  });

  it('refuses garbage, plain HTTP and non-hello handshakes', () => {
    assert.equal(parseClientHello(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')).kind, 'invalid');
    assert.equal(parseClientHello(Buffer.from([0x16, 9, 9, 0, 4, 1, 0, 0, 0])).kind, 'invalid');
    assert.equal(parseClientHello(Buffer.from([0x16, 3, 1, 0, 0])).kind, 'invalid');
    assert.equal(parseClientHello(buildHello(undefined, { handshakeType: 2 })).kind, 'invalid');
    assert.equal(parseClientHello(buildHello(sniExt('a.test'), { recordType: 0x17 })).kind, 'invalid');
  });

  it('refuses malformed extensions and server names', () => {
    const ok = parseClientHello(buildHello(sniExt('a.wave.test')));
    assert.equal(ok.kind === 'ok' && ok.sni, 'a.wave.test');
    assert.equal(parseClientHello(buildHello(sniExt('a.test', 'b.test'))).kind, 'invalid'); // two host_names
    assert.equal(parseClientHello(buildHello(Buffer.concat([sniExt('a.test'), sniExt('b.test')]))).kind, 'invalid'); // duplicate ext
    assert.equal(parseClientHello(buildHello(sniExt('a.test\0.evil'))).kind, 'invalid');
    assert.equal(parseClientHello(buildHello(sniExt('a test'))).kind, 'invalid');
    const truncated = sniExt('a.test').subarray(0, 7);
    assert.equal(parseClientHello(buildHello(truncated)).kind, 'invalid');
  });

  it('refuses an oversized hello instead of buffering forever', () => {
    const huge = Buffer.concat([Buffer.from([0x16, 3, 1, 0x40, 0x00, 1, 0x10, 0, 0]), Buffer.alloc(0x4000 - 4)]);
    const many = Buffer.concat(Array.from({ length: 5 }, () => huge));
    assert.equal(parseClientHello(many).kind, 'invalid');
  });
});
