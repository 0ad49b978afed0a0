import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WaveError } from '../../../src/errors.js';
import {
  domainCovers,
  editDistance,
  formatProblem,
  parseDuration,
  parseMemory,
  problemsToError,
  suggest,
} from '../../../src/config/index.js';

describe('parseMemory', () => {
  const ok: Array<[string | number, number]> = [
    ['4g', 4 * 1024 ** 3],
    ['512m', 512 * 1024 ** 2],
    ['2GiB', 2 * 1024 ** 3],
    ['2GB', 2 * 1024 ** 3],
    ['1.5g', 1.5 * 1024 ** 3],
    ['800k', 800 * 1024],
    ['1024b', 1024],
    ['1024', 1024],
    [' 1 t ', 1024 ** 4],
    [1073741824, 1073741824],
  ];
  for (const [input, bytes] of ok)
    it(`${JSON.stringify(input)} → ${bytes}`, () => assert.equal(parseMemory(input), bytes));
  for (const bad of ['', 'four', '4 gigs', '-1g', '4x', '5ib', 0, -5, 1.5]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseMemory(bad), undefined));
  }
});

describe('parseMemory: the Kubernetes-style spellings the sandbox profile uses', () => {
  const ok: Array<[string, number]> = [
    ['100Mi', 100 * 1024 ** 2],
    ['1Gi', 1024 ** 3],
    ['1.5KiB', 1536],
    ['10mib', 10 * 1024 ** 2],
  ];
  for (const [input, bytes] of ok) it(`${input} → ${bytes}`, () => assert.equal(parseMemory(input), bytes));
  for (const bad of ['5i', '1Gx', '9999999999t', '1e3m']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseMemory(bad), undefined));
  }
});

describe('parseDuration', () => {
  const ok: Array<[string, number]> = [
    ['100ms', 100],
    ['1s', 1000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['0', 0],
  ];
  for (const [input, ms] of ok) it(`${input} → ${ms}`, () => assert.equal(parseDuration(input), ms));
  for (const bad of ['', '5', 'soon', '1d', '1s2', 's'])
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseDuration(bad), undefined));
});

describe('parseDuration with days (ages such as wave clean --older-than)', () => {
  const day = 86_400_000;
  const ok: Array<[string, number]> = [
    ['7d', 7 * day],
    ['1w', 7 * day],
    ['2w3d', 17 * day],
    ['1d12h', 1.5 * day],
    ['12h', day / 2],
    ['0', 0],
  ];
  for (const [input, ms] of ok) it(`${input} → ${ms}`, () => assert.equal(parseDuration(input, { days: true }), ms));
  for (const bad of ['', '7x', '1 week', '-1d', 'd', '1w1', '7D']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseDuration(bad, { days: true }), undefined));
  }
});

describe('suggest', () => {
  it('handles transpositions as one edit', () => {
    assert.equal(editDistance('dependecies', 'dependencies'), 1);
    assert.equal(editDistance('ab', 'ba'), 1);
  });
  it('suggests close keys and nothing for unrelated words', () => {
    assert.equal(suggest('dependecies', ['dependencies', 'persona']), 'dependencies');
    assert.equal(suggest('PERSONA', ['persona']), 'persona');
    assert.equal(suggest('flavour', ['persona', 'adapter', 'model']), undefined);
    assert.equal(suggest('x', ['r']), undefined);
  });
});

describe('formatProblem / problemsToError', () => {
  it('formats file:line:col: severity: message, hint on its own line', () => {
    assert.equal(
      formatProblem({ severity: 'error', file: 'wave.yaml', line: 3, column: 5, message: 'bad', hint: 'fix it' }),
      'wave.yaml:3:5: error: bad\n  hint: fix it',
    );
    assert.equal(formatProblem({ severity: 'warning', file: 'p.yaml', message: 'm' }), 'p.yaml: warning: m');
  });
  it('builds one WaveError with every problem in details, sorted', () => {
    const err = problemsToError('pipeline_invalid', [
      { severity: 'error', file: 'p.yaml', line: 9, column: 1, message: 'second' },
      { severity: 'warning', file: 'p.yaml', line: 1, column: 1, message: 'note' },
      { severity: 'error', file: 'p.yaml', line: 2, column: 1, message: 'first' },
    ]);
    assert.ok(err instanceof WaveError);
    assert.equal(err.code, 'pipeline_invalid');
    assert.equal(err.message, 'invalid pipeline p.yaml: 2 errors');
    assert.deepEqual(err.details, [
      'p.yaml:1:1: warning: note',
      'p.yaml:2:1: error: first',
      'p.yaml:9:1: error: second',
    ]);
  });
  it('a single error is the message itself', () => {
    const err = problemsToError('manifest_invalid', [
      { severity: 'error', file: 'w.yaml', line: 1, column: 2, message: 'oops' },
    ]);
    assert.equal(err.message, 'invalid manifest: w.yaml:1:2: error: oops');
  });
});

describe('domainCovers (step sandbox narrowing)', () => {
  const cases: Array<[string, string, boolean]> = [
    ['api.github.com', 'api.github.com', true],
    ['*.github.com', 'api.github.com', true],
    ['*.github.com', '*.api.github.com', true],
    ['*.github.com', 'github.com', false],
    ['*.github.com', 'evilgithub.com', false],
    ['api.github.com', '*.github.com', false],
  ];
  for (const [rule, domain, expected] of cases)
    it(`${rule} covers ${domain}: ${expected}`, () => assert.equal(domainCovers(rule, domain), expected));
});
