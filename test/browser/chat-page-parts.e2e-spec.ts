import type { BrowserContext, Page } from 'playwright-core';
import { ScriptedProvider, type Step } from '../providers/scripted-provider.js';
import { openaiWire } from '../providers/provider-wire.js';
import { RESTART_TEXT, stream, restartingSampleEnv, toolLoopWithRestart, turnsOf } from './openai-script.js';
import { answerText, ask, lastAnswer, logText, openChat as openChatAt, screenshot, waitForState } from './chat-page-helpers.js';
import { startBrowserSuite, type BrowserSuite, type SampleProcess } from './harness.js';

/**
 * What the chat page shows besides the text, from a real provider stream: the built sample (a
 * child process) runs its `openai` engine against a local server speaking the OpenAI-compatible
 * Chat Completions stream, configured only through the sample's documented variables
 * (BUPPLE_ENGINE_OPENAI_API_KEY / _BASE_URL / _MODEL, BUPPLE_ENGINE_RETRY_AFTER_CONTENT, …).
 * - sources: Perplexity's `citations` and `search_results`, some of them URLs that must not
 *   become links;
 * - a restart: the provider connection drops in the middle of a tool step, the engine retries
 *   that step (`retry` with `reset: true`), and the page takes back only that step's parts.
 */

const MAX_RETRIES = 1;

let provider: ScriptedProvider;
let suite: BrowserSuite | undefined;
let sample: SampleProcess;
let context: BrowserContext;
const foreignRequests: string[] = [];

beforeAll(async () => {
  provider = await new ScriptedProvider(openaiWire).start();
  suite = await startBrowserSuite(restartingSampleEnv(provider, MAX_RETRIES));
  ({ sample, context } = suite);
}, 60_000);

afterAll(async () => {
  await suite?.close();
  await provider?.stop();
}, 20_000);

afterEach(() => {
  // nothing the page loaded came from anywhere but the sample (a source link is shown, not followed)
  expect(foreignRequests).toEqual([]);
});

const openChat = (): Promise<Page> => openChatAt(context, sample.url, foreignRequests);
const conversationOf = (page: Page) => new URL(page.url()).searchParams.get('c') ?? '';

// ------------------------------------------------------------------------------------ sources

/** Perplexity's stream: every chunk repeats the citations, the search results and the running usage. */
const SEARCH_RESULTS = [
  { title: 'Server-sent events - Wikipedia', url: 'https://en.wikipedia.org/wiki/Server-sent_events', date: '2025-11-02' },
  // a page title is text, whatever it holds
  { title: 'HTML Standard <img src=x onerror="window.pwned=1">', url: 'https://html.spec.whatwg.org/multipage/server-sent-events.html', date: null },
];
const CITATIONS = [
  'https://en.wikipedia.org/wiki/Server-sent_events',
  'http://example.org/sse-notes',
  'javascript:alert(document.cookie)',
  'data:text/html,<script>alert(1)</script>',
  'https://html.spec.whatwg.org/multipage/server-sent-events.html',
];
const CITED_TEXT = ['Server-Sent Events', ' stream text over one', ' HTTP response', '[1][2].'];

function perplexityAnswer(): Step {
  let tokens = 0;
  const chunk = (content: string, last = false) =>
    `data: ${JSON.stringify({
      id: '0b5c8a1e-2f4d-4c3b-9e7a-5d6f1a2b3c4d',
      model: 'sonar',
      created: 1770768240,
      usage: { prompt_tokens: 9, completion_tokens: (tokens += content === '' ? 0 : 1), total_tokens: 9 + tokens },
      citations: CITATIONS,
      search_results: SEARCH_RESULTS,
      object: last ? 'chat.completion.done' : 'chat.completion.chunk',
      choices: [{ index: 0, delta: { role: 'assistant', content }, ...(last && { finish_reason: 'stop' }) }],
    })}\n\n`;
  return async (_req, res) => {
    openaiWire.startStream(res);
    await stream(res, [...CITED_TEXT.map((text) => chunk(text)), chunk('', true)]);
    res.end();
  };
}

