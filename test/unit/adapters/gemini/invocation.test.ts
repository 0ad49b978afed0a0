// The Gemini CLI invocation (agent-clis.md §3.1, §3.4): argv, env, files, HOME files and stdin, and the
// projection of persona permissions into a policy file (§3.2). What each flag and setting does was checked on the
// pinned 0.61.0 (see the comments in src/adapters/gemini/ and test/e2e/gemini.test.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AgentInvocationInput } from '../../../../src/adapters/index.js';
import {
  geminiAdapter,
  geminiPolicyToml,
  projectGeminiPermissions,
  projectGeminiRule,
  type GeminiPolicyRule,
} from '../../../../src/adapters/gemini/index.js';
import { WaveError } from '../../../../src/errors.js';
import { parse as readToml } from 'smol-toml';

const PROMPT = 'PROMPT-MARKER-5d1e: map this repository and write /wave/out/analysis.json';
const INSTRUCTIONS = '# Navigator\n\nINSTRUCTIONS-MARKER-c4a9: you read; you never change the code.\n';
const KEY = 'wave-placeholder-key-77aa';
const CTX = { src: '/wave/src', home: '/home/wave' };

function input(overrides: Partial<AgentInvocationInput> = {}): AgentInvocationInput {
  return {
    prompt: PROMPT,
    instructions: INSTRUCTIONS,
    model: 'gemini-2.5-flash',
    permissions: { allowed_tools: ['*'], deny: [] },
    paths: { src: '/wave/src', in: '/wave/in', out: '/wave/out', meta: '/wave/meta', home: '/home/wave' },
    gateway: { baseUrl: 'http://127.0.0.1:4003/', apiKey: KEY },
    ...overrides,
  };
}

/** The policy file's TOML, read by TOML's rules (smol-toml, a strict TOML 1.0 parser). */
function parseToml(text: string): { rule?: Record<string, unknown>[] } {
  return readToml(text);
}

/** The policy file as the CLI's TOML parser sees it. */
function policyOf(files: Record<string, string>): { rule?: Record<string, unknown>[] } {
  const text = files['gemini-policy.toml'];
  assert.ok(text !== undefined, 'the policy file is written');
  return parseToml(text);
}

/** How the CLI (0.61.0 policy-engine.ts stableStringify) renders arguments for argsPattern: sorted keys, each top-level pair between NULs. */
function stableArgs(args: Record<string, unknown>): string {
  return `{${Object.keys(args)
    .sort()
    .map((k) => `\0${JSON.stringify(k)}:${JSON.stringify(args[k])}\0`)
    .join(',')}}`;
}

/** The decision the rules give a call, as the CLI decides it: highest priority first, yolo allows the rest. */
function decide(rules: GeminiPolicyRule[], tool: string, args: Record<string, unknown>): 'allow' | 'deny' {
  const sorted = [...rules].sort((a, b) => b.priority - a.priority);
  for (const rule of sorted) {
    const names = Array.isArray(rule.toolName) ? rule.toolName : [rule.toolName];
    if (!names.includes('*') && !names.includes(tool)) continue;
    if (rule.argsPattern !== undefined && !new RegExp(rule.argsPattern).test(stableArgs(args))) continue;
    if (rule.commandPrefix !== undefined) {
      // 0.61.0 buildArgsPatterns: `"command":"<prefix>` followed by whitespace, a quote, or an escaped quote.
      const prefix = JSON.stringify(rule.commandPrefix)
        .slice(0, -1)
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (!new RegExp(`"command":${prefix}(?:[\\s"]|\\\\")`).test(stableArgs(args))) continue;
    }
    return rule.decision;
  }
  return 'allow';
}

