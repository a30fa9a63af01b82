import { randomBytes } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { outputPath } from './harness.js';

/**
 * What the chat page specs do with the sample's page (sample/public/index.html + chat.js):
 * open it on a conversation, ask, and read what it shows. Selectors are the page's own.
 */

/** A fresh conversation id, as the page accepts it in `?c=…`. */
export const newConversationId = (): string => `t${randomBytes(8).toString('hex')}`;

/**
 * A new tab on `origin` and conversation `conversationId`, once the page has loaded its
 * engines and history. Every request the page makes elsewhere than `origin` (data: URLs
 * aside) is pushed to `foreign`, for the spec to check that it stays empty.
 */
export async function openChat(context: BrowserContext, origin: string, foreign: string[], conversationId = newConversationId()): Promise<Page> {
  const page = await context.newPage();
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith('data:')) foreign.push(url);
  });
  await page.goto(`${origin}/?c=${conversationId}`);
  await page.waitForSelector('html[data-ready="true"]');
  return page;
}

/** Types the question with `maxTokens` and sends it with Enter. */
export async function ask(page: Page, question: string, maxTokens = 256): Promise<void> {
  await page.fill('#max-tokens', String(maxTokens));
  await page.fill('#message', question);
  await page.press('#message', 'Enter');
}

export const lastAnswer = (page: Page) => page.locator('#history li.assistant').last();
export const answerText = async (page: Page) => (await lastAnswer(page).locator('.text').textContent()) ?? '';
export const statusState = (page: Page) => page.getAttribute('#status', 'data-state');
export const logText = async (page: Page) => (await page.locator('#log').textContent()) ?? '';

/** Waits until the status line is in one of `states`, and returns it. */
export async function waitForState(page: Page, states: string[], timeout = 15_000): Promise<string> {
  const selector = states.map((state) => `#status[data-state="${state}"]`).join(', ');
  await page.waitForSelector(selector, { timeout });
  return (await statusState(page)) ?? '';
}

/** A full-page screenshot in test-output/browser/. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: outputPath(`${name}.png`), fullPage: true });
}