describe('sources on the chat page (Chromium)', () => {
  it('shows each source once; http(s) ones as links that open apart (noopener noreferrer), javascript: and data: ones as plain text', async () => {
    provider.script(perplexityAnswer());
    const page = await openChat();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await ask(page, 'What are Server-Sent Events?');
    expect(await waitForState(page, ['done', 'error', 'interrupted'])).toBe('done');
    expect(await answerText(page)).toBe(CITED_TEXT.join(''));
    expect(provider.requests).toHaveLength(1);

    // one entry per URL, search results first (they carry the titles), then the other citations
    const box = lastAnswer(page).locator('.sources');
    expect(await box.locator('.sources-title').textContent()).toBe('Sources');
    const items = await box.locator('li').evaluateAll((lis) =>
      lis.map((li) => {
        const a = li.querySelector('a');
        return {
          text: li.textContent,
          children: li.children.length,
          link: a && { href: a.getAttribute('href'), rel: a.getAttribute('rel'), target: a.getAttribute('target'), text: a.textContent },
        };
      }),
    );
    expect(items).toEqual([
      {
        text: 'Server-sent events - Wikipedia',
        children: 1,
        link: { href: CITATIONS[0], rel: 'noopener noreferrer', target: '_blank', text: 'Server-sent events - Wikipedia' },
      },
      {
        text: SEARCH_RESULTS[1].title,
        children: 1,
        link: { href: CITATIONS[4], rel: 'noopener noreferrer', target: '_blank', text: SEARCH_RESULTS[1].title },
      },
      { text: CITATIONS[1], children: 1, link: { href: CITATIONS[1], rel: 'noopener noreferrer', target: '_blank', text: CITATIONS[1] } },
      // not links: the URL as text, no element inside
      { text: CITATIONS[2], children: 0, link: null },
      { text: CITATIONS[3], children: 0, link: null },
    ]);
    // above the text, below the parts list
    const order = await lastAnswer(page).evaluate((item) => [...item.children].map((el) => el.className));
    expect(order).toEqual(['meta', 'parts', 'sources', 'text']);

    // nothing in the page points at a script or a data URL, and the title's markup stayed text
    const dangerous = await page.evaluate(
      () => document.querySelectorAll('#history [href^="javascript:" i], #history [href^="data:" i], #history [src], #history script').length,
    );
    expect(dangerous).toBe(0);
    // clicking the entries that are not links runs nothing and goes nowhere
    const url = page.url();
    const tabs = context.pages().length;
    await box.locator('li').nth(3).click();
    await box.locator('li').nth(4).click();
    await page.waitForTimeout(200);
    expect(page.url()).toBe(url);
    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(context.pages()).toHaveLength(tabs);
    await screenshot(page, '9-sources');
    await page.close();
  }, 30_000);
});

// ------------------------------------------------------------------------------------ restart

const { step1: STEP1_TEXT, final: FINAL_TEXT } = RESTART_TEXT;
const toolLoop = toolLoopWithRestart({ lostCallId: 'call_NowLost', keptCallId: 'call_NowKept' });

