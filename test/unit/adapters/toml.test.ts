// The TOML files Wave writes for agent CLIs (Codex's config.toml, Gemini's policy), read back by a strict TOML 1.0
// parser: the Gemini policy once went out through JSON.stringify, which leaves DEL raw and writes lone surrogates
// as \ud800, both invalid TOML that the CLI's parser refuses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as readToml } from 'smol-toml';
import { codexConfigToml, projectCodexPermissions } from '../../../src/adapters/codex/index.js';
import { geminiPolicyToml, projectGeminiPermissions } from '../../../src/adapters/gemini/index.js';

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

describe('the files Wave writes are valid TOML', () => {
  it("codex's config.toml keeps instructions and gateway URL exactly", () => {
    const instructions = TRICKY.join('\n');
    const permissions = projectCodexPermissions({ allowed_tools: ['*'], deny: [] });
    const doc = readToml(codexConfigToml({ instructions, gatewayBaseUrl: 'http://127.0.0.1:4002/v1', permissions }));
    assert.equal(
      doc.developer_instructions,
      instructions.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
    );
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
  it('lone surrogates become U+FFFD (UTF-8 cannot carry them); pairs stay', () => {
    const permissions = projectCodexPermissions({ allowed_tools: ['*'], deny: [] });
    const doc = readToml(
      codexConfigToml({ instructions: 'a\ud800b\udc00c\ud83d\ude00', gatewayBaseUrl: 'http://x', permissions }),
    );
    assert.equal(doc.developer_instructions, 'a\ufffdb\ufffdc😀');
  });

  it('an empty rule list is a valid policy file', () => {
    assert.deepEqual({ ...readToml(geminiPolicyToml([])) }, {});
  });
});
