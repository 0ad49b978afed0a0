// Policy sources: profile ∪ runtime defaults ∪ persona; a step may only narrow. Plus the adapter profiles shipped
// in sandbox-profiles/ and the attachment a sandbox must apply.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readAdapterEgressProfile } from '../../../../src/sandbox/egress/adapter-profile.js';
import { buildAttachment, imageHasBridge, proxyEnv } from '../../../../src/sandbox/egress/attachment.js';
import { resolveEgressSources } from '../../../../src/sandbox/egress/sources.js';

const claude = { allowedDomains: ['api.anthropic.com'], providers: ['anthropic' as const] };

describe('egress sources', () => {
  it('unions runtime defaults and persona domains (allowlist by default); the provider host only with passthrough', () => {
    const r = resolveEgressSources({
      adapterProfile: claude,
      runtimeDefaultAllowed: ['*.github.com'],
      persona: { allowedDomains: ['docs.example.com'] },
    });
    assert.ok(r.ok);
    assert.equal(r.egress.mode, 'allowlist');
    assert.deepEqual(
      r.egress.allow,
      ['*.github.com', 'docs.example.com'],
      'the gateway makes the provider host unnecessary',
    );
    assert.deepEqual(r.egress.providers, ['anthropic']);
    assert.equal(r.egress.credentials, 'placeholder');
    const own = resolveEgressSources({
      adapterProfile: claude,
      runtimeDefaultAllowed: ['*.github.com'],
      persona: { allowedDomains: ['docs.example.com'], credentials: 'passthrough' },
    });
    assert.ok(own.ok);
    assert.deepEqual(own.egress.allow, ['api.anthropic.com', '*.github.com', 'docs.example.com']);
  });

  it('lets a step narrow its domains and mode', () => {
    const r = resolveEgressSources({
      adapterProfile: claude,
      persona: { allowedDomains: ['*.github.com:443', 'docs.example.com'] },
      step: { allowedDomains: ['api.github.com:443', 'docs.example.com:80'] },
    });
    assert.ok(r.ok);
    assert.deepEqual(r.egress.allow, ['api.github.com:443', 'docs.example.com:80']);
    const none = resolveEgressSources({ adapterProfile: claude, step: { network: 'none' } });
    assert.ok(none.ok);
    assert.deepEqual([none.egress.mode, none.egress.allow, none.egress.providers], ['none', [], []]);
  });

  it('refuses a step that widens: a domain, a port, a suffix, or the mode', () => {
    const base = { adapterProfile: claude, persona: { allowedDomains: ['*.github.com:443', 'docs.example.com'] } };
    for (const wider of ['evil.example', 'api.github.com:8443', '*.com.github.com:80', 'github.com', '*.example.com']) {
      const r = resolveEgressSources({ ...base, step: { allowedDomains: [wider] } });
      assert.ok(!r.ok, wider);
      assert.match(r.errors.join('\n'), /not covered by the persona/, wider);
    }
    const mode = resolveEgressSources({ ...base, step: { network: 'open' } });
    assert.ok(!mode.ok);
    assert.match(mode.errors[0] ?? '', /only narrow/);
  });

  it('open mode warns; a step listing domains under an open persona becomes an allowlist', () => {
    const open = resolveEgressSources({ persona: { network: 'open' } });
    assert.ok(open.ok);
    assert.equal(open.egress.mode, 'open');
    assert.match(open.egress.warnings[0] ?? '', /open/);
    const narrowed = resolveEgressSources({
      persona: { network: 'open' },
      step: { allowedDomains: ['anything.example'] },
    });
    assert.ok(narrowed.ok);
    assert.equal(narrowed.egress.mode, 'allowlist');
  });

  it('reports bad entries and bad host overrides', () => {
    const r = resolveEgressSources({ persona: { allowedDomains: ['*'] }, hosts: { 'api.wave.test': 'nowhere' } });
    assert.ok(!r.ok);
    assert.equal(r.errors.length, 2);
  });

  it('ships adapter profiles with the provider host and gateway of each adapter', async () => {
    assert.deepEqual(await readAdapterEgressProfile('claude'), {
      allowedDomains: ['api.anthropic.com'],
      providers: ['anthropic'],
    });
    assert.deepEqual(await readAdapterEgressProfile('codex'), {
      allowedDomains: ['api.openai.com'],
      providers: ['openai'],
    });
    assert.deepEqual(await readAdapterEgressProfile('gemini'), {
      allowedDomains: ['generativelanguage.googleapis.com'],
      providers: ['gemini'],
    });
    assert.equal((await readAdapterEgressProfile('opencode')).providers.length, 3);
    assert.deepEqual(await readAdapterEgressProfile('no-such-adapter'), { allowedDomains: [], providers: [] });
    assert.deepEqual(await readAdapterEgressProfile('../etc'), { allowedDomains: [], providers: [] });
  });
});

describe('egress attachment', () => {
  const input = {
    hostRunDir: '/tmp/wave-egress-x',
    listens: [
      { port: 3128, socket: 'egress.sock' },
      { port: 4001, socket: 'anthropic.sock' },
    ],
    env: proxyEnv(),
    sidecarImage: 'wave/base:latest',
  };

  it('inline: wraps argv with the bridge and mounts the socket dir read-only', () => {
    const a = buildAttachment({ ...input, imageHasBridge: true });
    assert.equal(a.mode, 'inline');
    assert.deepEqual(a.mounts, [{ host: '/tmp/wave-egress-x', container: '/wave/run', readOnly: true }]);
    assert.deepEqual(a.wrapArgv(['claude', '-p']), [
      'node',
      '/usr/local/lib/wave/bridge.mjs',
      '--listen',
      '127.0.0.1:3128=/wave/run/egress.sock',
      '--listen',
      '127.0.0.1:4001=/wave/run/anthropic.sock',
      '--',
      'claude',
      '-p',
    ]);
    assert.equal(a.sidecar, undefined);
    assert.equal(a.env.HTTPS_PROXY, 'http://127.0.0.1:3128');
    assert.equal(a.env.no_proxy, '127.0.0.1,localhost');
    assert.equal(a.env.NODE_USE_ENV_PROXY, '1');
  });

  it('sidecar: leaves argv alone and describes the bridge container', () => {
    const a = buildAttachment({ ...input, imageHasBridge: false });
    assert.equal(a.mode, 'sidecar');
    assert.deepEqual(a.wrapArgv(['sh']), ['sh']);
    assert.deepEqual(a.sidecar?.argv.slice(0, 3), ['node', '/usr/local/lib/wave/bridge.mjs', '--listen']);
    assert.ok(!a.sidecar?.argv.includes('--'));
    assert.equal(a.sidecar?.stepNetworkMode('abc'), 'container:abc');
  });

  it('reads the wave.bridge label', () => {
    assert.equal(imageHasBridge({ 'wave.bridge': '1' }), true);
    assert.equal(imageHasBridge({}), false);
    assert.equal(imageHasBridge(null), false);
  });
});
