// Browser tests drive Debian's chromium (headless, no sandbox inside the test container, no background traffic)
// through playwright-core; no browser is ever downloaded. Without /usr/bin/chromium they are skipped locally and
// fail under CI=true, like the Docker tests.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { dockerRequired } from './docker.js';

export const CHROMIUM = process.env.WAVE_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** false when the browser tests can run; otherwise why they are skipped. */
export function browserSkip(): false | string {
  if (existsSync(CHROMIUM)) return false;
  const reason = `no chromium at ${CHROMIUM} (apt-get install chromium)`;
  if (dockerRequired()) throw new Error(`${reason}; browser tests are required under CI=true`);
  return reason;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-sync',
      '--no-first-run',
      '--metrics-recording-only',
    ],
  });
}
