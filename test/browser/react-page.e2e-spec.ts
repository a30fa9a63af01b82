import type { BrowserContext, Page } from 'playwright-core';
import { offlineAnswer, outputPath, startBrowserSuite, type BrowserSuite, type SampleProcess } from './harness.js';

/**
 * The sample's React page (`GET /react`): `useChat` from `@ai-sdk/react` with
 * `DefaultChatTransport({ api: '/api/chat' })` and `resume: true`, bundled at build time, in
 * headless Chromium against the sample on the offline engine.
 */
const TOKEN_DELAY_MS = 40;
let suite: BrowserSuite | undefined;
let sample: SampleProcess;
let context: BrowserContext;

beforeAll(async () => {
  suite = await startBrowserSuite({
    BUPPLE_SAMPLE_TEST_HOOKS: '1',
    BUPPLE_ENGINE_OFFLINE_TOKEN_DELAY_MS: String(TOKEN_DELAY_MS),
    BUPPLE_DEFAULT_ENGINE_DRIVER: 'offline',
    BUPPLE_MEMORY_DRIVER: 'memory',
    BUPPLE_SSE_REPLAY_DRIVER: 'memory',
  });
  ({ sample, context } = suite);
}, 60_000);

afterAll(() => suite?.close(), 20_000);

const expectedAnswer = offlineAnswer;

const offlineRequests = async () =>
  ((await (await fetch(`${sample.url}/diagnostics/offline-requests`)).json()) as { requests: { id: number; state: string }[] }).requests;

const assistantText = (page: Page) => page.locator('li[data-role="assistant"]').last().innerText();

async function ask(page: Page, question: string): Promise<void> {
  await page.fill('#prompt', question);
  await page.click('#send');
}

describe('the React page (useChat)', () => {
  it('streams an answer, with the page fetching nothing but its own files', async () => {
    const page = await context.newPage();
    const foreign: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(sample.url)) foreign.push(request.url());
    });
    await page.goto(`${sample.url}/react`);
    const question = 'What does useChat need from a server?';
    await ask(page, question);
    await page.waitForFunction(() => document.querySelector('#status')?.getAttribute('data-status') === 'streaming');
    await page.waitForFunction(() => document.querySelector('#status')?.getAttribute('data-status') === 'ready', undefined, { timeout: 20_000 });
    expect(await assistantText(page)).toBe(await expectedAnswer(question));
    await page.screenshot({ path: outputPath('react-page.png') });
    expect(foreign).toEqual([]);
    await page.close();
  }, 40_000);

  it('Stop stops the answer: the provider request is aborted', async () => {
    const page = await context.newPage();
    await page.goto(`${sample.url}/react`);
    const before = (await offlineRequests()).length;
    await ask(page, 'Please write a long answer about streams and stopping them');
    await page.waitForFunction(() => (document.querySelector('li[data-role="assistant"]')?.textContent ?? '').length > 10);
    await page.click('#stop');
    await page.waitForFunction(() => document.querySelector('#status')?.getAttribute('data-status') === 'ready');
    const shown = await assistantText(page);
    const full = await expectedAnswer('Please write a long answer about streams and stopping them');
    expect(full.startsWith(shown)).toBe(true);
    expect(shown.length).toBeLessThan(full.length);
    const deadline = Date.now() + 5000;
    let state = '';
    while (Date.now() < deadline && state !== 'aborted') {
      state = (await offlineRequests())[before]?.state ?? '';
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(state).toBe('aborted');
    await page.close();
  }, 40_000);

  it('a reload during the answer resumes it: no duplicated text, one generation upstream', async () => {
    const page = await context.newPage();
    await page.goto(`${sample.url}/react`);
    const question = 'Tell me how resumable streams survive a reload';
    const before = (await offlineRequests()).length;
    await ask(page, question);
    await page.waitForFunction(() => (document.querySelector('li[data-role="assistant"]')?.textContent ?? '').length > 10);
    await page.reload();
    await page.waitForFunction(() => (document.querySelector('li[data-role="assistant"]')?.textContent ?? '').length > 0);
    await page.waitForFunction(() => document.querySelector('#status')?.getAttribute('data-status') === 'ready', undefined, { timeout: 20_000 });
    expect(await assistantText(page)).toBe(await expectedAnswer(question));
    expect(await page.locator('li[data-role="assistant"]').count()).toBe(1);
    const requests = (await offlineRequests()).slice(before);
    expect(requests).toHaveLength(1);
    expect(requests[0].state).toBe('completed');
    await page.close();
  }, 40_000);

  it('tool cards: a server tool shows its result; a browser tool (onToolCall + addToolOutput) and an approved tool continue the answer', async () => {
    const page = await context.newPage();
    await page.goto(`${sample.url}/react`);
    const card = (tool: string) => page.locator(`.tool-card[data-tool="${tool}"]`).last();
    const ready = () => page.waitForFunction(() => document.querySelector('#status')?.getAttribute('data-status') === 'ready', undefined, { timeout: 20_000 });

    await ask(page, 'Please add 2 and 3');
    await page.waitForSelector('.tool-card[data-tool="add"][data-state="output-available"]');
    expect(await card('add').locator('.tool-output').innerText()).toBe('→ {"sum":5}');
    await ready();
    expect(await assistantText(page)).toContain('add returned {"sum":5}.');

    // localTime has no execute on the server: the page runs it and useChat sends the output back
    await ask(page, 'What is my localTime?');
    await page.waitForSelector('.tool-card[data-tool="localTime"][data-state="output-available"]');
    await page.waitForFunction(() => (document.querySelector('li[data-role="assistant"]:last-child')?.textContent ?? '').includes('localTime returned'));
    expect(await card('localTime').locator('.tool-output').innerText()).toMatch(/"iso":"\d{4}-\d\d-\d\dT/);

    // transfer waits for the user's approval: the card shows the buttons, Approve runs it on the server
    await ask(page, 'Please transfer 5');
    await page.waitForSelector('.tool-card[data-tool="transfer"][data-state="approval-requested"] button.approve');
    await page.screenshot({ path: outputPath('react-page-approval.png') });
    await card('transfer').locator('button.approve').click();
    await page.waitForSelector('.tool-card[data-tool="transfer"][data-state="output-available"]');
    expect(await card('transfer').locator('.tool-output').innerText()).toBe('→ {"sent":5,"reference":"T-500"}');
    await ready();
    expect(await assistantText(page)).toContain('transfer returned {"sent":5,"reference":"T-500"}.');
    await page.screenshot({ path: outputPath('react-page-tools.png') });
    await page.close();
  }, 60_000);
});
