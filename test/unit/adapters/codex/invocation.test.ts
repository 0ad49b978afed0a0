// The Codex CLI invocation: argv, env, HOME files and stdin for a step (agent-clis.md §4.1, §4.2), and the
// projection of persona permission rules onto Codex's levers (shell tool switch, execpolicy rules, web search,
// sub-agents). The config keys below were each checked against the pinned 0.169.0 binary with --strict-config.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentInvocationInput } from '../../../../src/adapters/index.js';
import {
  codexAdapter,
  codexCommandPrefix,
  codexConfigToml,
  codexRules,
  projectCodexPermissions,
} from '../../../../src/adapters/codex/index.js';
import { WaveError } from '../../../../src/errors.js';

const PROMPT = 'PROMPT-MARKER-7f3a: write /wave/out/result.json';
const INSTRUCTIONS = '# Wave step protocol\nwave-step: build\n\nINSTRUCTIONS-MARKER-91c2: "quote" and \\ backslash\n';
const KEY = 'wave-placeholder-key-0b5e';

function input(overrides: Partial<AgentInvocationInput> = {}): AgentInvocationInput {
  return {
    prompt: PROMPT,
    instructions: INSTRUCTIONS,
    model: 'gpt-5-codex',
    permissions: { allowed_tools: ['*'], deny: ['Bash(sudo*)', 'Bash(curl*)'] },
    paths: { src: '/wave/src', in: '/wave/in', out: '/wave/out', meta: '/wave/meta', home: '/home/wave' },
    gateway: { baseUrl: 'http://127.0.0.1:4002/v1', apiKey: KEY },
    maxTurns: 40,
    ...overrides,
  };
}

