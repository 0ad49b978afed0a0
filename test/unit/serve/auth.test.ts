import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessPolicy, isLoopback, sameSecret } from '../../../src/serve/auth.js';

const TOKEN = 'a-token-of-enough-length';

function policy(bind: string): AccessPolicy {
  const p = new AccessPolicy({ bind, token: TOKEN });
  p.listeningOn(8080);
  return p;
}

describe('serve access rules', () => {
  it('knows loopback binds', () => {
    for (const bind of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) assert.equal(isLoopback(bind), true, bind);
    for (const bind of ['0.0.0.0', '::', '192.0.2.10', 'example.org', '::ffff:127.0.0.1x']) {
      assert.equal(isLoopback(bind), false, bind);
    }
  });

  it('lets anyone read on loopback, only a session off loopback', () => {
    assert.equal(policy('127.0.0.1').mayRead(undefined), true);
    const exposed = policy('0.0.0.0');
    assert.equal(exposed.exposed, true);
    assert.equal(exposed.mayRead(undefined), false);
    assert.equal(exposed.mayRead(exposed.login(TOKEN)), true);
  });

  it('logs in with the token only, and generates a strong one when none is given', () => {
    const p = policy('127.0.0.1');
    assert.equal(p.login('wrong'), undefined);
    assert.equal(p.login(undefined), undefined);
    const session = p.login(TOKEN);
    assert.ok(session && session.id !== session.csrf);
    assert.equal(p.session(session.id), session);
    assert.equal(p.session('forged'), undefined);
    assert.ok(new AccessPolicy({ bind: '127.0.0.1' }).token.length >= 32);
    assert.equal(sameSecret('abc', 'abcd'), false);
  });

  it('checks the Host header against the bind address and port (loopback names on loopback)', () => {
    const p = policy('127.0.0.1');
    for (const host of ['127.0.0.1:8080', 'localhost:8080', '[::1]:8080', 'LOCALHOST:8080']) {
      assert.equal(p.hostAllowed(host), true, host);
    }
    for (const host of ['127.0.0.1:8081', 'evil.example:8080', 'localhost', undefined]) {
      assert.equal(p.hostAllowed(host), false, String(host));
    }
    assert.equal(policy('192.0.2.10').hostAllowed('192.0.2.10:8080'), true);
    assert.equal(policy('192.0.2.10').hostAllowed('localhost:8080'), false);
    assert.equal(policy('0.0.0.0').hostAllowed('wave.internal:8080'), true, 'any name on a wildcard bind');
  });

  it('refuses a change without a session, from another origin, or without the CSRF header', () => {
    const p = policy('127.0.0.1');
    const session = p.login(TOKEN);
    assert.ok(session);
    const ok = { session, origin: 'http://127.0.0.1:8080', host: '127.0.0.1:8080', csrf: session.csrf };
    assert.equal(p.refuseChange(ok), undefined);
    assert.match(p.refuseChange({ ...ok, session: undefined }) ?? '', /no session/);
    assert.match(p.refuseChange({ ...ok, origin: undefined }) ?? '', /no Origin/);
    assert.match(p.refuseChange({ ...ok, origin: 'null' }) ?? '', /malformed Origin/);
    assert.match(p.refuseChange({ ...ok, origin: 'http://evil.example' }) ?? '', /another origin/);
    assert.match(p.refuseChange({ ...ok, origin: 'http://localhost:8080' }) ?? '', /another origin/);
    assert.match(p.refuseChange({ ...ok, host: 'evil.example:8080' }) ?? '', /Host/);
    assert.match(p.refuseChange({ ...ok, csrf: undefined }) ?? '', /CSRF/);
    assert.match(p.refuseChange({ ...ok, csrf: 'x'.repeat(session.csrf.length) }) ?? '', /CSRF/);
  });
});
