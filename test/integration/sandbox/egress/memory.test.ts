// The gateway's memory, attacked from inside a real container. The model gateway reads request bodies whole (to
// check them as the provider would), so a step could make it hold its largest body size on every connection it may
// open: 64 × 32 MiB of the host's memory. A step straight on its mounted gateway socket fills two connections with
// 28 MiB chunked bodies it never finishes, then sends a third body that grows past the step's budget (64 MiB), and
// declares a fourth too large to fit. The budget refuses both (503, logged), the host holds what the budget allows
// and no more, a parallel step's requests with large bodies go through, and once the attacker is gone every byte
// is given back and the attacking step works again. Two sessions in this process stand for two parallel steps.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_EGRESS_LIMITS } from '../../../../src/sandbox/egress/limits.js';
import type { EgressRecord } from '../../../../src/sandbox/egress/log.js';
import { startEgressSession, type EgressSession } from '../../../../src/sandbox/egress/session.js';
import { httpServer, within, type CountingServer } from '../../../unit/sandbox/egress/helpers.js';
import { bridgeOption, cleanup, CONTAINER_USER, egressTestEnv, runStep, startContainer } from './support.js';

const env = await egressTestEnv();
const MiB = 1024 * 1024;
const HELD = 28;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = (what: string, pred: () => boolean) =>
  within(
    (async () => {
      while (!pred()) await sleep(50);
    })(),
    30_000,
    what,
  );

// The attacker, in order: two connections each sending HELD MiB of a chunked body and never the last chunk; a third
// sending a whole body of 30 MiB; a fourth declaring 30 MiB (and waiting for 100 Continue). Prints each connection's
// answer so far ("open" while none), then holds its connections until it is killed.
const ATTACK = `
const net=require('net');const MiB=1<<20;
const chunk=Buffer.concat([Buffer.from('100000\\r\\n'),Buffer.alloc(MiB,0x61),Buffer.from('\\r\\n')]);
const head='POST /v1/messages HTTP/1.1\\r\\nHost: gw\\r\\nContent-Type: application/json\\r\\n';
const conns=[];
const open=(headers,chunks,last)=>new Promise((done)=>{const c={reply:'',sent:0};conns.push(c);
  const s=net.connect('/wave/run/anthropic.sock',()=>{s.write(head+headers+'\\r\\n');
    const pump=()=>{while(c.sent<chunks){c.sent++;if(!s.write(chunk))return s.once('drain',pump)}
      if(last)s.write('0\\r\\n\\r\\n');done()};pump()});
  s.on('data',(d)=>{c.reply+=d});s.on('error',()=>{});s.on('close',done)});
(async()=>{
  await open('Transfer-Encoding: chunked\\r\\n',+process.env.HELD);
  await open('Transfer-Encoding: chunked\\r\\n',+process.env.HELD);
  await open('Transfer-Encoding: chunked\\r\\n',30,true);
  await open('Content-Length: '+30*MiB+'\\r\\nExpect: 100-continue\\r\\n',0);
  await new Promise((r)=>setTimeout(r,1000));
  console.log(JSON.stringify(conns.map((c)=>({sent:c.sent,
    answer:c.reply?c.reply.split(' ')[1]+' '+((/x-wave-egress-reason: (\\S+)/i.exec(c.reply)||[])[1]||''):'open'}))));
  setTimeout(()=>process.exit(0),120000);
})();`;

// An ordinary step with a large conversation: one 20 MiB request through the bridge, as an agent CLI sends it (more
// than the attacker left of its own budget: each step has its own).
const LARGE_REQUEST = `
const http=require('http');const body=JSON.stringify({model:'m',max_tokens:1,
  messages:[{role:'user',content:'a'.repeat(20*(1<<20))}]});
const u=new URL(process.env.ANTHROPIC_BASE_URL+'/v1/messages');
const headers={'content-type':'application/json','x-api-key':process.env.ANTHROPIC_API_KEY};
const req=http.request(u,{method:'POST',headers},
  (res)=>{res.resume();res.on('end',()=>console.log('model='+res.statusCode))});
req.on('error',(e)=>console.log('error='+e.code));req.end(body);`;

