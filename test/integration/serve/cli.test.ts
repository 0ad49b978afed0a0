// `wave serve` as a user starts it: on loopback with a free port, printing the address and the login link once;
// refusing a weak token or a bad port; stopping cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runWave, spawnWave } from '../../support/run-cli.js';

function tempProject(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'wave-serve-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('wave serve', () => {
  it('serves on loopback, prints the login link, and stops on SIGTERM', async () => {
    const dir = tempProject();
    const child = spawnWave(['-o', 'json', 'serve', '--port', '0'], dir);
    try {
      const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
      const printed = JSON.parse(chunk.toString()) as { url: string; login: string; exposed: boolean };
      assert.match(printed.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.equal(printed.exposed, false);
      assert.equal((await fetch(printed.url)).status, 200, 'loopback: pages are readable without a session');
      const login = await fetch(printed.login, { redirect: 'manual' });
      assert.equal(login.status, 303);
      assert.match(login.headers.get('set-cookie') ?? '', /wave_session_\d+=.+HttpOnly/);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses a weak token and a bad port with a usage error', () => {
    const dir = tempProject();
    const weak = runWave(['serve', '--port', '0', '--token', 'short'], dir);
    assert.equal(weak.status, 2);
    assert.match(weak.stderr, /--token: at least 16 characters/);
    const port = runWave(['serve', '--port', 'http'], dir);
    assert.equal(port.status, 2);
    assert.match(port.stderr, /--port http: expected a whole number from 0 to 65535/);
  });
});