describe('a restarted step on the chat page (Chromium)', () => {
  it('the connection drops mid-step: the retry (reset) takes back that try’s reasoning, text and card; step 1’s card and text stay', async () => {
    provider.script(...toolLoop);
    const page = await openChat();
    // every part added to or removed from the answer, as the page does it
    await page.evaluate(() => {
      const w = window as unknown as { added: string[]; removed: string[][] };
      w.added = [];
      w.removed = [];
      const describe = (node: Node) => {
        const el = node as HTMLElement;
        return [el.className, el.dataset.toolId ?? '', el.dataset.state ?? ''];
      };
      new MutationObserver((records) => {
        for (const record of records) {
          if (!(record.target as HTMLElement).classList?.contains('parts')) continue;
          for (const node of record.addedNodes) w.added.push(describe(node).slice(0, 2).join(' ').trim());
          for (const node of record.removedNodes) w.removed.push(describe(node));
        }
      }).observe(document.getElementById('history')!, { subtree: true, childList: true });
    });
    await page.check('#use-tools');
    await ask(page, 'add 2 and 3, then tell me the time');
    expect(await waitForState(page, ['done', 'error', 'interrupted'], 20_000)).toBe('done');
    expect(provider.requests).toHaveLength(4);

    // the page showed the lost try's parts, then took back exactly those
    const { added, removed } = await page.evaluate(() => {
      const w = window as unknown as { added: string[]; removed: string[][] };
      return { added: w.added, removed: w.removed };
    });
    expect(added).toEqual(['tool-call call_Add1', 'reasoning', 'tool-call call_NowLost', 'tool-call call_NowKept']);
    expect(removed).toEqual([
      ['reasoning', '', 'done'],
      ['tool-call', 'call_NowLost', 'streaming'],
    ]);
    expect(await logText(page)).toContain(`The engine failed; trying again (attempt 1 of ${MAX_RETRIES})…`);

    // what is left: step 1's card with its result, then step 2's surviving card with its result
    const cards = lastAnswer(page).locator('.tool-call');
    expect(
      await cards.evaluateAll((list) => list.map((card) => [(card as HTMLElement).dataset.toolId, card.querySelector('.tool-name')?.textContent])),
    ).toEqual([
      ['call_Add1', 'add'],
      ['call_NowKept', 'now'],
    ]);
    expect(await cards.evaluateAll((list) => list.map((card) => (card as HTMLElement).dataset.state))).toEqual(['done', 'done']);
    expect(JSON.parse((await cards.nth(0).locator('.tool-args').textContent()) ?? '')).toEqual({ a: 2, b: 3 });
    expect(JSON.parse((await cards.nth(0).locator('.tool-result').textContent()) ?? '')).toEqual({ sum: 5 });
    expect(JSON.parse((await cards.nth(1).locator('.tool-args').textContent()) ?? '')).toEqual({});
    const now = JSON.parse((await cards.nth(1).locator('.tool-result').textContent()) ?? '') as { iso: string };
    expect(now.iso).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await lastAnswer(page).locator('details.reasoning').count()).toBe(0);
    // the text: step 1's sentence and the answer, not the lost try's sentence
    expect(await answerText(page)).toBe(STEP1_TEXT + FINAL_TEXT.join(''));

    // it is what the conversation stored, step by step
    const stored = await fetch(`${sample.url}/conversations/${conversationOf(page)}/messages`, { signal: AbortSignal.timeout(5000) });
    expect(stored.status).toBe(200);
    const messages = ((await stored.json()) as { messages: { role: string; content: string }[] }).messages;
    // (one assistant message per step: the two calls', then the answer's)
    expect(messages.filter((m) => m.role === 'assistant').map((m) => m.content)).toEqual([STEP1_TEXT, '', FINAL_TEXT.join('')]);

    // the retry asked again for step 2, with step 1's call and result and nothing of the lost try
    expect(turnsOf(provider.requests[2])).toEqual(turnsOf(provider.requests[1]));
    expect(turnsOf(provider.requests[1])).toEqual([
      { role: 'user', calls: undefined, result: undefined },
      { role: 'assistant', calls: ['call_Add1'], result: undefined },
      { role: 'tool', calls: undefined, result: 'call_Add1' },
    ]);
    expect(turnsOf(provider.requests[3]).slice(3)).toEqual([
      { role: 'assistant', calls: ['call_NowKept'], result: undefined },
      { role: 'tool', calls: undefined, result: 'call_NowKept' },
    ]);
    await screenshot(page, '10-restarted-step');
    await page.close();
  }, 40_000);
});