describe('a step filling the model gateway with request bodies (container)', { skip: env.skip }, () => {
  let model: CountingServer;
  const received: number[] = [];
  const sessions: Record<'hog' | 'innocent', EgressSession | undefined> = { hog: undefined, innocent: undefined };
  const records: EgressRecord[] = [];

  const startSession = (step: 'hog' | 'innocent') =>
    startEgressSession({
      run: 'run-memory',
      step,
      egress: {
        mode: 'allowlist',
        allow: [],
        hosts: {},
        providers: ['anthropic'],
        credentials: 'placeholder',
        providerTools: [],
        warnings: [],
      },
      containerUser: CONTAINER_USER,
      upstreams: { anthropic: `http://127.0.0.1:${model.port}` },
      hostEnv: { ANTHROPIC_API_KEY: 'sk-ant-memory-test' },
      onRecord: (r) => records.push(r),
      ...bridgeOption(env),
    });

  const largeRequest = async (session: EgressSession) => {
    const r = await runStep(env, session.attachment(true)!, ['node', '-e', LARGE_REQUEST]);
    return r.stdout.trim() || r.stderr;
  };

  before(async () => {
    model = await httpServer((req, res) => {
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
      });
      req.on('end', () => {
        received.push(size);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    sessions.hog = await startSession('hog');
    sessions.innocent = await startSession('innocent');
  });

  after(async () => {
    await cleanup(env);
    await Promise.all(Object.values(sessions).map(async (s) => s?.close()));
    await model?.close();
  });

  it('the budget refuses what goes over it (logged), the parallel step works, the bytes come back', async () => {
    const hog = sessions.hog!;
    const attachment = hog.attachment(true)!;
    const attacker = await startContainer(env, {
      argv: attachment.wrapArgv(['node', '-e', ATTACK]),
      env: { ...attachment.env, HELD: String(HELD) },
      mounts: attachment.mounts,
    });
    const line = await within(
      (async () => {
        for (;;) {
          const found = attacker
            .output()
            .stdout.split('\n')
            .find((l) => l.startsWith('['));
          if (found) return found;
          await sleep(100);
        }
      })(),
      90_000,
      "the attacker's bodies",
    );
    const answers = JSON.parse(line) as Array<{ sent: number; answer: string }>;
    assert.deepEqual(
      answers.map((a) => a.answer),
      ['open', 'open', '503 body_budget', '503 body_budget'],
      line,
    );

    // The host holds the two open bodies, within the budget; nothing of them went upstream.
    await until('the held bodies', () => hog.gatewayBodyBytes() === 2 * HELD * MiB);
    assert.ok(hog.gatewayBodyBytes() <= DEFAULT_EGRESS_LIMITS.gatewayBodyBudgetBytes);
    assert.deepEqual(received, []);
    const refusals = records.filter((r) => r.step === 'hog' && r.reason === 'body_budget');
    const how = refusals.map((r) => `${r.status} ${/this one (had reached|declares)/.exec(r.detail ?? '')?.[1]}`);
    assert.deepEqual(how.sort(), ['503 declares', '503 had reached']);

    // The parallel step, while the attacker holds its bodies: its own budget.
    assert.equal(await largeRequest(sessions.innocent!), 'model=200');
    await attacker.container.kill().catch(() => undefined);

    // Every byte comes back once the attacker's connections are gone, and the attacking step works again.
    await until('the budget given back', () => hog.gatewayBodyBytes() === 0);
    assert.equal(await largeRequest(hog), 'model=200');
    assert.equal(received.length, 2);
    assert.deepEqual(
      records.filter((r) => r.step === 'innocent' && !r.allowed),
      [],
    );
  });
});
