// Attacks on the egress boundary from inside a real, hardened container (inline bridge): the allowlist through
// the proxy, clients that ignore the proxy, IP-literal and loopback tricks (refused before any dial), and TLS
// SNI fronting. Every server is a loopback server on the host started here; names are *.test via the override
// table, and the injected resolver refuses everything else (no real DNS is ever asked).
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { EgressRecord } from '../../../../src/sandbox/egress/log.js';
import { startEgressSession, type EgressSession } from '../../../../src/sandbox/egress/session.js';
import {
  countingConnect,
  httpServer,
  selfSignedCert,
  tempDir,
  type CountingServer,
} from '../../../unit/sandbox/egress/helpers.js';
import { bridgeOption, cleanup, CONTAINER_USER, egressTestEnv, runStep } from './support.js';

const env = await egressTestEnv();

describe('egress boundary (container, inline bridge)', { skip: env.skip }, () => {
  const traces = tempDir('wave-egress-traces-');
  const logPath = join(traces.path, 'run-1', 'egress.ndjson');
  const records: EgressRecord[] = [];
  let cert = '';
  let web: CountingServer;
  let other: CountingServer;
  let udp: UdpSocket;
  let udpPackets = 0;
  let tlsPort = 0;
  let tlsConnections = 0;
  const tlsSockets = new Set<Socket>();
  let tlsServer: ReturnType<typeof createTlsServer>;
  let connect: ReturnType<typeof countingConnect>;
  let session: EgressSession;

  before(async () => {
    const pair = selfSignedCert(['api.wave.test']);
    cert = pair.cert;
    tlsServer = createTlsServer({ key: pair.key, cert }, (s) => {
      s.on('error', () => undefined);
      s.on('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecure'));
    });
    web = await httpServer((req, res) => res.end(`hello from host ${req.url}`));
    other = await httpServer((_req, res) => res.end('other'));
    tlsServer.on('connection', (s: Socket) => {
      tlsConnections++;
      tlsSockets.add(s);
      s.on('close', () => tlsSockets.delete(s));
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    tlsPort = (tlsServer.address() as AddressInfo).port;
    udp = createSocket('udp4');
    udp.on('message', () => udpPackets++);
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    // Dials to port 443 go to the loopback TLS test server; everything else as asked (only loopback is allowed).
    connect = countingConnect(({ host, port }) => ({ host, port: port === 443 ? tlsPort : port }));
    session = await startEgressSession({
      run: 'run-1',
      step: 'attack',
      egress: {
        mode: 'allowlist',
        allow: [`api.wave.test:${web.port}`, 'api.wave.test:443', `*.rebind.wave.test:${web.port}`],
        hosts: { 'api.wave.test': '127.0.0.1', 'x.rebind.wave.test': '127.0.0.1' },
        providers: [],
        credentials: 'placeholder',
        providerTools: [],
        warnings: [],
      },
      containerUser: CONTAINER_USER,
      logPath,
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
    await web?.close();
    await other?.close();
    for (const s of tlsSockets) s.destroy();
    if (tlsServer) await new Promise((resolve) => tlsServer.close(resolve));
    udp?.close();
    traces.remove();
  });

  it('reaches an allowed host:port; refuses an unlisted name (403, logged) and the same host on another port', async () => {
    const attachment = session.attachment(true)!;
    const script = [
      `curl -sS http://api.wave.test:${web.port}/hello; echo`,
      `curl -sS -o /dev/null -w 'unlisted=%{http_code}\\n' http://unlisted.wave.test:${web.port}/`,
      `curl -sS -o /dev/null -w 'port=%{http_code}\\n' http://api.wave.test:${other.port}/`,
      `curl -sS -o /dev/null -w 'tunnel=%{http_connect}\\n' https://unlisted.wave.test/ 2>/dev/null; echo "tunnel_exit=$?"`,
    ].join('; ');
    const r = await runStep(env, attachment, ['sh', '-c', script]);
    assert.equal(r.exitCode, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'hello from host /hello');
    assert.equal(lines[1], 'unlisted=403');
    assert.equal(lines[2], 'port=403');
    assert.equal(lines[3], 'tunnel=403');
    assert.notEqual(lines[4], 'tunnel_exit=0');
    assert.equal(other.connections, 0);
    const denied = records.filter((x) => !x.allowed).map((x) => `${x.kind} ${x.host}:${x.port} ${x.reason}`);
    assert.deepEqual(denied, [
      `http unlisted.wave.test:${web.port} not_allowlisted`,
      `http api.wave.test:${other.port} port_not_allowed`,
      'connect unlisted.wave.test:443 not_allowlisted',
    ]);
    assert.ok(
      records.some((x) => x.allowed && x.host === 'api.wave.test' && x.address === '127.0.0.1' && x.step === 'attack'),
    );
  });

  it('clients that ignore the proxy get nowhere: raw TCP, UDP, DNS; only lo exists; /wave/run is read-only', async () => {
    const attachment = session.attachment(true)!;
    const probe = `
      const net=require('net'),dgram=require('dgram'),dns=require('dns');
      const tcp=new Promise(r=>{const s=net.connect(${web.port},'127.0.0.1');s.on('connect',()=>{s.destroy();r('connected')});s.on('error',e=>r(e.code))});
      const udp=new Promise(r=>{const s=dgram.createSocket('udp4');s.send('leak',${udp.address().port},'127.0.0.1',e=>{setTimeout(()=>{s.close();r(e?e.code:'sent')},200)})});
      const look=new Promise(r=>dns.lookup('anything.wave.test',(e,a)=>r(e?'failed':'resolved '+a)));
      Promise.all([tcp,udp,look]).then(([t,u,l])=>console.log(JSON.stringify({tcp:t,udp:u,dns:l})));`;
    const script = [
      'echo "net=$(ls /sys/class/net | tr "\\n" " ")"',
      `node -e "${probe.replace(/"/g, '\\"').replace(/\n\s*/g, '')}"`,
      `curl --noproxy '*' -sS -m 5 http://api.wave.test:${web.port}/ >/dev/null 2>&1; echo "direct=$?"`,
      `curl --noproxy '*' -sS -m 5 http://127.0.0.1:${web.port}/ >/dev/null 2>&1; echo "loopback=$?"`,
      'touch /wave/run/planted 2>/dev/null && echo "runDir=writable" || echo "runDir=read-only"',
    ].join('; ');
    const before = web.connections;
    const r = await runStep(env, attachment, ['sh', '-c', script], {});
    assert.equal(r.exitCode, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'net=lo ');
    const probeResult = JSON.parse(lines[1] ?? '{}') as { tcp: string; udp: string; dns: string };
    assert.equal(probeResult.tcp, 'ECONNREFUSED'); // the container's own loopback: nothing listens there
    assert.equal(probeResult.dns, 'failed');
    assert.notEqual(lines[2], 'direct=0');
    assert.notEqual(lines[3], 'loopback=0');
    assert.equal(lines[4], 'runDir=read-only');
    assert.equal(web.connections, before);
    assert.equal(udpPackets, 0);
  });

  it('refuses IP literals and loopback names before any connection is attempted', async () => {
    const attachment = session.attachment(true)!;
    const p = web.port;
    const targets = [
      `127.0.0.2:${p}`,
      `0.0.0.0:${p}`,
      `x.rebind.wave.test:${p}`,
      `localhost.:${p}`,
      `LOCALHOST:${p}`,
      `127.1:${p}`,
      `0x7f.0.0.1:${p}`,
      `0177.0.0.1:${p}`,
      `2130706433:${p}`,
      `[::1]:${p}`,
      `[::ffff:127.0.0.1]:${p}`,
    ];
    const script = `
      const net=require('net');const targets=JSON.parse(process.env.TARGETS);
      (async()=>{for(const t of targets){const r=await new Promise(res=>{const s=net.connect(3128,'127.0.0.1');let b='';
      s.on('data',d=>{b+=d;if(b.includes('\\r\\n\\r\\n')){s.destroy();res(b)}});s.on('error',e=>res('ERR '+e.code));s.on('close',()=>res(b));
      s.write('CONNECT '+t+' HTTP/1.1\\r\\nHost: '+t+'\\r\\n\\r\\n')});
      const m=/^HTTP\\/1.1 (\\d+)[^]*?X-Wave-Egress-Reason: (\\w+)/.exec(r);console.log(t+' '+(m?m[1]+' '+m[2]:JSON.stringify(r)))}})();`;
    const dialsBefore = connect.calls.length;
    const connectionsBefore = web.connections;
    const r = await runStep(env, attachment, ['node', '-e', script], { TARGETS: JSON.stringify(targets) });
    assert.equal(r.exitCode, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, targets.length, r.stdout);
    for (const [i, t] of targets.entries()) {
      assert.match(lines[i] ?? '', new RegExp(`^${t.replace(/[.[\]]/g, '\\$&')} 403 (ip_literal|private_address)$`));
    }
    assert.match(lines[2] ?? '', /private_address$/); // allowed by name, refused on its (loopback) address
    assert.equal(connect.calls.length, dialsBefore, 'the proxy never dialled');
    assert.equal(web.connections, connectionsBefore, 'the test server saw no connection');
  });

  it('cuts a TLS tunnel whose SNI differs from the CONNECT host; the matching SNI works end to end', async () => {
    const attachment = session.attachment(true)!;
    const script = `
      const net=require('net'),tls=require('tls');
      function tunnel(){return new Promise((res,rej)=>{const s=net.connect(3128,'127.0.0.1');let b='';
        const on=d=>{b+=d;if(b.includes('\\r\\n\\r\\n')){s.off('data',on);res({s,status:b.split(' ')[1]})}};
        s.on('data',on);s.on('error',rej);s.write('CONNECT api.wave.test:443 HTTP/1.1\\r\\nHost: api.wave.test:443\\r\\n\\r\\n')})}
      (async()=>{for(const name of ['evil.wave.test','api.wave.test']){const {s,status}=await tunnel();
        const out=await new Promise(res=>{const t=tls.connect({socket:s,servername:name,ca:process.env.TEST_CA});let body='';let secured=false;
          t.on('secureConnect',()=>{secured=true;t.write('GET / HTTP/1.1\\r\\nHost: api.wave.test\\r\\nConnection: close\\r\\n\\r\\n')});
          t.on('data',d=>body+=d);t.on('close',()=>res(secured?'body '+body.split('\\r\\n\\r\\n')[1]:'cut'));t.on('error',()=>undefined)});
        console.log(name+' '+status+' '+out)}})();`;
    const dialsBefore = connect.calls.length;
    const r = await runStep(env, attachment, ['node', '-e', script], { TEST_CA: cert });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['evil.wave.test 200 cut', 'api.wave.test 200 body secure']);
    assert.equal(connect.calls.length, dialsBefore + 1, 'only the matching SNI was dialled');
    assert.equal(tlsConnections, 1);
    const cut = records.find((x) => x.reason === 'sni_mismatch');
    assert.ok(cut && !cut.allowed && /evil\.wave\.test/.test(cut.detail ?? ''), JSON.stringify(records));
    assert.ok(records.some((x) => x.allowed && x.sni === 'api.wave.test'));
  });

  it('writes every decision to the NDJSON egress log', async () => {
    await session.close();
    const lines = readFileSync(logPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EgressRecord);
    assert.equal(lines.length, records.length);
    assert.ok(lines.some((l) => l.reason === 'not_allowlisted' && l.host === 'unlisted.wave.test'));
    assert.ok(lines.every((l) => l.step === 'attack' && l.run === 'run-1' && typeof l.durationMs === 'number'));
  });
});