describe('gemini invocation', () => {
  it('builds the headless argv: stream-json, model, yolo, the policy file, /wave/out and /wave/in, --skip-trust; no prompt', () => {
    assert.deepEqual(geminiAdapter.invocation(input()).argv, [
      'gemini',
      '--output-format',
      'stream-json',
      '--model',
      'gemini-2.5-flash',
      '--approval-mode',
      'yolo',
      '--policy',
      '/wave/meta/gemini-policy.toml',
      '--include-directories',
      '/wave/out',
      '--include-directories',
      '/wave/in',
      '--skip-trust',
    ]);
  });

  it('puts the prompt on stdin only and the instructions in ~/.gemini/GEMINI.md only', () => {
    const inv = geminiAdapter.invocation(input());
    assert.equal(inv.stdin, PROMPT);
    assert.equal(inv.homeFiles?.['.gemini/GEMINI.md'], INSTRUCTIONS);
    const elsewhere = JSON.stringify([inv.argv, inv.env, inv.files, inv.homeFiles?.['.gemini/settings.json']]);
    assert.ok(!elsewhere.includes('PROMPT-MARKER'), 'the prompt is nowhere else');
    assert.ok(!elsewhere.includes('INSTRUCTIONS-MARKER'), 'the instructions are nowhere else');
  });

  it('env: the gateway URL and key, HOME pinned, quiet; no trust variable, no SANDBOX, no other credential', () => {
    assert.deepEqual(geminiAdapter.invocation(input()).env, {
      GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:4003',
      GEMINI_API_KEY: KEY,
      GEMINI_CLI_HOME: '/home/wave',
      GEMINI_TELEMETRY_ENABLED: 'false',
      NO_COLOR: '1',
      GEMINI_CLI_NO_RELAUNCH: 'true',
    });
  });

  it('settings: API-key auth without the .env-reloading key check, no .env files, trust checks kept, the image seed carried over', () => {
    const inv = geminiAdapter.invocation(input({ maxTurns: 30 }));
    const settings = JSON.parse(inv.homeFiles?.['.gemini/settings.json'] ?? '{}') as Record<
      string,
      Record<string, unknown>
    >;
    assert.deepEqual(settings.security, {
      auth: { selectedType: 'gemini-api-key', useExternal: true },
      folderTrust: { enabled: true },
    });
    assert.deepEqual(settings.advanced, { ignoreLocalEnv: true });
    assert.deepEqual(settings.model, { maxSessionTurns: 30 });
    // Every setting of the image's seed is still there: the step's file replaces it in HOME.
    const seedFile = fileURLToPath(new URL('../../../../images/gemini/home/.gemini/settings.json', import.meta.url));
    const seed = JSON.parse(readFileSync(seedFile, 'utf8')) as Record<string, Record<string, unknown>>;
    for (const [section, values] of Object.entries(seed)) {
      for (const [key, value] of Object.entries(values))
        assert.deepEqual(settings[section]?.[key], value, `${section}.${key}`);
    }
    assert.equal(
      JSON.parse(geminiAdapter.invocation(input()).homeFiles?.['.gemini/settings.json'] ?? '{}').model,
      undefined,
    );
  });

  it('refuses a model that would route between models, or that is not a plain id', () => {
    for (const model of ['auto', 'auto-gemini-2.5', '', ' ', '--yolo', 'a b']) {
      assert.throws(
        () => geminiAdapter.invocation(input({ model })),
        (e: unknown) => e instanceof WaveError && e.code === 'manifest_invalid',
        model,
      );
    }
  });

  it('refuses a bad gateway, an empty key, a relative HOME, a bad maxTurns', () => {
    const bad: Partial<AgentInvocationInput>[] = [
      { gateway: { baseUrl: 'not a url', apiKey: KEY } },
      { gateway: { baseUrl: 'file:///x', apiKey: KEY } },
      { gateway: { baseUrl: 'http://127.0.0.1:4003', apiKey: '' } },
      { paths: { src: '/wave/src', in: '/wave/in', out: '/wave/out', meta: '/wave/meta', home: 'home' } },
      { maxTurns: 0 },
      { maxTurns: 1.5 },
    ];
    for (const o of bad) assert.throws(() => geminiAdapter.invocation(input(o)), WaveError, JSON.stringify(o));
  });
});

