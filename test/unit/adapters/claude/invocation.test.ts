// The Claude Code invocation: argv, env, files and stdin for a step (agent-clis.md §1.1, §1.2, §1.4), and the
// projection of persona permission rules into Claude's rule syntax.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentInvocationInput } from '../../../../src/adapters/index.js';
import { claudeAdapter, projectClaudePermissions, projectClaudeRule } from '../../../../src/adapters/claude/index.js';
import { WaveError } from '../../../../src/errors.js';

const PROMPT = 'PROMPT-MARKER-7f3a: map this repository and write /wave/out/analysis.json';
const INSTRUCTIONS = '# Navigator\n\nINSTRUCTIONS-MARKER-91c2: you read; you never change the code.\n';
const KEY = 'wave-placeholder-key-0b5e';

/** The navigator persona of defaults/wave.yaml. */
function input(overrides: Partial<AgentInvocationInput> = {}): AgentInvocationInput {
  return {
    prompt: PROMPT,
    instructions: INSTRUCTIONS,
    model: 'claude-sonnet-4-5',
    permissions: {
      allowed_tools: [
        'Read',
        'Glob',
        'Grep',
        'Bash(git log*)',
        'Bash(git show*)',
        'Bash(git diff*)',
        'Bash(ls*)',
        'Write(/wave/out/*)',
      ],
      deny: ['Edit(/wave/src/*)', 'Write(/wave/src/*)'],
    },
    paths: { src: '/wave/src', in: '/wave/in', out: '/wave/out', meta: '/wave/meta', home: '/home/wave' },
    gateway: { baseUrl: 'http://127.0.0.1:41001', apiKey: KEY },
    maxTurns: 40,
    ...overrides,
  };
}

