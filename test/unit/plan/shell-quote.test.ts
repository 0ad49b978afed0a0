// Placeholders in command scripts are quoted for their place, so a hostile input stays data. Each rendered script
// is run by the host's sh: the value must come out byte for byte, and nothing in it may run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { WaveError } from '../../../src/errors.js';
import { findTemplateVars, renderTemplate, shellPlaces, shellQuote } from '../../../src/plan/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wave-shell-quote-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const marker = path.join(dir, 'pwned');

const HOSTILE = [
  `$(touch ${marker})`,
  `\`touch ${marker}\``,
  "'",
  "it's",
  `'; touch ${marker}; '`,
  `"; touch ${marker}; "`,
  `a\nb\n`,
  `x\ntouch ${marker}\n`,
  '\\',
  '\\$HOME',
  '$HOME ${HOME} $(( 1 + 1 ))',
  `'"'"'$(touch ${marker})'"'"'`,
  '',
  '  spaces  and\ttabs  ',
  '*',
  '-n',
];

const ctx = (input: string) => ({
  input,
  runId: 'r-1',
  stepId: 's',
  pipelineName: 'p',
  deps: { a: { out: '/wave/in/a/my file.txt' } },
});
const render = (script: string, input: string) => renderTemplate(script, ctx(input), 'test', { syntax: 'shell' });

/** Runs the script with sh and, where installed, bash too: both must read the quoting the same way. */
function run(script: string): string {
  const shells = ['sh', ...(spawnSync('bash', ['-c', 'true']).status === 0 ? ['bash'] : [])];
  const outputs = shells.map((shell) => {
    const res = spawnSync(shell, ['-c', script], { cwd: dir, encoding: 'utf8' });
    assert.equal(res.status, 0, `${shell} failed on ${JSON.stringify(script)}: ${res.stderr}`);
    return res.stdout;
  });
  for (const out of outputs) assert.equal(out, outputs[0], `the shells disagree on ${JSON.stringify(script)}`);
  return outputs[0] as string;
}

describe('command scripts: placeholders are shell-quoted for their place', () => {
  const scripts: Array<[string, (v: string) => string]> = [
    ["printf '%s' {{ input }}", (v) => v],
    ["printf '%s' x{{ input }}y", (v) => `x${v}y`],
    ["printf '%s' '<{{ input }}>'", (v) => `<${v}>`],
    [`printf '%s' "<{{ input }}>"`, (v) => `<${v}>`],
    ["printf '%s' \"$(printf '%s' {{ input }})\"", (v) => v.replace(/\n+$/, '')],
    [`printf '%s' "$(printf '%s' "{{ input }}")"`, (v) => v.replace(/\n+$/, '')],
    ['v={{ input }}; printf \'%s\' "$v"', (v) => v],
    ["printf '%s' \"$(case x in x) printf '%s' {{ input }};; esac)\"", (v) => v.replace(/\n+$/, '')],
  ];
  for (const [script, expected] of scripts) {
    it(script, () => {
      for (const value of HOSTILE) {
        const rendered = render(script, value);
        assert.equal(run(rendered), expected(value), `value ${JSON.stringify(value)} → ${JSON.stringify(rendered)}`);
        assert.equal(existsSync(marker), false, `value ${JSON.stringify(value)} ran code: ${JSON.stringify(rendered)}`);
      }
    });
  }

  it('$(id) becomes one single-quoted word', () => {
    assert.equal(render('echo {{ input }}', '$(id)'), "echo '$(id)'");
    assert.equal(render('echo {{ input }}', "it's"), "echo 'it'\\''s'");
    assert.equal(render("echo '{{ input }}'", "it's"), "echo 'it'\\''s'");
    assert.equal(render('echo "{{ input }}"', '`id`'), `echo ""'\`id\`'""`);
    assert.equal(shellQuote('a\nb'), "'a\nb'");
  });

  it('dependency paths and the other values are quoted too', () => {
    assert.equal(render('cat {{ deps.a.out }}', ''), "cat '/wave/in/a/my file.txt'");
    assert.equal(render('echo {{ run.id }} {{ step_id }} {{ pipeline_name }}', ''), "echo 'r-1' 's' 'p'");
  });

  it('prompts keep plain rendering', () => {
    assert.equal(renderTemplate('Review {{ input }}.', ctx("$(id) it's")), "Review $(id) it's.");
  });

  it('an escaped \\{{ stays literal and does not shift the quoting of the next placeholder', () => {
    assert.equal(render("docker ps --format '\\{{.ID}}' {{ input }}", '$(id)'), "docker ps --format '{{.ID}}' '$(id)'");
  });

  const unsafe: Array<[string, RegExp]> = [
    ['cat <<EOF\n{{ input }}\nEOF', /inside a here-document/],
    ["cat <<'EOF'\n{{ input }}\nEOF", /inside a here-document/],
    ['cat <<-EOF\n\t{{ input }}\n\tEOF', /inside a here-document/],
    ['echo `echo {{ input }}`', /inside backticks/],
    ['echo "`echo {{ input }}`"', /inside backticks/],
    ['echo ${X:-{{ input }}}', /inside \$\{…\}/],
    ['echo $(( {{ input }} + 1 ))', /inside \$\(\(…\)\)/],
    ['true # {{ input }}', /inside a comment/],
    ['cat <<{{ input }}\nx\n', /here-document delimiter/],
  ];
  for (const [script, reason] of unsafe) {
    it(`refuses ${JSON.stringify(script)}`, () => {
      assert.throws(
        () => render(script, '$(id)'),
        (err: unknown) => err instanceof WaveError && reason.test(err.message) && /WAVE_INPUT/.test(err.hint ?? ''),
      );
    });
  }

  it('after a here-document ends, placeholders are words again', () => {
    const script = "cat <<EOF\nplain $HOME\nEOF\nprintf '%s' {{ input }}";
    assert.deepEqual(
      shellPlaces(script, findTemplateVars(script)).map((p) => p.kind),
      ['word'],
    );
    assert.equal(run(render(script, `$(touch ${marker})`)).endsWith(`$(touch ${marker})`), true);
    assert.equal(existsSync(marker), false);
  });

  it('a # inside a word is not a comment', () => {
    const script = "printf '%s' a#{{ input }} $#";
    assert.deepEqual(
      shellPlaces(script, findTemplateVars(script)).map((p) => p.kind),
      ['word'],
    );
  });
});
