import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Manifest, resolveRetry, resolveStepAgent, retryDelayMs } from '../../../src/config/index.js';
import { RUNTIME_DEFAULTS } from '../../../src/config/manifest.js';
import { WaveError } from '../../../src/errors.js';

const manifest: Manifest = {
  apiVersion: 'v1',
  kind: 'WaveManifest',
  metadata: { name: 'm' },
  adapters: {
    claude: {
      binary: 'claude',
      image: 'wave/claude:latest',
      default_model: 'claude-default',
      tier_models: { cheapest: 'claude-haiku', balanced: 'claude-sonnet', strongest: 'claude-opus' },
    },
    codex: {
      binary: 'codex',
      image: 'wave/codex:latest',
      cli: 'codex',
      default_model: 'codex-default',
      tier_models: { cheapest: 'codex-mini' },
    },
    bare: { binary: 'bare', image: 'wave/bare:latest' },
    local: { binary: 'opencode', image: 'wave/opencode:latest', cli: 'opencode', default_model: 'ollama/qwen' },
  },
  personas: {
    literal: { adapter: 'claude', model: 'claude-literal', system_prompt_file: 'a.md' },
    tiered: { adapter: 'claude', model: 'strongest', system_prompt_file: 'a.md' },
    plain: { adapter: 'claude', system_prompt_file: 'a.md' },
    cheap: { adapter: 'codex', model: 'cheapest', system_prompt_file: 'a.md' },
  },
  runtime: RUNTIME_DEFAULTS,
};

describe('resolveStepAgent: precedence', () => {
  const cases: Array<{
    name: string;
    step: { persona?: string; adapter?: string; model?: string };
    flags?: { adapter?: string; model?: string };
    expect: [adapter: string, model: string, source: string];
  }> = [
    { name: 'persona literal model', step: { persona: 'literal' }, expect: ['claude', 'claude-literal', 'persona'] },
    { name: 'persona tier', step: { persona: 'tiered' }, expect: ['claude', 'claude-opus', 'persona'] },
    {
      name: 'adapter default when the persona has no model',
      step: { persona: 'plain' },
      expect: ['claude', 'claude-default', 'adapter default'],
    },
    {
      name: 'step model beats persona',
      step: { persona: 'literal', model: 'step-model' },
      expect: ['claude', 'step-model', 'step'],
    },
    {
      name: 'step tier beats persona',
      step: { persona: 'literal', model: 'cheapest' },
      expect: ['claude', 'claude-haiku', 'step'],
    },
    {
      name: 'flag model beats step',
      step: { persona: 'literal', model: 'step-model' },
      flags: { model: 'flag-model' },
      expect: ['claude', 'flag-model', 'flag'],
    },
    {
      name: 'flag tier resolves through the adapter',
      step: { persona: 'literal' },
      flags: { model: 'balanced' },
      expect: ['claude', 'claude-sonnet', 'flag'],
    },
    {
      name: 'step adapter beats persona adapter',
      step: { persona: 'plain', adapter: 'codex' },
      expect: ['codex', 'codex-default', 'adapter default'],
    },
    {
      name: 'flag adapter beats step adapter',
      step: { persona: 'plain', adapter: 'codex' },
      flags: { adapter: 'claude' },
      expect: ['claude', 'claude-default', 'adapter default'],
    },
    {
      name: "a persona's literal model does not follow it to another adapter",
      step: { persona: 'literal', adapter: 'codex' },
      expect: ['codex', 'codex-default', 'adapter default'],
    },
    {
      name: "a persona's tier follows it to another adapter",
      step: { persona: 'tiered' },
      flags: { adapter: 'claude' },
      expect: ['claude', 'claude-opus', 'persona'],
    },
    { name: 'tier on the other adapter', step: { persona: 'cheap' }, expect: ['codex', 'codex-mini', 'persona'] },
    { name: 'adapter without persona', step: { adapter: 'codex', model: 'x' }, expect: ['codex', 'x', 'step'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = resolveStepAgent(manifest, { id: 's', ...c.step }, c.flags);
      assert.deepEqual([r.adapterName, r.model, r.modelSource], c.expect);
      assert.equal(r.adapter, manifest.adapters[c.expect[0]]);
      if (c.step.persona) assert.equal(r.persona, manifest.personas[c.step.persona]);
    });
  }
});

describe('resolveStepAgent: errors name the step', () => {
  const cases: Array<
    [string, { persona?: string; adapter?: string; model?: string }, { adapter?: string; model?: string }, RegExp]
  > = [
    [
      'unknown persona',
      { persona: 'litteral' },
      {},
      /step 's': unknown persona 'litteral' \(did you mean 'literal'\?\)/,
    ],
    [
      'unknown adapter flag',
      { persona: 'plain' },
      { adapter: 'gemini' },
      /step 's': unknown adapter 'gemini' \(from --adapter\)/,
    ],
    [
      'a tier without tier_models nor a CLI',
      { adapter: 'bare', model: 'strongest' },
      {},
      /step 's': model tier 'strongest' \(from step\) cannot be mapped for adapter 'bare'/,
    ],
    ['no model at all', { adapter: 'bare' }, {}, /step 's': no model for adapter 'bare'/],
    ['no persona and no adapter', {}, {}, /step 's': no adapter/],
  ];
  for (const [name, step, flags, pattern] of cases) {
    it(name, () => {
      assert.throws(
        () => resolveStepAgent(manifest, { id: 's', ...step }, flags),
        (err: unknown) => err instanceof WaveError && err.code === 'pipeline_invalid' && pattern.test(err.message),
      );
    });
  }
});

describe('resolveRetry', () => {
  it('no retry block: one attempt', () => {
    assert.equal(resolveRetry(undefined).maxAttempts, 1);
  });
  it('presets, with explicit keys winning', () => {
    assert.deepEqual(resolveRetry({ policy: 'aggressive' }), {
      maxAttempts: 5,
      backoff: 'exponential',
      baseDelayMs: 200,
      maxDelayMs: 30_000,
      onFailure: 'fail',
    });
    const r = resolveRetry({ policy: 'standard', max_attempts: 2, base_delay: '100ms', on_failure: 'skip' });
    assert.deepEqual([r.maxAttempts, r.baseDelayMs, r.maxDelayMs, r.onFailure], [2, 100, 30_000, 'skip']);
  });
  it('delays grow by backoff and are capped', () => {
    const r = resolveRetry({ policy: 'standard', max_delay: '3s' });
    assert.deepEqual(
      [2, 3, 4, 5].map((n) => retryDelayMs(r, n)),
      [1000, 2000, 3000, 3000],
    );
    const linear = resolveRetry({ backoff: 'linear', base_delay: '1s', max_attempts: 4 });
    assert.deepEqual(
      [2, 3, 4].map((n) => retryDelayMs(linear, n)),
      [1000, 2000, 3000],
    );
  });
});

describe('resolveStepAgent: tiers without tier_models', () => {
  it("a tier the adapter's tier_models lack comes from its CLI's built-in map", () => {
    const r = resolveStepAgent(manifest, { id: 's', persona: 'cheap', model: 'strongest' });
    assert.deepEqual([r.model, r.tierWarning], ['gpt-5', undefined]);
  });
  it('a built-in tier of another provider falls back to default_model, with a warning', () => {
    const r = resolveStepAgent(manifest, { id: 's', adapter: 'local', model: 'cheapest' });
    assert.equal(r.model, 'ollama/qwen');
    assert.match(r.tierWarning ?? '', /built-in cheapest model 'anthropic\/claude-haiku-4-5' is not served by/);
  });
});