describe('claude invocation', () => {
  it('builds the exact headless argv for a sample persona', () => {
    assert.deepEqual(claudeAdapter.invocation(input()).argv, [
      'claude',
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--model',
      'claude-sonnet-4-5',
      '--append-system-prompt-file',
      '/wave/meta/instructions.md',
      '--permission-mode',
      'dontAsk',
      '--allowedTools',
      'Read,Glob,Grep,Bash(git log*),Bash(git show*),Bash(git diff*),Bash(ls*),Edit(//wave/out/**)',
      '--disallowedTools',
      'Edit(//wave/src/**)',
      '--add-dir',
      '/wave/out',
      '--settings',
      '/wave/meta/claude-settings.json',
      '--setting-sources',
      'user',
      '--strict-mcp-config',
      '--mcp-config',
      '{"mcpServers":{}}',
      '--no-session-persistence',
      '--max-turns',
      '40',
    ]);
  });

  it('omits --max-turns without a limit and empty tool lists', () => {
    const { maxTurns: _limit, ...unlimited } = input({ permissions: { allowed_tools: [], deny: [] } });
    const argv = claudeAdapter.invocation(unlimited).argv;
    assert.ok(!argv.includes('--max-turns'));
    assert.ok(!argv.includes('--allowedTools'));
    assert.ok(!argv.includes('--disallowedTools'));
    assert.equal(argv[argv.indexOf('--permission-mode') + 1], 'dontAsk');
    assert.equal(argv.at(-1), '--no-session-persistence');
  });

  it("'*' in allowed_tools runs in bypassPermissions with the deny rules kept", () => {
    const inv = claudeAdapter.invocation(
      input({ permissions: { allowed_tools: ['*', 'Read'], deny: ['Bash(git push*)', 'Bash(sudo*)'] } }),
    );
    assert.equal(inv.argv[inv.argv.indexOf('--permission-mode') + 1], 'bypassPermissions');
    assert.ok(!inv.argv.includes('--allowedTools'));
    assert.equal(inv.argv[inv.argv.indexOf('--disallowedTools') + 1], 'Bash(git push*),Bash(sudo*)');
    const settings = JSON.parse(inv.files['claude-settings.json']!) as { permissions: Record<string, unknown> };
    assert.equal(settings.permissions.defaultMode, 'bypassPermissions');
    assert.equal(settings.permissions.disableBypassPermissionsMode, undefined);
  });

  it('puts the prompt on stdin only: never on argv, in env or in files', () => {
    const inv = claudeAdapter.invocation(input());
    assert.equal(inv.stdin, PROMPT);
    for (const a of inv.argv) assert.ok(!a.includes('PROMPT-MARKER'), a);
    for (const v of Object.values(inv.env)) assert.ok(!v.includes('PROMPT-MARKER'));
    for (const v of Object.values(inv.files)) assert.ok(!v.includes('PROMPT-MARKER'));
  });

  it('puts the instructions in files[instructions.md] and passes the file by flag, never the text', () => {
    const inv = claudeAdapter.invocation(input());
    assert.equal(inv.files['instructions.md'], INSTRUCTIONS);
    for (const a of inv.argv) assert.ok(!a.includes('INSTRUCTIONS-MARKER'), a);
    assert.deepEqual(Object.keys(inv.files).sort(), ['claude-settings.json', 'instructions.md']);
  });

  it('sets exactly the adapter env: no host variable leaks in', () => {
    const saved = { ...process.env };
    process.env.AWS_SECRET_ACCESS_KEY = 'host-secret';
    process.env.ANTHROPIC_API_KEY = 'sk-ant-host-real-key';
    process.env.ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
    try {
      const inv = claudeAdapter.invocation(input());
      assert.deepEqual(inv.env, {
        ANTHROPIC_BASE_URL: 'http://127.0.0.1:41001',
        ANTHROPIC_API_KEY: KEY,
        CLAUDE_CONFIG_DIR: '/home/wave/.claude',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
        DISABLE_TELEMETRY: '1',
        DISABLE_ERROR_REPORTING: '1',
        DISABLE_BUG_COMMAND: '1',
        CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: '1',
        DISABLE_COST_WARNINGS: '1',
      });
      for (const v of Object.values(inv.env)) assert.ok(!v.includes('host'), v);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it('places the key and base URL in env only, never on argv or in files; no IS_SANDBOX', () => {
    const inv = claudeAdapter.invocation(input({ gateway: { baseUrl: 'http://127.0.0.1:41001/', apiKey: KEY } }));
    assert.equal(inv.env.ANTHROPIC_API_KEY, KEY);
    assert.equal(inv.env.ANTHROPIC_BASE_URL, 'http://127.0.0.1:41001', 'trailing slash removed');
    assert.equal(inv.env.IS_SANDBOX, undefined);
    assert.equal(inv.env.ANTHROPIC_AUTH_TOKEN, undefined);
    for (const a of inv.argv) assert.ok(!a.includes(KEY) && !a.includes('127.0.0.1'), a);
    for (const v of Object.values(inv.files)) assert.ok(!v.includes(KEY) && !v.includes('127.0.0.1'));
    assert.equal(inv.argv[inv.argv.indexOf('--model') + 1], 'claude-sonnet-4-5');
  });

  it('writes a settings file with the permission rules, quiet env and the built-in sandbox off', () => {
    const inv = claudeAdapter.invocation(input());
    const settings = JSON.parse(inv.files['claude-settings.json']!) as Record<string, unknown>;
    assert.deepEqual(settings, {
      $schema: 'https://json.schemastore.org/claude-code-settings.json',
      permissions: {
        allow: [
          'Read',
          'Glob',
          'Grep',
          'Bash(git log*)',
          'Bash(git show*)',
          'Bash(git diff*)',
          'Bash(ls*)',
          'Edit(//wave/out/**)',
        ],
        ask: [],
        deny: ['Edit(//wave/src/**)'],
        defaultMode: 'dontAsk',
        additionalDirectories: ['/wave/out'],
        disableBypassPermissionsMode: 'disable',
      },
      env: {
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
        DISABLE_TELEMETRY: '1',
        DISABLE_ERROR_REPORTING: '1',
        DISABLE_BUG_COMMAND: '1',
        CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: '1',
        DISABLE_COST_WARNINGS: '1',
      },
      sandbox: { enabled: false },
      cleanupPeriodDays: 1,
      includeCoAuthoredBy: false,
    });
  });

  it('is deterministic and does not mutate its input', () => {
    const i = input();
    const before = JSON.stringify(i);
    assert.deepEqual(claudeAdapter.invocation(i), claudeAdapter.invocation(i));
    assert.equal(JSON.stringify(i), before);
  });

  it('rejects inputs that would turn into flags or broken values', () => {
    const bad: Partial<AgentInvocationInput>[] = [
      { model: '' },
      { model: '--dangerously-skip-permissions' },
      { model: 'claude sonnet' },
      { maxTurns: 0 },
      { maxTurns: 2.5 },
      { maxTurns: -1 },
      { gateway: { baseUrl: 'not a url', apiKey: KEY } },
      { gateway: { baseUrl: 'file:///etc/passwd', apiKey: KEY } },
      { gateway: { baseUrl: 'http://127.0.0.1:1', apiKey: '' } },
      { paths: { src: '/wave/src', in: '/wave/in', out: '/wave/out', meta: '/wave/meta', home: 'relative/home' } },
      { permissions: { allowed_tools: ['Bash(git log*'], deny: [] } },
      { permissions: { allowed_tools: [], deny: ['Read)'] } },
    ];
    for (const b of bad) assert.throws(() => claudeAdapter.invocation(input(b)), WaveError, JSON.stringify(b));
  });

  it('accepts model aliases and [1m] model ids', () => {
    for (const model of ['sonnet', 'opus', 'claude-opus-4-1', 'claude-opus-5[1m]']) {
      const argv = claudeAdapter.invocation(input({ model })).argv;
      assert.equal(argv[argv.indexOf('--model') + 1], model);
    }
  });
});

describe('claude permission projection: one rule', () => {
  // [persona rule, Claude rules]
  const table: [string, string[]][] = [
    // R3 bare tool names
    ['Read', ['Read']],
    ['Glob', ['Glob']],
    ['Grep', ['Grep']],
    ['Edit', ['Edit']],
    ['Write', ['Write']],
    ['Bash', ['Bash']],
    ['WebFetch', ['WebFetch']],
    ['WebSearch', ['WebSearch']],
    ['Task', ['Task']],
    ['TodoWrite', ['TodoWrite']],
    ['NotebookEdit', ['NotebookEdit']],
    ['mcp__github__create_issue', ['mcp__github__create_issue']],
    ['  Read  ', ['Read']],
    ['Bash(*)', ['Bash']],
    ['Read(*)', ['Read']],
    ['Write()', ['Write']],
    // R4 Bash specs pass through (current wildcard form; legacy :* understood too)
    ['Bash(git log*)', ['Bash(git log*)']],
    ['Bash(git log *)', ['Bash(git log *)']],
    ['Bash(ls*)', ['Bash(ls*)']],
    ['Bash(sudo*)', ['Bash(sudo*)']],
    ['Bash(curl*)', ['Bash(curl*)']],
    ['Bash(git push*)', ['Bash(git push*)']],
    ['Bash(npm run test:*)', ['Bash(npm run test:*)']],
    ['Bash(rm -rf *)', ['Bash(rm -rf *)']],
    ['Bash(npm test)', ['Bash(npm test)']],
    ['Bash(git * main)', ['Bash(git * main)']],
    // R5-R7 file-writing tools → Edit, absolute paths → //, trailing /* → /**
    ['Write(/wave/out/*)', ['Edit(//wave/out/**)']],
    ['Write(/etc/*)', ['Edit(//etc/**)']],
    ['Edit(/wave/src/*)', ['Edit(//wave/src/**)']],
    ['MultiEdit(/wave/src/*)', ['Edit(//wave/src/**)']],
    ['NotebookEdit(/wave/out/*)', ['Edit(//wave/out/**)']],
    ['Write(/wave/out/)', ['Edit(//wave/out/**)']],
    ['Write(/wave/out/**)', ['Edit(//wave/out/**)']],
    ['Write(/wave/out/report.md)', ['Edit(//wave/out/report.md)']],
    ['Write(/wave/out/*.json)', ['Edit(//wave/out/*.json)']],
    ['Write(//etc/*)', ['Edit(//etc/**)']],
    ['Edit(src/*)', ['Edit(src/**)']],
    ['Edit(./src/*)', ['Edit(./src/**)']],
    ['Edit(~/.bashrc)', ['Edit(~/.bashrc)']],
    ['Edit(*.lock)', ['Edit(*.lock)']],
    // R5-R7 read-only tools → Read
    ['Read(/wave/in/*)', ['Read(//wave/in/**)']],
    ['Read(/etc/shadow)', ['Read(//etc/shadow)']],
    ['Read(./.env)', ['Read(./.env)']],
    ['Read(.env*)', ['Read(.env*)']],
    ['Read(~/.ssh/*)', ['Read(~/.ssh/**)']],
    ['Glob(/wave/src/*)', ['Read(//wave/src/**)']],
    ['Grep(/wave/src/*)', ['Read(//wave/src/**)']],
    // R8 other specs pass through
    ['WebFetch(domain:docs.anthropic.com)', ['WebFetch(domain:docs.anthropic.com)']],
    ['Task(Explore)', ['Task(Explore)']],
    ['mcp__github__get_issue(owner:x)', ['mcp__github__get_issue(owner:x)']],
    // R9 blanks
    ['', []],
    ['   ', []],
  ];
  for (const [persona, claude] of table) {
    it(`${JSON.stringify(persona)} → ${JSON.stringify(claude)}`, () =>
      assert.deepEqual(projectClaudeRule(persona), claude));
  }

  for (const bad of ['Bash(git log*', 'Read)', '(x)', 'Bash git', 'Re ad', '1Read', 'Write(/a)(b', 'Bash(x)y']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => projectClaudeRule(bad), WaveError));
  }
});

describe('claude permission projection: whole lists', () => {
  it('removes duplicates after projection and keeps order', () => {
    assert.deepEqual(
      projectClaudePermissions({
        allowed_tools: ['Read', 'Glob', 'Read'],
        deny: ['Edit(/wave/src/*)', 'Write(/wave/src/*)', 'Write(/wave/src/**)'],
      }),
      { mode: 'dontAsk', allow: ['Read', 'Glob'], deny: ['Edit(//wave/src/**)'] },
    );
  });

  it("'*' allowed → bypassPermissions; '*' denied → nothing allowed, dontAsk (deny wins)", () => {
    assert.deepEqual(projectClaudePermissions({ allowed_tools: ['*'], deny: [] }), {
      mode: 'bypassPermissions',
      allow: [],
      deny: [],
    });
    assert.deepEqual(projectClaudePermissions({ allowed_tools: [' * '], deny: ['Bash'] }), {
      mode: 'bypassPermissions',
      allow: [],
      deny: ['Bash'],
    });
    assert.deepEqual(projectClaudePermissions({ allowed_tools: ['*'], deny: ['*'] }), {
      mode: 'dontAsk',
      allow: [],
      deny: [],
    });
    assert.deepEqual(projectClaudePermissions({ allowed_tools: ['Read'], deny: ['*', 'Bash'] }), {
      mode: 'dontAsk',
      allow: [],
      deny: ['Bash'],
    });
  });

  it('projects every default persona of defaults/wave.yaml', () => {
    const cases: [string[], string[], string[], string[]][] = [
      // adapter defaults
      [
        ['Read', 'Glob', 'Grep'],
        ['Bash(sudo*)', 'Bash(curl*)', 'Bash(wget*)'],
        ['Read', 'Glob', 'Grep'],
        ['Bash(sudo*)', 'Bash(curl*)', 'Bash(wget*)'],
      ],
      // craftsman
      [
        ['Read', 'Glob', 'Grep', 'Edit', 'Write', 'Bash'],
        ['Bash(git push*)', 'Bash(sudo*)'],
        ['Read', 'Glob', 'Grep', 'Edit', 'Write', 'Bash'],
        ['Bash(git push*)', 'Bash(sudo*)'],
      ],
      // summarizer-like: no Bash at all
      [
        ['Read', 'Glob', 'Grep', 'Write(/wave/out/*)'],
        ['Edit(/wave/src/*)', 'Write(/wave/src/*)', 'Bash'],
        ['Read', 'Glob', 'Grep', 'Edit(//wave/out/**)'],
        ['Edit(//wave/src/**)', 'Bash'],
      ],
    ];
    for (const [allowed_tools, deny, allow, denyOut] of cases) {
      assert.deepEqual(projectClaudePermissions({ allowed_tools, deny }), { mode: 'dontAsk', allow, deny: denyOut });
    }
  });
});