describe('codex invocation', () => {
  it('builds the exact headless argv: exec --json, no sandbox of its own, cwd and out dir, prompt on stdin', () => {
    assert.deepEqual(codexAdapter.invocation(input()).argv, [
      'codex',
      'exec',
      '--json',
      '--strict-config',
      '--skip-git-repo-check',
      '--ephemeral',
      '--sandbox',
      'danger-full-access',
      '-m',
      'gpt-5-codex',
      '-C',
      '/wave/src',
      '--add-dir',
      '/wave/out',
      '-',
    ]);
  });

  it('the prompt is stdin only; no prompt, instruction or key text on argv', () => {
    const inv = codexAdapter.invocation(input());
    assert.equal(inv.stdin, PROMPT);
    const argv = inv.argv.join('\n');
    for (const secret of [PROMPT, 'INSTRUCTIONS-MARKER', KEY]) assert.ok(!argv.includes(secret), secret);
  });

  it('env is exactly the provider key variable holding the gateway key; nothing goes to /wave/meta', () => {
    const inv = codexAdapter.invocation(input());
    assert.deepEqual(inv.env, { OPENAI_API_KEY: KEY });
    assert.deepEqual(inv.files, {});
  });

  it("web search is the provider's server-side tool: off unless the persona's provider_tools lists web_search", () => {
    const config = (providerTools?: AgentInvocationInput['providerTools']) =>
      codexAdapter.invocation(input(providerTools ? { providerTools } : {})).homeFiles?.['.codex/config.toml'] ?? '';
    assert.match(config(), /^web_search = "disabled"$/m, 'allowed_tools * alone does not switch it on');
    assert.match(config(['web_fetch', 'mcp']), /^web_search = "disabled"$/m);
    assert.doesNotMatch(config(['web_search']), /^web_search/m);
  });

  it('HOME gets config.toml (gateway provider, quiet settings, instructions) and the Bash deny rules', () => {
    const inv = codexAdapter.invocation(input({ providerTools: ['web_search'] }));
    assert.deepEqual(Object.keys(inv.homeFiles ?? {}).sort(), ['.codex/config.toml', '.codex/rules/wave.rules']);
    assert.equal(
      inv.homeFiles?.['.codex/config.toml'],
      [
        '# Written by Wave for one step; replaces the image seed (whose settings are repeated here).',
        'model_provider = "wave"',
        'approval_policy = "never"',
        'sandbox_mode = "danger-full-access"',
        'check_for_update_on_startup = false',
        'developer_instructions = "# Wave step protocol\\nwave-step: build\\n\\nINSTRUCTIONS-MARKER-91c2: \\"quote\\" and \\\\ backslash\\n"',
        '',
        '[analytics]',
        'enabled = false',
        '',
        '[feedback]',
        'enabled = false',
        '',
        '[history]',
        'persistence = "none"',
        '',
        '[features]',
        'plugins = false',
        '',
        '[model_providers.wave]',
        'name = "Wave model gateway"',
        'base_url = "http://127.0.0.1:4002/v1"',
        'env_key = "OPENAI_API_KEY"',
        'wire_api = "responses"',
        '',
      ].join('\n'),
    );
    assert.equal(
      inv.homeFiles?.['.codex/rules/wave.rules'],
      [
        "# Written by Wave: the persona's Bash denials. Enforced by Codex as a second layer.",
        'prefix_rule(pattern=["sudo"], decision="forbidden", justification="`sudo` is denied by the persona\'s permissions")',
        'prefix_rule(pattern=["curl"], decision="forbidden", justification="`curl` is denied by the persona\'s permissions")',
        '',
      ].join('\n'),
    );
  });

  it("carries over every setting of the image's seed config", () => {
    const toml = codexAdapter.invocation(input()).homeFiles?.['.codex/config.toml'] ?? '';
    assert.match(toml, /^check_for_update_on_startup = false$/m);
    assert.match(toml, /^\[analytics\]\nenabled = false$/m);
  });

  it('a trailing slash on the gateway URL is dropped; no rules file without Bash denials', () => {
    const inv = codexAdapter.invocation(
      input({
        gateway: { baseUrl: 'http://127.0.0.1:4002/v1/', apiKey: KEY },
        permissions: { allowed_tools: ['*'], deny: [] },
      }),
    );
    assert.match(inv.homeFiles?.['.codex/config.toml'] ?? '', /^base_url = "http:\/\/127\.0\.0\.1:4002\/v1"$/m);
    assert.equal(inv.homeFiles?.['.codex/rules/wave.rules'], undefined);
  });

  it('rejects unusable models, gateway URLs, keys and HOME as manifest errors', () => {
    const bad: Partial<AgentInvocationInput>[] = [
      { model: '' },
      { model: '--yolo' },
      { model: 'gpt 5' },
      { gateway: { baseUrl: 'not a url', apiKey: KEY } },
      { gateway: { baseUrl: 'file:///etc/passwd', apiKey: KEY } },
      { gateway: { baseUrl: 'http://127.0.0.1:4002/v1', apiKey: '' } },
      { paths: { src: '/wave/src', in: '/wave/in', out: '/wave/out', meta: '/wave/meta', home: 'home' } },
    ];
    for (const b of bad) {
      assert.throws(
        () => codexAdapter.invocation(input(b)),
        (e: unknown) => e instanceof WaveError && e.code === 'manifest_invalid',
        JSON.stringify(b),
      );
    }
  });
});

