// The policy table: every way a host can be written, and what the policy must decide for it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyIp, parseCidr, parseIp } from '../../../../src/sandbox/egress/address.js';
import {
  checkAddresses,
  checkTarget,
  compilePolicy,
  normaliseHost,
  parseAllowEntry,
  parseAuthority,
  type NetworkMode,
} from '../../../../src/sandbox/egress/policy.js';

function policy(allow: string[], mode: NetworkMode = 'allowlist', hosts: Record<string, string> = {}) {
  const { policy: p, errors } = compilePolicy({ mode, allow, hosts });
  assert.deepEqual(errors, []);
  return p;
}

/** [allow list, host, port, expected: 'resolve' (name allowed, needs DNS), 'ip' (allowed literal) or a deny reason] */
const TABLE: Array<[string[], string, number, string]> = [
  // exact names and default ports
  [['api.example.com'], 'api.example.com', 443, 'resolve'],
  [['api.example.com'], 'api.example.com', 80, 'resolve'],
  [['api.example.com'], 'api.example.com', 8443, 'port_not_allowed'],
  [['api.example.com'], 'www.example.com', 443, 'not_allowlisted'],
  [['api.example.com'], 'example.com', 443, 'not_allowlisted'],
  [['api.example.com'], 'API.EXAMPLE.COM', 443, 'resolve'],
  [['api.example.com'], 'api.example.com.', 443, 'resolve'],
  [['API.Example.COM.'], 'api.example.com', 443, 'resolve'],
  [['api.example.com'], 'api.example.com.evil.test', 443, 'not_allowlisted'],
  [['api.example.com'], 'evilapi.example.com', 443, 'not_allowlisted'],
  // explicit ports
  [['api.example.com:8443'], 'api.example.com', 8443, 'resolve'],
  [['api.example.com:8443'], 'api.example.com', 443, 'port_not_allowed'],
  [['api.example.com:8443', 'api.example.com'], 'api.example.com', 443, 'resolve'],
  // suffix rules: subdomains only, not the apex
  [['*.example.com'], 'a.example.com', 443, 'resolve'],
  [['*.example.com'], 'a.b.example.com', 443, 'resolve'],
  [['*.example.com'], 'example.com', 443, 'not_allowlisted'],
  [['*.example.com', 'example.com'], 'example.com', 443, 'resolve'],
  [['*.example.com'], 'badexample.com', 443, 'not_allowlisted'],
  [['*.example.com'], 'example.com.evil.test', 443, 'not_allowlisted'],
  [['*.example.com:8080'], 'a.example.com', 8080, 'resolve'],
  [['*.example.com:8080'], 'a.example.com', 443, 'port_not_allowed'],
  // IDNA: Unicode and punycode are the same name
  [['bücher.example'], 'xn--bcher-kva.example', 443, 'resolve'],
  [['xn--bcher-kva.example'], 'BÜCHER.example', 443, 'resolve'],
  [['*.bücher.example'], 'shop.xn--bcher-kva.example', 443, 'resolve'],
  // localhost names are loopback whatever DNS says
  [['localhost'], 'localhost', 443, 'private_address'],
  [[], 'localhost.', 443, 'private_address'],
  [[], 'LOCALHOST', 443, 'private_address'],
  [['*.app.localhost'], 'x.app.localhost', 443, 'private_address'],
  [['localhost:8080'], 'localhost', 8080, 'resolve'],
  // numeric IPv4 forms are IP literals (refused unless listed)
  [[], '127.0.0.1', 443, 'ip_literal'],
  [[], '127.0.0.2', 443, 'ip_literal'],
  [[], '0.0.0.0', 443, 'ip_literal'],
  [[], '127.1', 443, 'ip_literal'],
  [[], '0x7f.0.0.1', 443, 'ip_literal'],
  [[], '0177.0.0.1', 443, 'ip_literal'],
  [[], '2130706433', 443, 'ip_literal'],
  [[], '0x7f000001', 443, 'ip_literal'],
  [[], '127.0.0.1.', 443, 'ip_literal'],
  [[], '8.8.8.8', 443, 'ip_literal'],
  // IPv6 forms
  [[], '[::1]', 443, 'ip_literal'],
  [[], '::1', 443, 'ip_literal'],
  [[], '[::ffff:127.0.0.1]', 443, 'ip_literal'],
  [[], '[::ffff:7f00:1]', 443, 'ip_literal'],
  [[], '[::]', 443, 'ip_literal'],
  [[], '[fe80::1]', 443, 'ip_literal'],
  [[], '[fe80::1%25eth0]', 443, 'invalid_host'],
  // CIDR allow: public addresses only
  [['8.8.8.0/24'], '8.8.8.8', 443, 'ip'],
  [['8.8.8.0/24'], '8.8.4.4', 443, 'ip_literal'],
  [['8.8.8.0/24'], '8.8.8.8', 22, 'port_not_allowed'],
  [['8.8.8.0/24:53'], '8.8.8.8', 53, 'ip'],
  [['2001:4860::/32'], '[2001:4860:4860::8888]', 443, 'ip'],
  [['[2001:4860::/32]:853'], '[2001:4860:4860::8888]', 853, 'ip'],
  [['8.8.8.8'], '8.8.8.8', 443, 'ip'],
  [['8.8.8.8'], '[::ffff:8.8.8.8]', 443, 'ip'],
  [['127.0.0.0/8'], '127.0.0.1', 443, 'private_address'],
  [['10.0.0.0/8'], '10.1.2.3', 443, 'private_address'],
  [['169.254.0.0/16'], '169.254.169.254', 80, 'private_address'],
  [['127.0.0.1'], '127.0.0.1', 443, 'private_address'],
  // exact loopback host:port is the only way to the host's services
  [['127.0.0.1:8080'], '127.0.0.1', 8080, 'ip'],
  [['127.0.0.1:8080'], '127.1', 8080, 'ip'],
  [['127.0.0.1:8080'], '127.0.0.1', 8081, 'private_address'],
  [['[::1]:8080'], '[::1]', 8080, 'ip'],
  [['[::1]:8080'], '[::ffff:127.0.0.1]', 8080, 'ip_literal'],
  // malformed hosts
  [['api.example.com'], 'api.example.com/x', 443, 'invalid_host'],
  [['api.example.com'], 'user@api.example.com', 443, 'invalid_host'],
  [['api.example.com'], 'a..example.com', 443, 'invalid_host'],
  [['api.example.com'], '999.1.1.1', 443, 'invalid_host'],
  [['api.example.com'], '', 443, 'invalid_host'],
  [['api.example.com'], 'api.example.com', 0, 'bad_request'],
  [['api.example.com'], 'api.example.com', 70000, 'bad_request'],
];

