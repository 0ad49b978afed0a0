// Issue 13 finding 3, as an attack from inside a real container: a step opens thousands of connections straight
// to its mounted egress and gateway sockets (bypassing the in-container bridge) and keeps them alive by trickling
// header bytes; it pipelines hundreds of requests on a few of them, and sends hundreds of requests on connections
// it closes while the proxy resolves the name, all to an upstream that never answers. Two egress sessions in this
// process stand for two parallel steps of one run, as the engine starts them. The step's cap (64, counted at
// accept) refuses the rest, the Wave process keeps its descriptors, the parallel step's traffic goes through
// untouched, and once the flood ends the attacking step can use its network again. (That a step failing on the
// host side leaves a resumable run is tested with `wave run`/`wave resume` in
// test/integration/engine/interrupted-step.test.ts.)
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_MAX_CONNECTIONS } from '../../../../src/sandbox/egress/connection-cap.js';
import type { EgressRecord } from '../../../../src/sandbox/egress/log.js';
import { startEgressSession, type EgressSession } from '../../../../src/sandbox/egress/session.js';
import { httpServer, within, type CountingServer } from '../../../unit/sandbox/egress/helpers.js';
import { bridgeOption, cleanup, CONTAINER_USER, egressTestEnv, runStep, startContainer } from './support.js';

const env = await egressTestEnv();
/** Connections the attacker opens to each of its two sockets. */
const FLOOD = 1000;
const PIPELINING_CONNECTIONS = 8;
const PIPELINED_REQUESTS = 300;
const HIT_AND_RUN = 300;

const hostDescriptors = () => readdirSync('/proc/self/fd').length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The attacker, in order: PIPELINING_CONNECTIONS connections each pipelining PIPELINED_REQUESTS requests;
// HIT_AND_RUN connections each sending one request (to a name the proxy takes a moment to resolve) and closing at
// once; then FLOOD connections to each socket, each starting a request and sending one more header byte every
// 250 ms (a client that keeps resetting idle timers; a full listen queue is retried). Prints one "holding" line,
// then keeps going until it is killed.
const ATTACK = `
const net=require('net');const {N,P,R,H,TARGET,SLOW}=process.env;const live=new Set();let opened=0,failed=0;
const request=(to,path)=>'GET http://'+to+path+' HTTP/1.1\\r\\nHost: '+to+'\\r\\n\\r\\n';
const open=(path,first)=>new Promise((res)=>{const s=net.connect({path,allowHalfOpen:true});
  s.on('connect',()=>{opened++;live.add(s);s.write(first);res()});s.on('close',()=>live.delete(s));
  s.on('error',(e)=>{if(live.has(s))return;if(e.code!=='EAGAIN'){failed++;return res()}
    setTimeout(()=>open(path,first).then(res),5)})});
const hitAndRun=()=>new Promise((res)=>{const s=net.connect('/wave/run/egress.sock',
  ()=>s.write(request(SLOW,'/run'),()=>setTimeout(()=>{s.destroy();res()},10)));s.on('error',res)});
const batches=async(n,size,f)=>{for(let i=0;i<n;i+=size)await Promise.all(Array.from({length:size},f))};
(async()=>{
  for(let i=0;i<+P;i++)await open('/wave/run/egress.sock',request(TARGET,'/slow').repeat(+R));
  await batches(+H,50,hitAndRun);
  for(const path of ['/wave/run/egress.sock','/wave/run/anthropic.sock'])
    await batches(+N,100,()=>open(path,'GET http://'+TARGET+'/idle HTTP/1.1\\r\\nX-Pad: '));
  setInterval(()=>{for(const s of live)if(s.writable)s.write('a')},250);
  setTimeout(()=>console.log(JSON.stringify({phase:'holding',opened,failed,live:live.size})),1000);
  setTimeout(()=>process.exit(0),120000);
})();`;

