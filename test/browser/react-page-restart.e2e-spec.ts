import type { BrowserContext, Page } from 'playwright-core';
import { sleep } from '../utils/fake-provider-server.js';
import { ScriptedProvider, type Step } from '../providers/scripted-provider.js';
import { openaiWire } from '../providers/provider-wire.js';
import { outputPath, startBrowserSuite, type BrowserSuite, type SampleProcess } from './harness.js';
import { chunk, DONE, RESTART_TEXT, stream, restartingSampleEnv, toolLoopWithRestart, turnsOf, usage } from './openai-script.js';

/**
 * A restart after content on the sample's React page (`GET /react`: `useChat` on the UI message
 * protocol): the built sample runs its `openai` engine against a scripted OpenAI-compatible
 * server with BUPPLE_ENGINE_RETRY_AFTER_CONTENT=restart, the provider connection drops after
 * some of the answer streamed, the engine tries again (`data-retry` with `reset: true`), and the
 * page, which renders `messages.map(withoutDiscardedTries)`, ends with the new try's parts only;
 * the chat stored for a reload holds the answer once too.
 */

const MAX_RETRIES = 1;

let provider: ScriptedProvider;
let suite: BrowserSuite | undefined;
let sample: SampleProcess;
let context: BrowserContext;

beforeAll(async () => {
  provider = await new ScriptedProvider(openaiWire).start();
  suite = await startBrowserSuite(restartingSampleEnv(provider, MAX_RETRIES));
  ({ sample, context } = suite);
}, 60_000);

afterAll(async () => {
  await suite?.close();
  await provider?.stop();
}, 20_000);

const answer = (page: Page) => page.locator('li[data-role="assistant"]').last();
/** The text parts the page shows in the last answer, joined. */
const shownText = async (page: Page) => (await answer(page).locator('span.text').allTextContents()).join('');
const cards = (page: Page) =>
  answer(page)
    .locator('.tool-card')
    .evaluateAll((list) => list.map((card) => [(card as HTMLElement).dataset.tool, (card as HTMLElement).dataset.state]));

/** Opens the page, asks `question`, waits until the page has shown `lost` (the try about to be lost), then until the answer ended. */
async function askThroughRestart(question: string, lost: string): Promise<Page> {
  const page = await context.newPage();
  const foreign: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(sample.url)) foreign.push(request.url());
  });
  await page.goto(`${sample.url}/react`);
  await page.fill('#prompt', question);
  await page.click('#send');
  await page.waitForFunction((text) => (document.querySelector('li[data-role="assistant"]')?.textContent ?? '').includes(text), lost);
  await page.waitForFunction(() => document.querySelector('#status')?.getAttribute('data-status') === 'ready', undefined, { timeout: 20_000 });
  expect(await page.locator('#error').count()).toBe(0);
  expect(foreign).toEqual([]);
  return page;
}

type StoredPart = { type: string; text?: string; state?: string; toolCallId?: string; input?: unknown; output?: unknown };

/** The answer as the sample stored it (`GET /api/chat/:id/messages`, what a reload reads). */
async function storedAnswer(page: Page): Promise<StoredPart[]> {
  const chatId = await page.evaluate(() => sessionStorage.getItem('bupple-chat-id'));
  const response = await fetch(`${sample.url}/api/chat/${encodeURIComponent(chatId ?? '')}/messages`, { signal: AbortSignal.timeout(5000) });
  expect(response.status).toBe(200);
  const messages = (await response.json()) as { role: string; parts: StoredPart[] }[];
  expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
  return messages[1].parts;
}

describe('a restart after content on the React page (useChat, Chromium)', () => {
  it('a reset in the first step: the page ends with the new try’s text only, as stored, and after a reload', async () => {
    const LOST = ['Lost words, ', 'streamed before the drop. '];
    const KEPT = ['Kept words', ', said once.'];
    const plain: Step[] = [
      async (_req, res) => {
        openaiWire.startStream(res);
        await stream(res, [chunk({ role: 'assistant', content: '' }), ...LOST.map((content) => chunk({ content }))]);
        await sleep(400); // long enough for the page to show it
        res.destroy();
      },
      async (_req, res) => {
        openaiWire.startStream(res);
        await stream(res, [chunk({ role: 'assistant', content: '' }), ...KEPT.map((content) => chunk({ content })), chunk({}, 'stop'), usage(12, 4), DONE]);
        res.end();
      },
    ];
    provider.script(...plain);
    const page = await askThroughRestart('Say something twice', LOST[0]);
    expect(provider.requests).toHaveLength(2);
    expect(await shownText(page)).toBe(KEPT.join(''));

    const stored = await storedAnswer(page);
    expect(stored.filter((part) => part.type === 'text').map((part) => part.text)).toEqual([KEPT.join('')]);
    expect(stored.map((part) => part.type)).toEqual(['step-start', 'data-retry', 'text']);

    // the page keeps useChat's messages as the hook holds them (lost try included) and shows them the same way
    await page.reload();
    await page.waitForFunction(() => (document.querySelector('li[data-role="assistant"]')?.textContent ?? '').length > 0);
    expect(await shownText(page)).toBe(KEPT.join(''));
    await page.close();
  }, 40_000);

  it('a reset mid tool step, the new try calling under the lost call’s id: step 1 stays, one card per call, no lost reasoning or text', async () => {
    const { step1: STEP1_TEXT, lost: LOST_TEXT, final: FINAL_TEXT } = RESTART_TEXT;
    const toolLoop = toolLoopWithRestart({ lostCallId: 'call_Now', keptCallId: 'call_Now' });
    provider.script(...toolLoop);
    const page = await askThroughRestart('add 2 and 3, then tell me the time', LOST_TEXT);
    expect(provider.requests).toHaveLength(4);

    // step 1's text and the answer, not the lost try's sentence; one card per call, both with their results
    expect(await shownText(page)).toBe(STEP1_TEXT + FINAL_TEXT.join(''));
    expect(await cards(page)).toEqual([
      ['add', 'output-available'],
      ['now', 'output-available'],
    ]);
    expect(await answer(page).locator('.tool-card[data-tool="add"] .tool-output').innerText()).toBe('→ {"sum":5}');
    expect(await answer(page).locator('.tool-card[data-tool="now"] code').innerText()).toBe('{}');
    expect(await answer(page).locator('details.reasoning').count()).toBe(0);

    // stored the same way: step 1 whole, the reset part, the new try's call, the answer
    const stored = await storedAnswer(page);
    expect(stored.map((part) => [part.type, part.toolCallId ?? part.text ?? '', part.state ?? ''])).toEqual([
      ['step-start', '', ''],
      ['text', STEP1_TEXT, 'done'],
      ['tool-add', 'call_Add1', 'output-available'],
      ['step-start', '', ''],
      ['data-retry', '', ''],
      ['tool-now', 'call_Now', 'output-available'],
      ['step-start', '', ''],
      ['text', FINAL_TEXT.join(''), 'done'],
    ]);
    expect(stored.find((part) => part.type === 'tool-now')?.input).toEqual({});

    // the retry asked again for step 2, with step 1's call and result and nothing of the lost try
    expect(turnsOf(provider.requests[2])).toEqual(turnsOf(provider.requests[1]));
    expect(turnsOf(provider.requests[3]).slice(3)).toEqual([
      { role: 'assistant', calls: ['call_Now'], result: undefined },
      { role: 'tool', calls: undefined, result: 'call_Now' },
    ]);
    await page.screenshot({ path: outputPath('react-page-restart.png') });
    await page.close();
  }, 40_000);
});
