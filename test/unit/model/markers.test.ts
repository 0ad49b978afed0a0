// Which script entry answers a request: the step's marker, and after a context relay `<step>.relay-<n>` when the
// script has it (else the step's own turns).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findScriptedStepIn } from '../../../src/model/markers.js';

const has =
  (...ids: string[]) =>
  (id: string) =>
    ids.includes(id);

describe('findScriptedStepIn', () => {
  it("a step's first instance: its own entry", () => {
    assert.equal(findScriptedStepIn(['wave-step: work\nwave-attempt: 1'], has('work', 'work.relay-1')), 'work');
  });
  it('a fresh instance after relay n: <step>.relay-<n> when scripted', () => {
    const texts = ['wave-step: work\nwave-attempt: 1\nwave-relay: 2'];
    assert.equal(findScriptedStepIn(texts, has('work', 'work.relay-2')), 'work.relay-2');
    assert.equal(findScriptedStepIn(texts, has('work', 'work.relay-1')), 'work');
  });
  it('no step marker: nothing, whatever else the texts say', () => {
    assert.equal(findScriptedStepIn(['wave-relay: 1'], has('work')), undefined);
  });
});
