// The one TOML writer (src/adapters/toml.ts) against a reader that applies TOML's rules, not JSON's: the Gemini
// policy once went out through JSON.stringify, which leaves DEL raw and writes lone surrogates as \ud800, both
// invalid TOML that the CLI's parser refuses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codexConfigToml, projectCodexPermissions } from '../../../src/adapters/codex.js';
import { geminiPolicyToml, projectGeminiPermissions } from '../../../src/adapters/gemini-policy.js';
import { tomlKey, tomlString, tomlValue } from '../../../src/adapters/toml.js';
import { readToml } from '../../support/toml.js';

const TRICKY = [
  '',
  'plain',
  'say "hi"',
  'C:\\path\\to\\file',
  '\\u0041 is not an escape here',
  'line one\nline two\r\nline three',
  'tab\there',
  'nul\u0000 bel\u0007 esc\u001b us\u001f del\u007f',
  'line\u2028para\u2029sep',
  'é ß 中文 😀 \u{10ffff}',
  '"""triple""" and \'\'\'literal\'\'\'',
  '# not a comment ] [ = ,',
  'trailing backslash \\',
];

describe('tomlString', () => {
  for (const text of TRICKY) {
    it(`round-trips ${JSON.stringify(text)}`, () => {
      const written = `k = ${tomlString(text)}\n`;
      assert.equal(readToml(written).k, text);
      assert.equal(written.split('\n').length, 2, 'one line');
    });
  }

  it('lone surrogates become U+FFFD (UTF-8 cannot carry them); pairs stay', () => {
    assert.equal(readToml(`k = ${tomlString('a\ud800b\udc00c\ud83d\ude00')}\n`).k, 'a\ufffdb\ufffdc😀');
  });

  it('the reader refuses what JSON.stringify writes and TOML forbids', () => {
    assert.throws(() => readToml(`k = ${JSON.stringify('a\u007fb')}\n`), /control character/);
    assert.throws(() => readToml(`k = ${JSON.stringify('a\ud800b')}\n`), /non-scalar/);
    assert.throws(() => readToml('k = "\\/"\n'), /unknown escape/);
    assert.throws(() => readToml('k = 1\nk = 2\n'), /defined twice/);
  });
});

describe('tomlKey and tomlValue', () => {
  const keys = ['bare_key-1', 'a.b', 'with space', 'quo"te', 'back\\slash', 'é', '', '[x]', '=', 'new\nline'];
  for (const key of keys) {
    it(`key ${JSON.stringify(key)} round-trips as a key and in a table header`, () => {
      assert.deepEqual(readToml(`${tomlKey(key)} = 1\n`), { [key]: 1 });
      assert.deepEqual(readToml(`[t.${tomlKey(key)}]\nv = true\n`), { t: { [key]: { v: true } } });
    });
  }

  it('keys that may be bare stay bare', () => {
    assert.equal(tomlKey('model_providers'), 'model_providers');
    assert.equal(tomlKey('a.b'), '"a.b"');
  });

  it('numbers, booleans and arrays', () => {
    const value = [1, -2, 0.5, true, false, ['x"y', 'z\u007f']] as const;
    assert.deepEqual(readToml(`v = ${tomlValue(value)}\n`).v, [1, -2, 0.5, true, false, ['x"y', 'z\u007f']]);
    assert.throws(() => tomlValue(Number.NaN));
    assert.throws(() => tomlValue(Number.POSITIVE_INFINITY));
  });
});

describe('the files Wave writes are valid TOML', () => {
  it("codex's config.toml keeps instructions and gateway URL exactly", () => {
    const instructions = TRICKY.join('\n');
    const permissions = projectCodexPermissions({ allowed_tools: ['*'], deny: [] });
    const doc = readToml(codexConfigToml({ instructions, gatewayBaseUrl: 'http://127.0.0.1:4002/v1', permissions }));
    assert.equal(doc.developer_instructions, instructions);
    const providers = doc.model_providers as Record<string, Record<string, unknown>>;
    assert.equal(providers.wave?.base_url, 'http://127.0.0.1:4002/v1');
  });

  it("gemini's policy keeps patterns built from tricky paths exactly", () => {
    const rules = projectGeminiPermissions(
      { allowed_tools: ['Write(/wave/out/a"b\\c\u007f\ud800*)'], deny: ['Bash(echo "é\u2028"*)'] },
      { src: '/wave/src', home: '/home/wave' },
    );
    const doc = readToml(geminiPolicyToml(rules)) as { rule: Array<Record<string, unknown>> };
    assert.equal(doc.rule.length, rules.length);
    doc.rule.forEach((r, i) => {
      const want = rules[i]!;
      assert.equal(r.argsPattern, want.argsPattern);
      assert.equal(r.priority, want.priority);
    });
  });
});
