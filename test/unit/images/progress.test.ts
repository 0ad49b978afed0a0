import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureHint } from '../../../src/images/build-one.js';
import { BuildStreamParser, simplifyError } from '../../../src/images/progress.js';
import type { BuildProgress } from '../../../src/images/types.js';

const line = (o: object): string => `${JSON.stringify(o)}\r\n`;

describe('build progress stream', () => {
  it('reports steps and output even when messages are split across chunks', () => {
    const events: BuildProgress[] = [];
    const parser = new BuildStreamParser('claude', (e) => events.push(e));
    const raw =
      line({ stream: 'Step 1/2 : FROM wave/base:latest' }) +
      line({ stream: '\n' }) +
      line({ stream: ' ---> 0123abcd\n' }) +
      line({ stream: 'Step 2/2 : RUN npm install -g x\n' }) +
      line({ stream: 'added 3 packages\n' }) +
      line({ aux: { ID: 'sha256:feed' } }) +
      line({ stream: 'Successfully built feedfeedfeed\n' });
    parser.write(raw.slice(0, 17));
    parser.write(raw.slice(17, 120));
    parser.write(raw.slice(120));
    const outcome = parser.end();
    assert.equal(outcome.imageId, 'sha256:feed');
    assert.equal(outcome.error, undefined);
    const steps = events.filter((e) => e.message.startsWith('Step')).map((e) => e.step);
    assert.deepEqual(steps, [
      { index: 1, total: 2, instruction: 'FROM wave/base:latest' },
      { index: 2, total: 2, instruction: 'RUN npm install -g x' },
    ]);
    assert.ok(events.some((e) => e.message === 'added 3 packages' && e.step?.index === 2));
    assert.ok(events.every((e) => e.image === 'claude' && e.phase === 'build'));
  });

  it('keeps the failing step and its output (colours and builder noise stripped)', () => {
    const parser = new BuildStreamParser('claude', () => {});
    parser.write(line({ stream: 'Step 6/11 : RUN npm install -g @scope/pkg@1.0.0\n' }));
    parser.write(line({ stream: ' ---> Running in a67e577290bf\n' }));
    parser.write(line({ stream: '\u001b[91mnpm ERR! code SELF_SIGNED_CERT_IN_CHAIN\n\u001b[0m' }));
    parser.write(line({ stream: 'Removing intermediate container a67e577290bf\n' }));
    parser.write(
      line({
        errorDetail: {
          code: 1,
          message: "The command '/bin/sh -c npm install -g @scope/pkg@1.0.0' returned a non-zero code: 1",
        },
        error: "The command '/bin/sh -c npm install -g @scope/pkg@1.0.0' returned a non-zero code: 1",
      }),
    );
    const outcome = parser.end();
    assert.equal(outcome.error, 'the command exited with code 1');
    assert.equal(outcome.failedStep, 'step 6/11 (RUN npm install -g @scope/pkg@1.0.0)');
    assert.deepEqual(outcome.stepOutput, ['npm ERR! code SELF_SIGNED_CERT_IN_CHAIN']);
    assert.match(failureHint(outcome.stepOutput, '/ctx'), /--extra-ca/);
  });

  it('leaves other builder errors as they are', () => {
    assert.equal(simplifyError('pull access denied for x'), 'pull access denied for x');
    assert.match(failureHint(['E: Unable to locate package foo'], '/ctx'), /\/ctx.*--no-cache/);
  });
});
