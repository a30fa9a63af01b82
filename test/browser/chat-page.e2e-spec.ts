import type { BrowserContext, Page } from 'playwright-core';
// the driver's own file, not the whole package: the test compiles faster
import { splitIntoTokens } from '../../lib/drivers/offline/offline.driver.js';
import { answerText, ask, lastAnswer, logText, newConversationId, openChat as openChatAt, screenshot, statusState, waitForState } from './chat-page-helpers.js';
import { freePort, NetworkLink, offlineAnswer, startBrowserSuite, type BrowserSuite, type SampleProcess } from './harness.js';

/**
 * The sample's chat page in headless Chromium, against the built sample (a child process)
 * on the offline engine, slowed down so the test can act mid-answer. The browser talks to
 * the sample through a TCP relay the test can cut (see NetworkLink).
 */

const TOKEN_DELAY_MS = 80;
const RECONNECT_ATTEMPTS = 5; // what the page configures

interface OfflineRequest {
  id: number;
  state: 'running' | 'completed' | 'aborted' | 'failed';
  chunksSent: number;
}

let suite: BrowserSuite | undefined;
let sample: SampleProcess;
let link: NetworkLink;
let context: BrowserContext;
const foreignRequests: string[] = [];

beforeAll(async () => {
  suite = await startBrowserSuite({
    BUPPLE_SAMPLE_TEST_HOOKS: '1',
    BUPPLE_ENGINE_OFFLINE_TOKEN_DELAY_MS: String(TOKEN_DELAY_MS),
    BUPPLE_DEFAULT_ENGINE_DRIVER: 'offline',
    BUPPLE_MEMORY_DRIVER: 'memory',
    BUPPLE_SSE_ON_DISCONNECT: 'continue',
    BUPPLE_SSE_GRACE_MS: '15000',
    BUPPLE_SSE_REPLAY_DRIVER: 'memory',
    BUPPLE_SSE_KEEPALIVE_MS: '1000',
  });
  ({ sample, context } = suite);
  link = new NetworkLink(await freePort(), sample.port);
  await link.open();
}, 60_000);

afterAll(async () => {
  await suite?.close();
  await link?.close();
}, 20_000);

/** What the offline engine answers to one fresh question. */
const expectedAnswer = offlineAnswer;

async function offlineRequests(): Promise<OfflineRequest[]> {
  const response = await fetch(`${sample.url}/diagnostics/offline-requests`, { signal: AbortSignal.timeout(5000) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { requests: OfflineRequest[] }).requests;
}

async function waitFor<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!ok(value)) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

/** A new tab on a new conversation (`?c=…`), once the page has loaded its engines and history. */
const openChat = (conversationId?: string): Promise<Page> => openChatAt(context, link.url, foreignRequests, conversationId);

/** Waits until the answer shows at least `words` words of text. */
async function waitForWords(page: Page, words: number): Promise<string> {
  await page.waitForFunction(
    (n) => (document.querySelector('#history li.assistant:last-child .text')?.textContent ?? '').trim().split(/\s+/).length >= n,
    words,
  );
  return answerText(page);
}

describe('sample page routes', () => {
  it('serves the page, its assets and the built client with their content types, and nothing else', async () => {
    const get = (path: string) => fetch(`${sample.url}${path}`, { signal: AbortSignal.timeout(5000) });
    const page = await get('/');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/assets/chat.js">');
    for (const [path, type] of [
      ['/assets/chat.js', 'text/javascript; charset=utf-8'],
      ['/assets/chat.css', 'text/css; charset=utf-8'],
      ['/client/index.js', 'text/javascript; charset=utf-8'],
      ['/client/chat-stream.js', 'text/javascript; charset=utf-8'],
    ]) {
      const response = await get(path);
      expect([path, response.status, response.headers.get('content-type')]).toEqual([path, 200, type]);
      await response.body?.cancel();
    }
    // only files of those two folders, by plain name: no path, no other extension
    for (const path of [
      '/client/..%2F..%2Fpackage.json',
      '/client/%2e%2e%2fpackage.json',
      '/assets/..%2Fsrc%2Fmain.ts',
      '/assets/index.html',
      '/client/index.d.ts',
      '/client/.hidden.js',
      '/client/nope.js',
    ]) {
      const response = await get(path);
      expect([path, response.status]).toEqual([path, 404]);
      await response.body?.cancel();
    }
  });
});