describe('codex permission projection', () => {
  const project = (allowed_tools: string[], deny: string[]) => projectCodexPermissions({ allowed_tools, deny });

  it("'*' keeps every tool; Bash prefixes in deny become forbidden rules, de-duplicated", () => {
    assert.deepEqual(project(['*'], ['Bash(git push*)', 'Bash(rm -rf*)', 'Bash(git push*)', 'Write(/wave/src/*)']), {
      shell: true,
      forbiddenPrefixes: [
        ['git', 'push'],
        ['rm', '-rf'],
      ],
      webSearch: true,
      subagents: true,
    });
  });

  it('Bash in deny, Bash(*) in deny, or * in deny switch the shell off (and drop the prefix rules)', () => {
    for (const deny of [['Bash'], ['Bash(*)'], ['Bash( * )'], ['*'], ['Bash(rm*)', 'Bash']]) {
      const p = project(['*'], deny);
      assert.equal(p.shell, false, JSON.stringify(deny));
      assert.deepEqual(p.forbiddenPrefixes, []);
    }
    assert.deepEqual(project(['*'], ['*']), {
      shell: false,
      forbiddenPrefixes: [],
      webSearch: false,
      subagents: false,
    });
  });

  it('a closed allowed_tools list without any Bash rule has no shell; one with a Bash prefix keeps it (no default-deny in execpolicy)', () => {
    assert.equal(project(['Read', 'Glob', 'Grep', 'Write(/wave/out/*)'], []).shell, false);
    assert.equal(project(['Read', 'Bash(git log*)'], []).shell, true);
    assert.equal(project(['Read', 'Bash'], []).shell, true);
    assert.equal(project([], []).shell, false);
  });

  it('web search and sub-agents follow the same rule', () => {
    assert.deepEqual(project(['Read', 'WebFetch', 'Task'], []), {
      shell: false,
      forbiddenPrefixes: [],
      webSearch: true,
      subagents: true,
    });
    assert.deepEqual(project(['*'], ['WebSearch', 'Task']), {
      shell: true,
      forbiddenPrefixes: [],
      webSearch: false,
      subagents: false,
    });
    assert.equal(
      project(['*'], ['WebFetch(domain:example.org)']).webSearch,
      true,
      'a scoped deny does not remove the tool',
    );
  });

  it('command prefixes: cut at the first *, legacy :* dropped, whole tokens', () => {
    assert.deepEqual(codexCommandPrefix('rm -rf*'), ['rm', '-rf']);
    assert.deepEqual(codexCommandPrefix('npm test:*'), ['npm', 'test']);
    assert.deepEqual(codexCommandPrefix('git * main'), ['git']);
    assert.deepEqual(codexCommandPrefix('  git   log '), ['git', 'log']);
    assert.equal(codexCommandPrefix('*'), undefined);
  });

  it('malformed rules are manifest errors', () => {
    for (const rule of ['Bash(', 'two words', '(x)']) {
      assert.throws(
        () => project(['*'], [rule]),
        (e: unknown) => e instanceof WaveError && e.code === 'manifest_invalid',
        rule,
      );
    }
    assert.throws(() => project(['*'], ['Bash(rm\u0007x)']), WaveError);
  });

  it('a shell-less persona: config switches the shell tool, web search and sub-agents off; no rules file', () => {
    const permissions = project(['Read', 'Glob', 'Grep'], ['Write', 'Edit']);
    const toml = codexConfigToml({ instructions: 'x', gatewayBaseUrl: 'http://127.0.0.1:4002/v1', permissions });
    assert.match(toml, /^web_search = "disabled"$/m);
    assert.match(toml, /^\[features\]\nplugins = false\nshell_tool = false\n\n\[agents\]\nenabled = false\n/m);
    assert.equal(codexRules(permissions), undefined);
    const inv = codexAdapter.invocation(input({ permissions: { allowed_tools: ['Read'], deny: ['Bash(rm*)'] } }));
    assert.equal(inv.homeFiles?.['.codex/rules/wave.rules'], undefined);
  });

  it('rule strings are escaped for Starlark', () => {
    const rules = codexRules({
      shell: true,
      forbiddenPrefixes: [['echo', '"x"', 'a\\b']],
      webSearch: true,
      subagents: true,
    });
    assert.match(rules ?? '', /pattern=\["echo", "\\"x\\"", "a\\\\b"\]/);
  });
});

describe('what codex cannot refuse (validate-time warnings)', () => {
  it('an allow list of shell commands and path rules are reported; a denied shell and prefix denials are not', async () => {
    const { codexUnenforceable } = await import('../../../../src/adapters/codex/index.js');
    const warnings = codexUnenforceable({
      allowed_tools: ['Read', 'Bash(git log*)', 'Write(/wave/out/*)'],
      deny: ['Edit(/wave/src/*)'],
    });
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, /Bash\(git log\*\).*whole shell or none/);
    assert.match(warnings[1]!, /Write\(\/wave\/out\/\*\), Edit\(\/wave\/src\/\*\)/);
    assert.deepEqual(codexUnenforceable({ allowed_tools: ['*'], deny: ['Bash(rm*)', 'Bash'] }), []);
    assert.deepEqual(codexUnenforceable({ allowed_tools: ['Read', 'Bash(git log*)'], deny: ['Bash'] }), []);
    assert.deepEqual(codexUnenforceable({ allowed_tools: ['Read', 'Bash(git log*)'], deny: ['*'] }), []);
  });
});
