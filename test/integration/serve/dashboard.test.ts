// The dashboard in a real browser (Debian's chromium through playwright-core) against `wave serve` on a loopback
// port, over a store a second connection writes as a pipeline's process would: a step goes from running to
// completed on the open page without a reload, untrusted output and artifacts run no script, cancel works with a
// click. The run page and the diff view are photographed for the README.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../../src/serve/server.js';
import { Store } from '../../../src/state/index.js';
import { browserSkip, launchChromium } from '../../support/browser.js';
import {
  changesRecord,
  createDashboardProject,
  recordArtifact,
  STEP_INFO,
  writePipeline,
} from '../../support/dashboard-store.js';
import { stdoutLine } from '../../support/events.js';

const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url));
const skip = browserSkip();

describe('wave serve in a browser', { skip, timeout: 300_000 }, () => {
  let project: ReturnType<typeof createDashboardProject>;
  /** The pipeline's side: its own connection to the db, as another process would have. */
  let writer: Store;
  let server: RunningServer;
  let browser: Browser;

  before(async () => {
    project = createDashboardProject();
    writer = new Store(project.store.path);
    server = await startServer({
      store: project.store,
      projectDir: project.dir,
      bind: '127.0.0.1',
      port: 0,
      resume: async () => undefined,
    });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    writer?.close();
    project?.dispose();
  });

  async function newPage(options: { bypassCSP?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 720 }, ...options });
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    return page;
  }

  function seedRun(steps: Record<string, string[]>, name = 'review') {
    const pipelinePath = writePipeline(project.dir, name, steps);
    const ids = Object.keys(steps);
    return writer.runs.create({
      pipeline: name,
      pipelinePath,
      input: 'the src/ directory',
      steps: ids.map((stepId, position) => ({ stepId, level: steps[stepId]?.length ? 1 : 0, position })),
    });
  }

  it('shows a step go from running to completed without a reload, and its output as it comes', async () => {
    const run = seedRun({ analyze: [], security: ['analyze'], quality: ['analyze'], summary: ['security', 'quality'] });
    writer.runs.start(run.id);
    writer.steps.start(run.id, 'analyze', STEP_INFO);
    writer.events.append({
      type: 'usage',
      runId: run.id,
      stepId: 'analyze',
      attempt: 1,
      time: new Date().toISOString(),
      inputTokens: 18_400,
      outputTokens: 2_100,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      contextWindow: 200_000,
      contextPercent: 9.2,
    });
    writer.steps.complete(run.id, 'analyze');
    writer.steps.start(run.id, 'security', STEP_INFO);
    writer.steps.start(run.id, 'quality', STEP_INFO);
    for (const itemIndex of [0, 1, 2]) {
      const child = writer.runs.create({
        pipeline: 'audit-file',
        pipelinePath: 'audit.yaml',
        input: '',
        parent: { runId: run.id, stepId: 'security', itemIndex },
      });
      if (itemIndex < 2) writer.runs.start(child.id);
      if (itemIndex === 0) writer.runs.finish(child.id, 'completed');
    }
    const page = await newPage();
    await page.goto(`${server.url}runs/${run.id}`);
    await page.waitForSelector('a.node.state-running[data-step="quality"]');
    await page.evaluate(() => Object.assign(globalThis, { sameDocument: true }));
    await page.waitForSelector('#live-state:has-text("live")');

    writer.steps.complete(run.id, 'quality');
    await page.waitForSelector('a.node.state-completed[data-step="quality"]');
    assert.equal(await page.evaluate(() => (globalThis as { sameDocument?: boolean }).sameDocument), true, 'no reload');
    mkdirSync(DOCS, { recursive: true });
    await page.screenshot({ path: path.join(DOCS, 'dashboard-run.png'), fullPage: true });

    const step = await newPage();
    await step.goto(`${server.url}runs/${run.id}/steps/security`);
    await step.waitForSelector('#live-state:has-text("live")');
    writer.events.append(stdoutLine(run.id, 'checked src/auth.ts: no findings', 'security'));
    await step.waitForSelector('#output:has-text("checked src/auth.ts: no findings")');
    await step.context().close();
    await page.context().close();
  });

  it('runs no script from step output, step names, artifact names or artifact contents', async () => {
    const payload = (tag: string) => `<img src=x onerror="window.xssRan=(window.xssRan||[]).concat('${tag}')">`;
    const svgName = `${payload('name')}.svg`;
    const run = seedRun({ attack: [] }, 'attack');
    writer.runs.start(run.id);
    writer.steps.start(run.id, 'attack', STEP_INFO);
    writer.events.append(stdoutLine(run.id, `<script>window.xssRan=['output']</script>${payload('output')}`, 'attack'));
    writer.events.append({
      type: 'tool_call',
      runId: run.id,
      stepId: 'attack',
      attempt: 1,
      time: new Date().toISOString(),
      name: '<svg onload="alert(1)">',
      input: `<a href="javascript:alert(1)">x</a>`,
      status: 'ok',
    });
    await recordArtifact(
      project,
      run.id,
      'attack',
      svgName,
      'evil.svg',
      `<svg xmlns="http://www.w3.org/2000/svg" onload="alert('svg')"/>`,
    );
    await recordArtifact(
      project,
      run.id,
      'attack',
      'report',
      'report.md',
      `# Report\n\n[click me](javascript:alert('md'))\n\n<script>alert('md')</script>\n\n${payload('md')}\n\n` +
        `<svg onload="alert('md-svg')"></svg>\n\n[data](data:text/html,<script>alert(1)</script>)\n`,
    );
    await recordArtifact(project, run.id, 'attack', 'result', 'result.json', JSON.stringify({ html: payload('json') }));
    writer.steps.fail(run.id, 'attack', { reason: `exit 1: ${payload('error')}`, failureClass: 'exit', exitCode: 1 });

    // Without the Content-Security-Policy: escaping alone must keep every payload inert.
    const page = await newPage({ bypassCSP: true });
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const visit = async (url: string) => {
      await page.goto(url);
      await page.waitForLoadState('load');
    };
    await visit(`${server.url}runs/${run.id}`);
    await visit(`${server.url}runs/${run.id}/steps/attack`);
    assert.ok((await page.textContent('#output'))?.includes("<script>window.xssRan=['output']</script>"));
    assert.ok((await page.textContent('main'))?.includes(svgName), 'the artifact name is shown as text');
    await page.click(`a:has-text("${svgName.slice(0, 12)}")`);
    await page.waitForSelector('pre.text');
    assert.ok((await page.textContent('pre.text'))?.includes(`onload="alert('svg')"`));
    await visit(`${server.url}runs/${run.id}/steps/attack/artifacts/report`);
    assert.equal(await page.locator('article.markdown a').count(), 0, 'no javascript: or data: link');
    assert.ok((await page.textContent('article.markdown'))?.includes("<script>alert('md')</script>"));
    await page.click('article.markdown >> text=click me');
    await visit(`${server.url}runs/${run.id}/steps/attack/artifacts/result`);
    assert.ok((await page.textContent('pre.json'))?.includes('onerror='));
    assert.equal(await page.evaluate(() => (globalThis as { xssRan?: string[] }).xssRan), undefined);
    assert.deepEqual(dialogs, []);
    await page.context().close();
  });

  it('shows a change as a diff view', async () => {
    const run = seedRun({ implement: [] }, 'implement');
    writer.runs.start(run.id);
    writer.steps.start(run.id, 'implement', STEP_INFO);
    await recordArtifact(project, run.id, 'implement', 'changes', 'changes', changesRecord());
    writer.steps.complete(run.id, 'implement');
    writer.runs.finish(run.id, 'completed');
    const page = await newPage();
    await page.goto(`${server.url}runs/${run.id}/steps/implement/artifacts/changes`);
    await page.waitForSelector('.diff .line.add');
    assert.equal(await page.locator('.diff .line.add').count(), 2, 'the +++ header is a file line, not an added one');
    await page.screenshot({ path: path.join(DOCS, 'dashboard-diff.png'), fullPage: true });
    await page.context().close();
  });

  it('cancels a run with a click after logging in, and the page follows', async () => {
    const run = seedRun({ long: [] }, 'long');
    // Owned by a process on another host: the dashboard's cancel records the end itself.
    writer.runs.start(run.id, { host: 'another-host.invalid', pid: 1 });
    writer.steps.start(run.id, 'long', STEP_INFO);
    const page = await newPage();
    await page.goto(`${server.url}runs/${run.id}`);
    await page.click('button:has-text("cancel")');
    await page.waitForSelector('#action-result:has-text("log")');
    await page.goto(server.loginUrl.replace('/?', `/runs/${run.id}?`));
    assert.equal(page.url(), `${server.url}runs/${run.id}`, 'the token leaves the address bar');
    await page.waitForSelector('#live-state:has-text("live")');
    await page.click('button:has-text("cancel")');
    await page.waitForSelector('h1 .badge.state-cancelled');
    await page.waitForSelector(`#action-result:has-text("run ${run.id}: cancelled")`);
    assert.equal(writer.runs.get(run.id)?.status, 'cancelled');
    await page.waitForSelector('a.node.state-cancelled[data-step="long"]');
    await page.context().close();
  });
});