describe('a step flooding its egress sockets (container)', { skip: env.skip }, () => {
  let slow: CountingServer;
  let slowRequests = 0;
  const held: ServerResponse[] = [];
  let web: CountingServer;
  let model: CountingServer;
  const sessions: Record<'flood' | 'innocent', EgressSession | undefined> = { flood: undefined, innocent: undefined };
  const records: EgressRecord[] = [];

  const startSession = (step: 'flood' | 'innocent') =>
    startEgressSession({
      run: 'run-caps',
      step,
      egress: {
        mode: 'allowlist',
        allow: [`api.wave.test:${slow.port}`, `slow.wave.test:${slow.port}`, `api.wave.test:${web.port}`],
        hosts: { 'api.wave.test': '127.0.0.1' },
        providers: ['anthropic'],
        credentials: 'placeholder',
        providerTools: [],
        warnings: [],
      },
      containerUser: CONTAINER_USER,
      upstreams: { anthropic: `http://127.0.0.1:${model.port}` },
      hostEnv: { ANTHROPIC_API_KEY: 'sk-ant-caps-test' },
      onRecord: (r) => records.push(r),
      // slow.wave.test resolves in 50 ms, like a real resolver; anything else is refused.
      lookup: async (name) => {
        if (name !== 'slow.wave.test') throw new Error(`test resolver refuses ${name}`);
        await sleep(50);
        return ['127.0.0.1'];
      },
      ...bridgeOption(env),
    });

  /** What an ordinary step does: one request through the proxy, one through the model gateway. */
  const ordinaryStep = (session: EgressSession) => {
    const json = '{"model":"m","max_tokens":1,"messages":[]}';
    const script = [
      `curl -sS -o /dev/null -w 'web=%{http_code}\\n' http://api.wave.test:${web.port}/`,
      `curl -sS -o /dev/null -w 'model=%{http_code}\\n' -H "x-api-key: $ANTHROPIC_API_KEY" ` +
        `-H 'content-type: application/json' -d '${json}' "$ANTHROPIC_BASE_URL/v1/messages"`,
    ].join('; ');
    return runStep(env, session.attachment(true)!, ['sh', '-c', script]);
  };

  before(async () => {
    slow = await httpServer((_req, res) => {
      slowRequests++;
      held.push(res);
    });
    web = await httpServer((_req, res) => res.end('web'));
    model = await httpServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    sessions.flood = await startSession('flood');
    sessions.innocent = await startSession('innocent');
  });

  after(async () => {
    await cleanup(env);
    await Promise.all(Object.values(sessions).map(async (s) => s?.close()));
    for (const res of held) res.destroy();
    await Promise.all([slow?.close(), web?.close(), model?.close()]);
  });

  it('the cap refuses the flood at accept, the host keeps its descriptors, the parallel step works', async () => {
    const flood = sessions.flood!;
    const attachment = flood.attachment(true)!;
    const baseline = hostDescriptors();
    const attacker = await startContainer(env, {
      argv: attachment.wrapArgv(['node', '-e', ATTACK]),
      env: {
        ...attachment.env,
        N: String(FLOOD),
        P: String(PIPELINING_CONNECTIONS),
        R: String(PIPELINED_REQUESTS),
        H: String(HIT_AND_RUN),
        TARGET: `api.wave.test:${slow.port}`,
        SLOW: `slow.wave.test:${slow.port}`,
      },
      mounts: attachment.mounts,
    });
    const holding = await within(
      (async () => {
        for (;;) {
          const line = attacker
            .output()
            .stdout.split('\n')
            .find((l) => l.includes('"holding"'));
          if (line) return JSON.parse(line) as { opened: number; failed: number; live: number };
          await sleep(100);
        }
      })(),
      90_000,
      "the attacker's flood",
    );
    const during = hostDescriptors();

    // Thousands connected and were refused at accept: the step keeps at most its cap of them alive, however it
    // trickles bytes; each holds at most one upstream connection (whose other end is in this process too: the
    // loopback upstreams live here). Nothing it pipelined or left behind reached the upstream beyond that.
    assert.equal(holding.opened, 2 * FLOOD + PIPELINING_CONNECTIONS, JSON.stringify(holding));
    assert.ok(holding.live <= DEFAULT_MAX_CONNECTIONS, JSON.stringify(holding));
    assert.ok(flood.proxy!.activeConnections() <= DEFAULT_MAX_CONNECTIONS);
    const grown = `the Wave process went from ${baseline} to ${during} descriptors`;
    assert.ok(during - baseline <= 3 * DEFAULT_MAX_CONNECTIONS + 40, grown);
    assert.ok(slowRequests <= PIPELINING_CONNECTIONS, `${slowRequests} requests reached the upstream`);

    // The parallel step, while the flood goes on.
    const innocent = await ordinaryStep(sessions.innocent!);
    assert.equal(innocent.stdout, 'web=200\nmodel=200\n', innocent.stderr);
    await attacker.container.kill().catch(() => undefined);

    // The attacking step is capped, not broken: its slots come back, and its network works again.
    await within(
      (async () => {
        while (flood.proxy!.activeConnections() > 0) await sleep(50);
      })(),
      30_000,
      'slots freed',
    );
    const again = await ordinaryStep(flood);
    assert.equal(again.stdout, 'web=200\nmodel=200\n', again.stderr);

    const refused = (step: string) => records.filter((r) => r.step === step && !r.allowed);
    assert.deepEqual(refused('innocent'), []);
    // Logged at the 1st, 10th, 100th and 1000th refusal only: the flood does not flood the log.
    const capped = refused('flood').filter((r) => r.reason === 'too_many_connections');
    assert.deepEqual(
      capped.map((r) => /; (\d+) refused so far/.exec(r.detail ?? '')?.[1]),
      ['1', '10', '100', '1000'],
    );
    const pipelined = refused('flood').filter((r) => r.reason === 'bad_framing' && /pipelining/.test(r.detail ?? ''));
    assert.equal(pipelined.length, PIPELINING_CONNECTIONS, JSON.stringify(pipelined));
  });
});