describe('egress policy: checkTarget', () => {
  for (const [allow, host, port, expected] of TABLE) {
    it(`${JSON.stringify(allow)}: ${host}:${port} → ${expected}`, () => {
      const r = checkTarget(policy(allow), host, port);
      const got = !r.allowed ? r.reason : r.kind === 'ip' ? 'ip' : 'resolve';
      assert.equal(got, expected, JSON.stringify(r));
    });
  }

  it('open mode allows any name and any port, but still refuses IP literals and localhost', () => {
    const p = policy([], 'open');
    assert.equal(checkTarget(p, 'anything.example', 22).allowed, true);
    assert.equal((checkTarget(p, '93.184.216.34', 443) as { reason: string }).reason, 'ip_literal');
    assert.equal((checkTarget(p, 'localhost', 443) as { reason: string }).reason, 'private_address');
  });

  it('mode none refuses everything', () => {
    assert.equal(
      (checkTarget(policy(['a.example'], 'none'), 'a.example', 443) as { reason: string }).reason,
      'network_none',
    );
  });

  it('marks exactly listed host:port entries so their loopback resolution is accepted', () => {
    const p = policy(['api.wave.test:8080', '*.wave.test:8080']);
    const exact = checkTarget(p, 'api.wave.test', 8080);
    const suffix = checkTarget(p, 'other.wave.test', 8080);
    assert.ok(exact.allowed && exact.kind === 'name' && exact.exact);
    assert.ok(suffix.allowed && suffix.kind === 'name' && !suffix.exact);
  });
});