describe('gemini permissions → policy', () => {
  it("'*' with no deny: an empty policy (yolo allows everything)", () => {
    const inv = geminiAdapter.invocation(input());
    assert.deepEqual(policyOf(inv.files).rule ?? [], []);
  });

  it('a persona that denies Bash: the shell tools get a deny rule without args pattern (removed from the session)', () => {
    const rules = projectGeminiPermissions({ allowed_tools: ['*'], deny: ['Bash'] }, CTX);
    assert.deepEqual(rules, [
      {
        toolName: ['run_shell_command', 'list_background_processes', 'read_background_output'],
        decision: 'deny',
        priority: 900,
        denyMessage: "Denied by the persona's permissions (Wave).",
      },
    ]);
    assert.equal(decide(rules, 'run_shell_command', { command: 'ls' }), 'deny');
    assert.equal(decide(rules, 'write_file', { file_path: '/wave/out/a', content: '' }), 'allow');
  });

  it('an allowlist without Bash: a catch-all deny under the allow rules, so the shell is refused', () => {
    const rules = projectGeminiPermissions(
      { allowed_tools: ['Read', 'Glob', 'Grep', 'Write(/wave/out/*)'], deny: [] },
      CTX,
    );
    assert.equal(decide(rules, 'run_shell_command', { command: 'ls' }), 'deny');
    assert.equal(decide(rules, 'web_fetch', { prompt: 'x' }), 'deny');
    assert.equal(decide(rules, 'read_file', { file_path: '/etc/hostname' }), 'allow');
    assert.equal(decide(rules, 'grep_search', { pattern: 'x' }), 'allow');
    assert.equal(decide(rules, 'write_file', { file_path: '/wave/out/a.md', content: 'x' }), 'allow');
    assert.equal(decide(rules, 'write_file', { file_path: '/wave/out/sub/b.md', content: 'x' }), 'allow');
    assert.equal(
      decide(rules, 'replace', { file_path: '/wave/out/a.md', old_string: 'a', new_string: 'b', instruction: 'i' }),
      'allow',
    );
    assert.equal(decide(rules, 'write_file', { file_path: '/wave/src/a.md', content: 'x' }), 'deny');
    assert.equal(
      decide(rules, 'write_file', { file_path: '/wave/out/../src/a.md', content: 'x' }),
      'deny',
      '.. cannot ride on the allow rule',
    );
    assert.equal(
      decide(rules, 'write_file', { file_path: '/wave/out/x', content: '", "file_path": "/wave/out/' }),
      'allow',
    );
    assert.equal(
      decide(rules, 'write_file', { content: '\0"file_path":"/wave/out/x', file_path: '/etc/passwd' }),
      'deny',
      'content cannot fake the path',
    );
  });

  it("Bash specs: 'x *' is a prefix with a word boundary, 'x*' any text, 'x' exact, legacy 'x:*' a prefix", () => {
    const rules = projectGeminiPermissions(
      {
        allowed_tools: ['Bash(git log*)', 'Bash(ls *)', 'Bash(npm test)', 'Bash(make:*)', 'Bash(git * main)'],
        deny: ['Bash(git log --all*)'],
      },
      CTX,
    );
    const shell = (command: string) => decide(rules, 'run_shell_command', { command });
    assert.equal(shell('git log -p'), 'allow');
    assert.equal(shell('git logx'), 'allow');
    assert.equal(shell('git log --all'), 'deny', 'deny wins');
    assert.equal(shell('ls -la /wave'), 'allow');
    assert.equal(shell('ls'), 'allow');
    assert.equal(shell('lsof'), 'deny');
    assert.equal(shell('npm test'), 'allow');
    assert.equal(shell('npm test --watch'), 'deny');
    assert.equal(shell('make build'), 'allow');
    assert.equal(shell('git push origin main'), 'allow');
    assert.equal(shell('git push origin dev'), 'deny');
    assert.equal(shell('rm -rf /'), 'deny');
    assert.deepEqual(projectGeminiRule('Bash(ls *)', 'allow', CTX), [
      { toolName: 'run_shell_command', commandPrefix: 'ls', decision: 'allow' },
    ]);
  });

  it('a deny spec with a wildcard reaches further than the same allow (denying more, never less)', () => {
    const [rule] = projectGeminiRule('Bash(curl * evil)', 'deny', CTX);
    const rules = [{ ...rule!, priority: 900 }];
    assert.equal(decide(rules, 'run_shell_command', { command: 'curl -H "x: y" evil' }), 'deny');
  });

  it('path specs: relative to the source, ~ to HOME, // as absolute; Glob/Grep/LS match dir_path', () => {
    const rules = projectGeminiPermissions(
      { allowed_tools: ['*'], deny: ['Write(docs/*)', 'Read(~/.ssh/*)', 'Edit(//etc/*)', 'Grep(/wave/in/*)'] },
      CTX,
    );
    assert.equal(decide(rules, 'write_file', { file_path: '/wave/src/docs/a.md', content: '' }), 'deny');
    assert.equal(decide(rules, 'write_file', { file_path: '/wave/src/a.md', content: '' }), 'allow');
    assert.equal(decide(rules, 'read_file', { file_path: '/home/wave/.ssh/id_rsa' }), 'deny');
    assert.equal(
      decide(rules, 'replace', { file_path: '/etc/hosts', old_string: '', new_string: '', instruction: '' }),
      'deny',
    );
    assert.equal(decide(rules, 'grep_search', { pattern: 'x', dir_path: '/wave/in/a' }), 'deny');
    assert.equal(decide(rules, 'grep_search', { pattern: 'x', dir_path: '/wave/src' }), 'allow');
  });

  it("'*' in deny denies every tool; deny beats '*' in allowed_tools", () => {
    const rules = projectGeminiPermissions({ allowed_tools: ['*', 'Read'], deny: ['*'] }, CTX);
    assert.deepEqual(
      rules.map((r) => [r.toolName, r.decision]),
      [['*', 'deny']],
    );
    assert.equal(decide(rules, 'read_file', { file_path: '/wave/src/a' }), 'deny');
  });

  it('names: Gemini tool names pass through, MCP tools become mcpName rules, unknown names stay as they are', () => {
    assert.deepEqual(projectGeminiRule('save_memory', 'deny', CTX), [{ toolName: ['save_memory'], decision: 'deny' }]);
    assert.deepEqual(projectGeminiRule('mcp__github__create_issue', 'deny', CTX), [
      { toolName: 'create_issue', mcpName: 'github', decision: 'deny' },
    ]);
    assert.deepEqual(projectGeminiRule('mcp__my_srv', 'allow', CTX), [
      { toolName: '*', mcpName: 'my_srv', decision: 'allow' },
    ]);
    assert.deepEqual(projectGeminiRule('WebFetch(domain:example.com)', 'allow', CTX), [
      { toolName: ['web_fetch'], decision: 'allow' },
    ]);
    assert.deepEqual(projectGeminiRule('Read(*)', 'allow', CTX), [{ toolName: ['read_file'], decision: 'allow' }]);
    assert.deepEqual(projectGeminiRule('  ', 'allow', CTX), []);
  });

  it('a rule that is not Tool or Tool(spec) is a manifest error', () => {
    for (const bad of ['Bash(ls', '(x)', 'Read Write', '1Tool']) {
      assert.throws(
        () => projectGeminiRule(bad, 'allow', CTX),
        (e: unknown) => e instanceof WaveError && e.code === 'manifest_invalid',
        bad,
      );
    }
  });

  it('duplicates are removed, order kept', () => {
    const rules = projectGeminiPermissions({ allowed_tools: ['Read', 'Read', 'Glob'], deny: ['Bash', 'Bash'] }, CTX);
    assert.equal(rules.filter((r) => JSON.stringify(r.toolName) === '["read_file"]').length, 1);
    assert.equal(rules.filter((r) => r.decision === 'deny' && r.priority === 900).length, 1);
  });

  it('the TOML round-trips through a TOML parser, patterns and NULs intact, and no pattern looks like a nested quantifier', () => {
    const rules = projectGeminiPermissions(
      {
        allowed_tools: ['Read', 'Write(/wave/out/*)', 'Bash(git log*)', 'Bash(echo "(a)"*)'],
        deny: ['Bash(rm*)', 'Write(/wave/out/a(1)*)'],
      },
      CTX,
    );
    const parsed = parseToml(geminiPolicyToml(rules)) as { rule: Record<string, unknown>[] };
    assert.equal(parsed.rule.length, rules.length);
    parsed.rule.forEach((r, i) => {
      const want = rules[i]!;
      assert.deepEqual(
        r.toolName,
        Array.isArray(want.toolName) && want.toolName.length === 1 ? want.toolName[0] : want.toolName,
      );
      assert.equal(r.argsPattern, want.argsPattern);
      assert.equal(r.decision, want.decision);
      assert.equal(r.priority, want.priority);
      if (typeof r.argsPattern === 'string') {
        assert.doesNotThrow(() => new RegExp(r.argsPattern as string));
        // 0.61.0 isSafeRegExp drops such rules as a ReDoS risk.
        assert.ok(!/\([^)]*[*+?{].*\)[*+?{]/.test(r.argsPattern), r.argsPattern);
      }
    });
    assert.ok(
      parsed.rule.some(
        (r) =>
          typeof r.argsPattern === 'string' &&
          r.argsPattern.includes('\0') === false &&
          r.argsPattern.startsWith('\\0'),
      ),
    );
  });
});