describe('sample chat page (Chromium)', () => {
  afterEach(() => {
    // nothing the page loaded came from anywhere but the sample
    expect(foreignRequests).toEqual([]);
  });

  it('streams an answer token by token, shows keepalives, and completes with the bar at 100 %', async () => {
    const question = 'What is Server-Sent Events?';
    const expected = await expectedAnswer(question);
    const tokens = splitIntoTokens(expected).length;
    const page = await openChat();
    expect(await page.locator('#engine option').allTextContents()).toContain('offline (default)');

    // every value the bar shows, as the page sets it
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { progressSeen: string[] }).progressSeen = seen;
      const bar = document.getElementById('progress')!;
      new MutationObserver(() => seen.push(bar.getAttribute('aria-valuenow') ?? '')).observe(bar, { attributes: true, attributeFilter: ['aria-valuenow'] });
    });
    // the answer pauses after 10 chunks for longer than the keepalive interval (1 s)
    expect((await fetch(`${sample.url}/diagnostics/stall?after=10&ms=2500`, { method: 'POST' })).status).toBe(200);
    await ask(page, question, tokens);

    // mid-answer: part of the text, not all of it, and the engine shown
    const partial = await waitForWords(page, 3);
    expect(expected.startsWith(partial)).toBe(true);
    expect(partial.length).toBeLessThan(expected.length);
    expect(await statusState(page)).toBe('streaming');
    expect(await lastAnswer(page).locator('.meta').textContent()).toBe('Assistant · offline · offline-1');
    expect(await page.isDisabled('#send')).toBe(true);
    expect(await page.isEnabled('#stop')).toBe(true);

    // during the pause the server sends keepalives, and the status line shows the last one
    await page.waitForSelector('#keepalive:not([hidden])', { timeout: 8000 });
    expect(await page.textContent('#keepalive')).toMatch(/^Keepalive received at \d\d:\d\d:\d\d$/);
    expect(await statusState(page)).toBe('streaming');
    await screenshot(page, '1-mid-answer');

    expect(await waitForState(page, ['done', 'error', 'interrupted'])).toBe('done');
    expect(await answerText(page)).toBe(expected);
    expect(await page.getAttribute('#progress', 'aria-valuenow')).toBe('100');
    expect(await page.textContent('#progress-text')).toBe(`Processing: ${tokens}/${tokens}`);
    const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen.map(Number));
    expect(seen.some((value) => value > 0 && value < 100)).toBe(true); // it moved, not jumped
    expect(seen.filter((value) => value === 100)).toHaveLength(1);
    expect(await page.textContent('#status')).toMatch(/^Done \(stop, \d+ tokens\)\.$/);
    expect(await page.isHidden('#error')).toBe(true);
    await screenshot(page, '1-streamed-answer');
    await page.close();
  }, 30_000);

  it('a short answer under the default 256 max tokens ends with the text and the bar agreeing (N/N, 100 %)', async () => {
    const question = 'Hi';
    const tokens = splitIntoTokens(await expectedAnswer(question)).length;
    expect(tokens).toBeLessThan(256);
    const page = await openChat();
    await ask(page, question);
    expect(await waitForState(page, ['done', 'error', 'interrupted'])).toBe('done');
    expect(await page.getAttribute('#progress', 'aria-valuenow')).toBe('100');
    expect(await page.textContent('#progress-text')).toBe(`Processing: ${tokens}/${tokens}`);
    expect(await page.getAttribute('#progress', 'aria-valuetext')).toBe(`${tokens} of ${tokens} (100 %)`);
  });

  it('Stop ends the stream and the server aborts the provider request', async () => {
    const question = 'Tell me a long story';
    const expected = await expectedAnswer(question);
    const page = await openChat();
    const before = (await offlineRequests()).length;
    await ask(page, question);
    await waitForWords(page, 5);
    await page.click('#stop');
    expect(await waitForState(page, ['stopped'])).toBe('stopped');
    const shown = await answerText(page);
    expect(expected.startsWith(shown)).toBe(true);
    expect(shown.length).toBeLessThan(expected.length);

    const requests = await waitFor('the provider request to end', offlineRequests, (list) => list.length > before && list.at(-1)!.state !== 'running');
    expect(requests).toHaveLength(before + 1);
    expect(requests.at(-1)!.state).toBe('aborted');
    expect(requests.at(-1)!.chunksSent).toBeLessThan(splitIntoTokens(expected).length);
    // nothing more arrives once stopped
    await page.waitForTimeout(500);
    expect(await answerText(page)).toBe(shown);
    expect(await page.isEnabled('#send')).toBe(true);
    await screenshot(page, '2-stopped');
    await page.close();
  }, 30_000);

  it('an error injected at chunk N shows a dismissible warning and the answer completes', async () => {
    const question = 'Explain chunk errors';
    const expected = await expectedAnswer(question);
    const at = 5;
    const armed = await fetch(`${sample.url}/diagnostics/chunk-error?at=${at}`, { method: 'POST' });
    expect(armed.status).toBe(200);
    const page = await openChat();
    await ask(page, question);
    expect(await waitForState(page, ['done', 'error', 'interrupted'])).toBe('done');

    const warnings = page.locator('#warnings .warning');
    await expect(warnings.count()).resolves.toBe(1);
    expect(await warnings.first().textContent()).toMatch(new RegExp(`\\(chunk ${at}\\) could not be processed and was skipped.*The answer goes on\\.`));
    // the answer is whole except the chunk that failed
    const tokens = splitIntoTokens(expected);
    expect(await answerText(page)).toBe([...tokens.slice(0, at - 1), ...tokens.slice(at)].join(''));
    expect(await page.isHidden('#error')).toBe(true);
    await screenshot(page, '3-chunk-error');

    await warnings
      .first()
      .getByRole('button', { name: /Dismiss/ })
      .click();
    expect(await warnings.count()).toBe(0);
    await page.close();
  }, 30_000);

  it('a stream_error shows the sanitised message and Retry asks again', async () => {
    const question = 'Fail for me';
    const armed = await fetch(`${sample.url}/diagnostics/stream-error?after=6`, { method: 'POST' });
    expect(armed.status).toBe(200);
    const page = await openChat();
    await ask(page, question);
    expect(await waitForState(page, ['done', 'error', 'interrupted'])).toBe('error');
    expect(await page.isVisible('#error')).toBe(true);
    // the library's public message for the code, nothing else (no provider text, no stack, no internals)
    expect(await page.textContent('#error-message')).toBe('offline failed on its side (HTTP 500).');
    expect(await lastAnswer(page).locator('.note').textContent()).toBe('The answer failed.');
    expect((await answerText(page)).trim().split(/\s+/)).toHaveLength(6);
    await screenshot(page, '4-stream-error');

    await page.click('#retry');
    expect(await waitForState(page, ['done', 'error', 'interrupted'])).toBe('done');
    expect(await answerText(page)).toMatch(new RegExp(`^This is the offline engine answering "${question}"\\. .+ so far\\.$`));
    expect(await page.isHidden('#error')).toBe(true);
    await page.close();
  }, 30_000);

  it('going offline for two seconds mid-answer reconnects and finishes the same answer, no text twice', async () => {
    const question = 'Survive a network drop';
    const expected = await expectedAnswer(question);
    const page = await openChat();
    const before = (await offlineRequests()).length;
    await ask(page, question);
    await waitForWords(page, 6);

    await context.setOffline(true);
    link.cut();
    await page.waitForSelector('#status[data-state="reconnecting"]', { timeout: 5000 });
    await page.waitForTimeout(2000);
    await context.setOffline(false);

    expect(await waitForState(page, ['done', 'error', 'interrupted', 'finished'], 20_000)).toBe('done');
    expect(await answerText(page)).toBe(expected);
    const log = await logText(page);
    expect(log).toMatch(/Reconnecting \(attempt 1 of 5\)/);
    expect(log).toMatch(/Resumed after \d+ attempts?/);
    expect(log.indexOf('Resumed')).toBeGreaterThan(log.indexOf('Reconnecting'));
    // one generation, not a second one
    const requests = await waitFor('the generation to end', offlineRequests, (list) => list.at(-1)?.state !== 'running');
    expect(requests).toHaveLength(before + 1);
    expect(requests.at(-1)!.state).toBe('completed');
    await screenshot(page, '5-resumed-after-offline');
    await page.close();
  }, 40_000);

  it('a server restart mid-answer says the answer was interrupted and offers Retry, without looping', async () => {
    const question = 'What if the server restarts?';
    const expected = await expectedAnswer(question);
    const page = await openChat();
    await ask(page, question);
    const shown = await waitForWords(page, 5);
    expect(expected.startsWith(shown)).toBe(true);

    await sample.kill('SIGKILL');
    await sample.start();

    expect(await waitForState(page, ['interrupted', 'error', 'done'], 25_000)).toBe('interrupted');
    expect(await page.isVisible('#error')).toBe(true);
    expect(await page.textContent('#error-message')).toMatch(/^The answer was interrupted/);
    expect(await page.isVisible('#retry')).toBe(true);
    const attempts = (await logText(page)).match(/Reconnecting \(attempt/g)?.length ?? 0;
    expect(attempts).toBeGreaterThanOrEqual(1);
    expect(attempts).toBeLessThanOrEqual(RECONNECT_ATTEMPTS);
    await screenshot(page, '6-interrupted-after-restart');

    // it stays put: no further attempt
    const logBefore = await logText(page);
    await page.waitForTimeout(2500);
    expect(await logText(page)).toBe(logBefore);
    expect(await statusState(page)).toBe('interrupted');

    // Retry asks again, and the new server answers in full
    await page.click('#retry');
    expect(await waitForState(page, ['done', 'error', 'interrupted'])).toBe('done');
    expect(await answerText(page)).toBe(expected);
    expect(await page.isHidden('#error')).toBe(true);
    await page.close();
  }, 60_000);

  it('with tools and reasoning on, "add 2 and 3" shows a tool card (arguments streaming, then parsed, then { sum: 5 }), the answer after it, and collapsible reasoning', async () => {
    const question = 'add 2 and 3';
    const body = {
      messages: [{ role: 'user', content: question }],
      tools: ['add', 'now'],
      maxSteps: 5,
      options: { maxTokens: 256, reasoning: { effort: 'low' } },
    };
    // the same question through POST /chat: what the page must end up showing
    const reference = await fetch(`${sample.url}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    expect(reference.status).toBe(200);
    const expected = (await reference.json()) as {
      content: string;
      reasoning: string;
      toolCalls: { id: string; name: string; args: unknown }[];
      toolResults: { id: string; name: string; result?: unknown }[];
    };
    expect(expected.toolResults).toEqual([{ id: expect.any(String) as unknown, name: 'add', result: { sum: 5 } }]);
    expect(expected.content).not.toBe('');

    const page = await openChat();
    const sent: unknown[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/chat/stream')) sent.push(request.postDataJSON());
    });
    // every text the arguments box shows, and whether the reasoning block was open while it streamed
    await page.evaluate(() => {
      const w = window as unknown as { argsSeen: string[]; reasoningOpenSeen: boolean[] };
      w.argsSeen = [];
      w.reasoningOpenSeen = [];
      new MutationObserver(() => {
        const args = document.querySelector('#history li.assistant:last-child .tool-call .tool-args');
        if (args && w.argsSeen[w.argsSeen.length - 1] !== args.textContent) w.argsSeen.push(args.textContent ?? '');
        const reasoning = document.querySelector<HTMLDetailsElement>('#history li.assistant:last-child details.reasoning');
        if (reasoning) w.reasoningOpenSeen.push(reasoning.open);
      }).observe(document.getElementById('history')!, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await page.check('#use-tools');
    await page.check('#use-reasoning');
    await ask(page, question);

    const card = lastAnswer(page).locator('.tool-call');
    await page.waitForSelector('#history li.assistant:last-child .tool-call[data-state="done"]');
    expect(await waitForState(page, ['done', 'error', 'interrupted'])).toBe('done');
    expect(sent).toEqual([{ ...body, engine: 'offline', conversationId: expect.any(String) as unknown }]);

    // one card: the tool's name, its parsed arguments, its result
    expect(await card.count()).toBe(1);
    expect(await card.locator('.tool-name').textContent()).toBe('add');
    expect(await card.getAttribute('data-tool-id')).toBe(expected.toolCalls[0].id);
    expect(JSON.parse((await card.locator('.tool-args').textContent()) ?? '')).toEqual({ a: 2, b: 3 });
    expect(JSON.parse((await card.locator('.tool-result').textContent()) ?? '')).toEqual({ sum: 5 });
    expect(await card.locator('.tool-error').count()).toBe(0);
    expect(await card.locator('.tool-state').textContent()).toBe('done');
    // the arguments streamed: raw pieces growing as a prefix of the argument JSON, before the parsed, indented form
    const argsSeen = await page.evaluate(() => (window as unknown as { argsSeen: string[] }).argsSeen);
    const raw = JSON.stringify({ a: 2, b: 3 });
    const streamed = argsSeen.filter((text) => text !== '' && text !== raw && raw.startsWith(text));
    expect(streamed.length).toBeGreaterThan(0);
    expect(argsSeen[argsSeen.length - 1]).toBe(JSON.stringify({ a: 2, b: 3 }, null, 2));
    expect(argsSeen.indexOf(streamed[0])).toBeLessThan(argsSeen.length - 1);

    // the answer after the tool, as POST /chat gives it
    expect(await answerText(page)).toBe(expected.content);

    // reasoning: a block per step (before the card, after it), open while it streamed, folded after, toggled by its summary
    const blocks = lastAnswer(page).locator('details.reasoning');
    expect(await blocks.count()).toBe(2);
    expect((await blocks.locator('.reasoning-content').allTextContents()).join('')).toBe(expected.reasoning);
    const order = await lastAnswer(page).evaluate((item) => [...item.querySelectorAll('details.reasoning, .tool-call, .text')].map((el) => el.className));
    expect(order).toEqual(['reasoning', 'tool-call', 'reasoning', 'text']);
    expect(await page.evaluate(() => (window as unknown as { reasoningOpenSeen: boolean[] }).reasoningOpenSeen.includes(true))).toBe(true);
    const first = blocks.first();
    expect(await first.evaluate((el) => (el as HTMLDetailsElement).open)).toBe(false);
    expect(await first.locator('.reasoning-content').isVisible()).toBe(false);
    await first.locator('summary').click();
    expect(await first.evaluate((el) => (el as HTMLDetailsElement).open)).toBe(true);
    expect(await first.locator('.reasoning-content').isVisible()).toBe(true);
    expect(await first.locator('.reasoning-content').textContent()).toBe('Working out an answer to the question.');
    await screenshot(page, '8-tool-card-reasoning');
    await first.locator('summary').click();
    expect(await first.evaluate((el) => (el as HTMLDetailsElement).open)).toBe(false);
    await page.close();
  }, 40_000);

  it('history comes from memory, survives a reload, and Clear empties it (phone width)', async () => {
    const conversationId = newConversationId();
    const question = 'Remember me';
    const expected = await expectedAnswer(question);
    let page = await openChat(conversationId);
    expect(page.url()).toContain(`c=${conversationId}`);
    await ask(page, question);
    expect(await waitForState(page, ['done', 'error', 'interrupted'])).toBe('done');
    await page.close();

    page = await openChat(conversationId);
    await page.setViewportSize({ width: 360, height: 780 });
    const items = page.locator('#history li.message');
    expect(await items.count()).toBe(2);
    expect(await items.nth(0).locator('.text').textContent()).toBe(question);
    expect(await items.nth(1).locator('.text').textContent()).toBe(expected);
    expect(await page.isHidden('#empty')).toBe(true);

    // plain, accessible: every control has a label; nothing wider than a phone
    const unlabeled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea')].filter((el) => (el as HTMLInputElement).labels?.length === 0).map((el) => el.id),
    );
    expect(unlabeled).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await screenshot(page, '7-history-phone-width');

    await page.click('#clear');
    await waitForState(page, ['cleared']);
    expect(await items.count()).toBe(0);
    expect(await page.isVisible('#empty')).toBe(true);
    await page.reload();
    await page.waitForSelector('html[data-ready="true"]');
    expect(await page.locator('#history li.message').count()).toBe(0);
    await page.close();
  }, 40_000);
});
