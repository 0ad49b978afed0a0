// When a step is relayed: handover.compaction's trigger over runtime.relay's threshold, the summarizer persona, the
// relay limit and the summarizer's time limit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RUNTIME_DEFAULTS } from '../../../src/config/index.js';
import type { Runtime, Step } from '../../../src/config/types.js';
import { parseCompactionTrigger, relayPolicy } from '../../../src/engine/relay-policy.js';

const prompt = (compaction?: Step['handover']['compaction']): Step => ({
  id: 'work',
  dependencies: [],
  exec: { type: 'prompt', source: 'x' },
  output_artifacts: [],
  handover: { contracts: [], ...(compaction ? { compaction } : {}) },
});

const runtime = (relay: Partial<Runtime['relay']> = {}, timeouts?: Runtime['timeouts']): Runtime => ({
  ...RUNTIME_DEFAULTS,
  relay: { ...RUNTIME_DEFAULTS.relay, ...relay },
  ...(timeouts ? { timeouts } : {}),
});

describe('parseCompactionTrigger', () => {
  it('reads token_limit_<N>%', () => {
    assert.equal(parseCompactionTrigger('token_limit_80%'), 80);
    assert.equal(parseCompactionTrigger('token_limit_1%'), 1);
    assert.equal(parseCompactionTrigger('token_limit_100%'), 100);
  });
  it('refuses anything else', () => {
    for (const bad of [
      'token_limit_0%',
      'token_limit_101%',
      'token_limit_80',
      '80%',
      'token_limit_%',
      ' token_limit_8%',
    ])
      assert.equal(parseCompactionTrigger(bad), undefined, bad);
  });
});

const known = () => true;

describe('relayPolicy', () => {
  it('defaults: 80%, the summarizer persona, 3 relays, 15 minutes', () => {
    assert.deepEqual(relayPolicy(prompt(), runtime(), known), {
      thresholdPercent: 80,
      maxRelays: 3,
      persona: 'summarizer',
      timeoutMinutes: 15,
    });
  });
  it("the step's handover.compaction wins over runtime.relay", () => {
    const policy = relayPolicy(
      prompt({ trigger: 'token_limit_60%', persona: 'condenser', max_relays: 1 }),
      runtime(
        { token_threshold_percent: 90, summarizer_persona: 'summarizer', max_relays: 5 },
        {
          relay_compaction_minutes: 2,
        },
      ),
      known,
    );
    assert.deepEqual(policy, { thresholdPercent: 60, maxRelays: 1, persona: 'condenser', timeoutMinutes: 2 });
  });
  it('a step trigger acts even when the runtime turned the relay off', () => {
    assert.equal(
      relayPolicy(prompt({ trigger: 'token_limit_50%' }), runtime({ token_threshold_percent: 0 }), known)
        ?.thresholdPercent,
      50,
    );
  });
  it('threshold 0 is off; command steps are never relayed', () => {
    assert.equal(relayPolicy(prompt(), runtime({ token_threshold_percent: 0 }), known), undefined);
    const command: Step = { ...prompt(), exec: { type: 'command', script: 'true' } };
    assert.equal(relayPolicy(command, runtime(), known), undefined);
  });
  it("off when only the runtime's default asks and the project has no summarizer persona", () => {
    assert.equal(
      relayPolicy(prompt(), runtime(), () => false),
      undefined,
    );
    const own = relayPolicy(prompt({ trigger: 'token_limit_70%', persona: 'condenser' }), runtime(), () => false);
    assert.equal(own?.thresholdPercent, 70, "a step's own compaction is checked by wave validate, and acts");
  });
});
