import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_EGRESS_LIMITS } from '../../../src/sandbox/egress/limits.js';
import { loadSandboxProfile, parseDuration, parseSandboxProfile, parseSize } from '../../../src/sandbox/profile.js';

describe('sandbox profile', () => {
  it('default.yaml holds the documented defaults', () => {
    const p = loadSandboxProfile();
    assert.equal(p.memoryBytes, 4 * 1024 ** 3);
    assert.equal(p.cpus, 2);
    assert.equal(p.pids, 1024);
    assert.equal(p.tmpBytes, 256 * 1024 ** 2);
    assert.equal(p.homeBytes, 512 * 1024 ** 2);
    assert.equal(p.rootUser, '10001:10001');
    assert.equal(p.home, '/home/wave');
    assert.equal(p.network, 'none');
    assert.equal(p.killGraceMs, 5000);
    assert.deepEqual(p.outputs, { maxBytes: 1024 ** 3, maxFiles: 10_000, maxDepth: 32 });
    assert.equal(p.maxLineBytes, 10 * 1024 ** 2);
    // The egress limits the README documents; the code's own defaults (for a session started without a profile) agree.
    assert.deepEqual(p.egress, {
      maxConnections: 64,
      gatewayBodyBudgetBytes: 64 * 1024 ** 2,
      connectTimeoutMs: 30_000,
      requestIdleTimeoutMs: 300_000,
      tunnelIdleTimeoutMs: 300_000,
      gatewayIdleTimeoutMs: 600_000,
    });
    assert.deepEqual(p.egress, DEFAULT_EGRESS_LIMITS);
  });

  it('parses sizes and durations, and refuses nonsense', () => {
    assert.equal(parseSize('4g'), 4 * 1024 ** 3);
    assert.equal(parseSize('256m'), 256 * 1024 ** 2);
    assert.equal(parseSize('100Mi'), 100 * 1024 ** 2);
    assert.equal(parseSize('1.5KiB'), 1536);
    assert.equal(parseSize(4096), 4096);
    for (const bad of ['', 'lots', '-1m', '0', '4 parsecs', null]) assert.throws(() => parseSize(bad));
    assert.equal(parseDuration('5s'), 5000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('2m'), 120_000);
    assert.throws(() => parseDuration('soon'));
  });

  it('rejects a root user, an unsupported network, or missing limits', () => {
    const base = {
      limits: { memory: '1g', cpus: 1, pids: 10 },
      tmpfs: { tmp: '1m', home: '1m', exec: true },
      rootUser: '10001:10001',
      home: '/h',
      network: 'none',
      killGrace: '1s',
      outputs: { maxBytes: '1m', maxFiles: 5, maxDepth: 3 },
      maxLineBytes: '1m',
    };
    const egress = {
      maxConnections: 8,
      gatewayBodyBudget: '8m',
      connectTimeout: '1s',
      requestIdleTimeout: '1m',
      tunnelIdleTimeout: '2m',
      gatewayIdleTimeout: '3m',
    };
    const withEgress = (changed: Record<string, unknown>) =>
      parseSandboxProfile({ ...valid, egress: { ...egress, ...changed } });
    const valid = { ...base, egress };
    assert.equal(parseSandboxProfile(valid).egress.tunnelIdleTimeoutMs, 120_000);
    assert.throws(() => parseSandboxProfile(base), /egress.maxConnections/);
    assert.throws(() => parseSandboxProfile({ ...valid, rootUser: '0:0' }), /rootUser/);
    assert.throws(() => parseSandboxProfile({ ...valid, network: 'host' }), /network/);
    assert.throws(() => parseSandboxProfile({ ...valid, limits: { cpus: 1, pids: 10 } }), /limits.memory/);
    const outputs = (o: Record<string, unknown>) => parseSandboxProfile({ ...valid, outputs: o });
    assert.throws(() => outputs({ maxBytes: 'lots', maxFiles: 5, maxDepth: 3 }), /outputs.maxBytes/);
    assert.throws(() => outputs({ maxBytes: '1m', maxDepth: 3 }), /outputs.maxFiles/);
    // A zero timeout would switch the timer off, a fractional cap means nothing: refused, never "unlimited".
    assert.throws(() => withEgress({ tunnelIdleTimeout: '0s' }), /egress.tunnelIdleTimeout/);
    assert.throws(() => withEgress({ maxConnections: 2.5 }), /egress.maxConnections/);
    assert.throws(() => withEgress({ gatewayBodyBudget: 'lots' }), /egress.gatewayBodyBudget/);
  });

  it('an invalid file is a WaveError naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wave-profile-'));
    try {
      const file = join(dir, 'bad.yaml');
      await writeFile(file, 'limits: {memory: huge}\n');
      assert.throws(
        () => loadSandboxProfile(file),
        (err: Error & { code?: string }) => err.code === 'manifest_invalid' && err.message.includes(file),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
