// A command step's (and a test_suite contract's) network policy: its own block, never a model gateway.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Manifest } from '../../../src/config/types.js';
import { commandEgressSources, commandNetwork, type CommandNetworkPolicy } from '../../../src/engine/egress.js';
import { resolveEgressSources } from '../../../src/sandbox/egress/index.js';

const runtime = {
  sandbox: { default_allowed_domains: ['pypi.example.test'], hosts: { 'registry.wave.test': '127.0.0.1' } },
} as unknown as Manifest['runtime'];

function resolved(policy: CommandNetworkPolicy | undefined) {
  const result = resolveEgressSources(commandEgressSources(policy, runtime));
  assert.ok(result.ok, JSON.stringify(result));
  const { mode, allow, providers, credentials, hosts } = result.egress;
  return { mode, allow, providers, credentials, hosts, network: commandNetwork(policy) };
}

describe('command-step egress policy', () => {
  it('no sandbox block: no network at all', () => {
    assert.deepEqual(resolved(undefined), {
      mode: 'none',
      allow: [],
      providers: [],
      credentials: 'placeholder',
      hosts: { 'registry.wave.test': '127.0.0.1' },
      network: 'none',
    });
  });

  it('allowed_domains alone means an allowlist of exactly those hosts (they replace the runtime defaults)', () => {
    const r = resolved({ allowed_domains: ['registry.example.test', '*.files.example.test'] });
    assert.deepEqual(
      [r.mode, r.network, r.allow, r.providers],
      ['allowlist', 'allowlist', ['registry.example.test', '*.files.example.test'], []],
    );
  });

  it('network: allowlist without domains takes runtime.sandbox.default_allowed_domains', () => {
    const r = resolved({ network: 'allowlist' });
    assert.deepEqual([r.mode, r.allow, r.providers], ['allowlist', ['pypi.example.test'], []]);
  });

  it('open is an explicit opt-in, with a warning; still no gateway', () => {
    const result = resolveEgressSources(commandEgressSources({ network: 'open' }, runtime));
    assert.ok(result.ok);
    assert.equal(result.egress.mode, 'open');
    assert.deepEqual(result.egress.providers, []);
    assert.match(result.egress.warnings.join(), /network "open"/);
  });
});
