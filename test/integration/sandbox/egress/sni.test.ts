// Issue 13 finding 4, as attacks from inside a real container: the SNI check holds on every CONNECT whatever the
// port (an allowlisted name:8443 refuses a handshake for another name), a CONNECT to an allowlisted name on port 80
// is no raw tunnel to any Host, only a `tcp://host:port` entry allows a non-TLS tunnel, and plain HTTP through
// absolute-form requests reaches the checked host whatever Host header the step sends. The proxy's dialler sends
// ports 8443 and 80 to loopback test servers started here; a refused attempt is never dialled.
import assert from 'node:assert/strict';
import type { AddressInfo, Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import type { EgressRecord } from '../../../../src/sandbox/egress/log.js';
import { startEgressSession, type EgressSession } from '../../../../src/sandbox/egress/session.js';
import {
  countingConnect,
  httpServer,
  selfSignedCert,
  tcpServer,
  type CountingServer,
} from '../../../unit/sandbox/egress/helpers.js';
import { bridgeOption, cleanup, CONTAINER_USER, egressTestEnv, runRawClient, runStep } from './support.js';

const env = await egressTestEnv();

describe('SNI and raw tunnels on every port (container)', { skip: env.skip }, () => {
  const { key, cert } = selfSignedCert(['api.wave.test', 'evil.wave.test']);
  let tls: TlsServer;
  let tlsPort = 0;
  let tlsConnections = 0;
  const tlsSockets = new Set<Socket>();
  let web: CountingServer;
  const webHosts: string[] = [];
  let echo: Awaited<ReturnType<typeof tcpServer>>;
  let connect: ReturnType<typeof countingConnect>;
  let session: EgressSession;
  const records: EgressRecord[] = [];

  before(async () => {
    tls = createTlsServer({ key, cert }, (s) => {
      s.on('error', () => undefined);
      s.on('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecure'));
    });
    tls.on('connection', (s: Socket) => {
      tlsConnections++;
      tlsSockets.add(s);
      s.on('close', () => tlsSockets.delete(s));
    });
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    tlsPort = (tls.address() as AddressInfo).port;
    web = await httpServer((req, res) => {
      webHosts.push(req.headers.host ?? '');
      res.end(`web saw ${req.headers.host}`);
    });
    echo = await tcpServer();
    // The dials the proxy makes for ports 8443 and 80 land on the loopback TLS and web servers.
    const redirect: Record<number, number> = { 8443: tlsPort, 80: web.port };
    connect = countingConnect(({ host, port }) => ({ host, port: redirect[port] ?? port }));
    session = await startEgressSession({
      run: 'run-sni',
      step: 'attack',
      egress: {
        mode: 'allowlist',
        allow: ['api.wave.test:8443', 'api.wave.test:80', `tcp://api.wave.test:${echo.port}`],
        hosts: { 'api.wave.test': '127.0.0.1' },
        providers: [],
        credentials: 'placeholder',
        providerTools: [],
        warnings: [],
      },
      containerUser: CONTAINER_USER,
      onRecord: (r) => records.push(r),
      lookup: async (name) => {
        throw new Error(`test resolver refuses ${name}`);
      },
      connect,
      ...bridgeOption(env),
    });
  });

  after(async () => {
    await cleanup(env);
    await session?.close();
    for (const s of tlsSockets) s.destroy();
    if (tls) await new Promise((resolve) => tls.close(resolve));
    await web?.close();
    await echo?.close();
  });

  it('an allowlisted name:8443 cuts a ClientHello for another name before dialling; the right name works', async () => {
    // In the step: CONNECT api.wave.test:8443, then a TLS handshake for `name`; prints the CONNECT status and
    // what came back through the tunnel, or "cut".
    const script = `
      const net=require('net'),tls=require('tls');const end='\\r\\n\\r\\n';
      const tunnel=()=>new Promise((res,rej)=>{const s=net.connect(3128,'127.0.0.1');let b='';
        const on=d=>{b+=d;if(b.includes(end)){s.off('data',on);res({s,status:b.split(' ')[1]})}};
        s.on('data',on);s.on('error',rej);const a='api.wave.test:8443';
        s.write('CONNECT '+a+' HTTP/1.1\\r\\nHost: '+a+end)});
      const hello=(s,name)=>new Promise(res=>{let body='';let ok=false;
        const t=tls.connect({socket:s,servername:name,ca:process.env.TEST_CA});
        t.on('secureConnect',()=>{ok=true;t.write('GET / HTTP/1.1\\r\\nHost: '+name+end)});
        t.on('data',d=>body+=d);t.on('close',()=>res(ok?'body '+body.split(end)[1]:'cut'));t.on('error',()=>{})});
      (async()=>{for(const name of ['evil.wave.test','api.wave.test']){const {s,status}=await tunnel();
        console.log(name+' '+status+' '+await hello(s,name))}})();`;
    const dials = connect.calls.length;
    const r = await runStep(env, session.attachment(true)!, ['node', '-e', script], { TEST_CA: cert });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['evil.wave.test 200 cut', 'api.wave.test 200 body secure']);
    assert.deepEqual(connect.calls.slice(dials), [{ host: '127.0.0.1', port: 8443 }], 'only the right SNI was dialled');
    assert.equal(tlsConnections, 1);
    const cut = records.find((x) => x.reason === 'sni_mismatch');
    assert.ok(cut && !cut.allowed && cut.port === 8443, JSON.stringify(records));
    assert.match(cut.detail ?? '', /evil\.wave\.test/);
    assert.ok(records.some((x) => x.allowed && x.port === 8443 && x.sni === 'api.wave.test'));
  });

  it('a CONNECT to an allowlisted name:80 is no raw tunnel, a tcp:// entry is; absolute-form pins Host', async () => {
    const connectTo = (authority: string) => `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`;
    const evilHost = 'Host: evil.wave.test\r\n';
    const evilRequest = `GET / HTTP/1.1\r\n${evilHost}\r\n`;
    const close = 'Connection: close\r\n';
    const dials = connect.calls.length;
    const replies = await runRawClient(env, session.attachment(true)!, [
      // A raw tunnel to port 80 carrying a request for another virtual host; then the same on 8443.
      { port: 3128, send: [{ data: connectTo('api.wave.test:80') }, { data: evilRequest, after: '\r\n\r\n' }] },
      { port: 3128, send: [{ data: connectTo('api.wave.test:8443') }, { data: 'raw bytes', after: '\r\n\r\n' }] },
      // Listed as tcp://api.wave.test:<echo port>: that tunnel may carry anything (the echo server returns it).
      { port: 3128, send: [{ data: connectTo(`api.wave.test:${echo.port}`) }, { data: 'raw bytes', after: '\r\n' }] },
      // Plain HTTP to the allowlisted name on port 80, with another Host header.
      { port: 3128, send: [{ data: `GET http://api.wave.test/plain HTTP/1.1\r\n${evilHost}${close}\r\n` }] },
    ]);
    const [port80, port8443, listed, plain] = replies;
    // The proxy answers 200 so that a TLS client sends its ClientHello, then cuts what is not one, before dialling.
    const established = 'HTTP/1.1 200 Connection Established\r\n\r\n';
    for (const cut of [port80!, port8443!]) assert.deepEqual(cut, { reply: established, end: 'closed' });
    assert.equal(listed!.reply, `${established}raw bytes`);
    assert.match(plain!.reply, /^HTTP\/1\.1 200[^]*web saw api\.wave\.test$/);
    assert.deepEqual(webHosts, ['api.wave.test'], 'the web server only ever saw the checked host');
    assert.equal(echo.connections, 1);
    // Dialled: the tcp:// target and the plain HTTP request, never the cut tunnels.
    assert.deepEqual(
      connect.calls
        .slice(dials)
        .map((c) => c.port)
        .sort(),
      [80, echo.port].sort(),
    );
    const cut = records.filter((x) => x.reason === 'raw_tunnel');
    assert.deepEqual(
      cut.map((x) => `${x.port} ${x.allowed}`),
      ['80 false', '8443 false'],
      JSON.stringify(records),
    );
    assert.match(cut[0]!.detail ?? '', /tcp:\/\/api\.wave\.test:80/);
  });
});
