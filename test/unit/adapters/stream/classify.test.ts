// The one failure classifier every adapter's stream hands its evidence to: the order of the evidence, and the
// classes of HTTP statuses and error texts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyErrorText, classifyFailure, classifyHttpStatus } from '../../../../src/adapters/stream/classify.js';

describe('classifyFailure: the strongest evidence first', () => {
  it('the class the CLI reports beats the status, the status beats the texts', () => {
    const texts = ['Too many requests'];
    const otherwise = 'unknown';
    const reported = 'context_exhausted';
    assert.equal(classifyFailure({ reported, status: 429, texts, otherwise }), 'context_exhausted');
    assert.equal(classifyFailure({ status: 529, texts, otherwise }), 'provider_error');
    assert.equal(classifyFailure({ status: 400, texts, otherwise }), 'rate_limit', 'a status that says nothing');
  });

  it('the hint only when the texts say nothing, `otherwise` when nothing is known', () => {
    const hint = 'rate_limit';
    assert.equal(classifyFailure({ texts: ['request failed'], hint, otherwise: 'unknown' }), 'rate_limit');
    assert.equal(classifyFailure({ texts: ['prompt is too long'], hint, otherwise: 'unknown' }), 'context_exhausted');
    assert.equal(classifyFailure({ texts: ['something odd'], otherwise: 'exit' }), 'exit');
    assert.equal(classifyFailure({ otherwise: 'unknown' }), 'unknown');
  });
});

describe('classifyHttpStatus and classifyErrorText', () => {
  it('401, 402 and 403 are auth: the key, the account or the permission is refused, and will be again', () => {
    for (const status of [401, 402, 403]) assert.equal(classifyHttpStatus(status), 'auth', String(status));
    assert.equal(classifyHttpStatus(429), 'rate_limit');
    assert.equal(classifyHttpStatus(413), 'context_exhausted');
    assert.equal(classifyHttpStatus(503), 'provider_error');
    assert.equal(classifyHttpStatus(400), undefined);
  });

  it("reads each provider's wording", () => {
    assert.equal(classifyErrorText('unexpected status 401 Unauthorized: Incorrect API key provided'), 'auth');
    assert.equal(classifyErrorText('{"type":"authentication_error","message":"invalid x-api-key"}'), 'auth');
    assert.equal(classifyErrorText('[API Error: {"error":{"code":403,"status":"PERMISSION_DENIED"}}]'), 'auth');
    assert.equal(classifyErrorText('API key not valid. Please pass a valid API key.'), 'auth');
    assert.equal(classifyErrorText("Codex ran out of room in the model's context window."), 'context_exhausted');
    assert.equal(classifyErrorText('[API Error: Resource has been exhausted (e.g. check quota).]'), 'rate_limit');
    assert.equal(classifyErrorText('[API Error: {"error":{"code":500,"status":"INTERNAL"}}]'), 'provider_error');
    const fileError = 'EACCES: permission denied, open /wave/src/x';
    assert.equal(classifyErrorText(fileError), undefined, 'a file error is no refused key');
    assert.equal(classifyErrorText(''), undefined);
  });
});