describe('egress policy: checkAddresses (after host-side resolution)', () => {
  const cases: Array<[string[], boolean, string]> = [
    [['93.184.216.34'], false, 'allow'],
    [['2606:2800:220:1:248:1893:25c8:1946'], false, 'allow'],
    [['127.0.0.1'], false, 'private_address'],
    [['93.184.216.34', '127.0.0.1'], false, 'private_address'], // ANY bad address refuses the name
    [['10.0.0.1'], false, 'private_address'],
    [['172.16.5.4'], false, 'private_address'],
    [['192.168.1.1'], false, 'private_address'],
    [['169.254.169.254'], false, 'private_address'],
    [['100.64.0.1'], false, 'private_address'],
    [['224.0.0.1'], false, 'private_address'],
    [['255.255.255.255'], false, 'private_address'],
    [['0.0.0.0'], false, 'private_address'],
    [['240.0.0.1'], false, 'private_address'],
    [['::1'], false, 'private_address'],
    [['::'], false, 'private_address'],
    [['fd12::1'], false, 'private_address'],
    [['fe80::1'], false, 'private_address'],
    [['ff02::1'], false, 'private_address'],
    [['::ffff:127.0.0.1'], false, 'private_address'],
    [['::ffff:10.0.0.1'], false, 'private_address'],
    [['64:ff9b::7f00:1'], false, 'private_address'],
    [['64:ff9b::a9fe:a9fe'], false, 'private_address'],
    [['2002:7f00:1::1'], false, 'private_address'],
    [['2002:c0a8:101::1'], false, 'private_address'],
    [['127.0.0.1'], true, 'allow'], // exact host:port listed
    [['::1'], true, 'allow'],
    [[], false, 'dns_failed'],
    [['not-an-ip'], false, 'dns_failed'],
  ];
  for (const [addresses, exact, expected] of cases) {
    it(`${JSON.stringify(addresses)} exact=${exact} → ${expected}`, () => {
      const r = checkAddresses(addresses, exact);
      assert.equal(r.allowed ? 'allow' : r.reason, expected, JSON.stringify(r));
    });
  }

  it('dials the first checked address, unmapped to v4', () => {
    assert.deepEqual(checkAddresses(['::ffff:93.184.216.34', '93.184.216.35'], false), {
      allowed: true,
      address: '93.184.216.34',
    });
  });
});

describe('egress policy: normalisation and parsing', () => {
  it('normalises names and numeric forms', () => {
    assert.deepEqual(normaliseHost('Example.COM.'), { kind: 'name', name: 'example.com' });
    assert.deepEqual(normaliseHost('bücher.example'), { kind: 'name', name: 'xn--bcher-kva.example' });
    for (const form of ['127.1', '0x7f.0.0.1', '0177.0.0.1', '2130706433', '[::ffff:127.0.0.1]']) {
      const n = normaliseHost(form);
      assert.equal(n.kind, 'ip', form);
      assert.equal(n.kind === 'ip' && n.text, '127.0.0.1', form);
    }
    assert.equal(normaliseHost('[::1]').kind, 'ip');
  });

  it('parses allow entries and rejects bad ones with a message', () => {
    assert.deepEqual(parseAllowEntry('api.example.com:8443'), {
      raw: 'api.example.com:8443',
      kind: 'exact',
      host: 'api.example.com',
      port: 8443,
    });
    assert.equal((parseAllowEntry('*.example.com') as { kind: string }).kind, 'suffix');
    assert.equal((parseAllowEntry('10.0.0.0/8') as { kind: string }).kind, 'cidr');
    assert.equal((parseAllowEntry('[fd00::/8]:443') as { port: number }).port, 443);
    for (const bad of [
      '',
      '*',
      '*.com',
      'a.*.example.com',
      'api.example.com:0',
      'api.example.com:99999',
      '10.0.0.1/8',
      '10.0.0.0/33',
      'a b',
    ]) {
      assert.ok('error' in parseAllowEntry(bad), bad);
    }
  });

  it('compilePolicy validates the override table', () => {
    const { errors, policy: p } = compilePolicy({
      mode: 'allowlist',
      allow: [],
      hosts: { 'API.Wave.Test.': '127.0.0.1', 'x.test': 'not-an-ip', '1.2.3.4': '1.2.3.4' },
    });
    assert.equal(errors.length, 2);
    assert.equal(p.hosts.get('api.wave.test'), '127.0.0.1');
  });

  it('parses CONNECT authorities', () => {
    assert.deepEqual(parseAuthority('a.example:443'), { host: 'a.example', port: 443 });
    assert.deepEqual(parseAuthority('[::1]:8080'), { host: '[::1]', port: 8080 });
    for (const bad of ['a.example', 'a.example:', ':443', 'a.example:99999', '::1:443', 'a:b:443'])
      assert.equal(parseAuthority(bad), undefined, bad);
  });

  it('classifies addresses and CIDRs', () => {
    assert.equal(classifyIp(parseIp('100.127.255.255')!), 'cgnat');
    assert.equal(classifyIp(parseIp('100.128.0.0')!), 'public');
    assert.equal(classifyIp(parseIp('172.32.0.1')!), 'public');
    assert.equal(classifyIp(parseIp('2001:db8::1')!), 'reserved');
    assert.ok(parseCidr('fd00::/8'));
    assert.equal(parseCidr('fd00::1/8'), undefined);
  });
});
