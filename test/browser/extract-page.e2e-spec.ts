import type { BrowserContext } from 'playwright-core';
import { outputPath, startBrowserSuite, type BrowserSuite, type SampleProcess } from './harness.js';

/**
 * The chat page's structured-output section in headless Chromium: the contact form fills in
 * from `object_partial` events of `POST /extract/stream`, then shows the validated object.
 */
let suite: BrowserSuite | undefined;
let sample: SampleProcess;
let context: BrowserContext;

beforeAll(async () => {
  suite = await startBrowserSuite({
    BUPPLE_ENGINE_OFFLINE_TOKEN_DELAY_MS: '25',
    BUPPLE_DEFAULT_ENGINE_DRIVER: 'offline',
    BUPPLE_MEMORY_DRIVER: 'memory',
  });
  ({ sample, context } = suite);
}, 60_000);

afterAll(() => suite?.close(), 20_000);

it('the contact form fills in as the object streams, then shows the validated object', async () => {
  const text = 'Meet Jane Doe from Acme Corp, jane.doe@acme.io, +1 555 0100 #design #remote';
  const expected = (await (
    await fetch(`${sample.url}/extract`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) })
  ).json()) as { contact: { name: string; email?: string; phone?: string; company?: string; tags: string[] } };
  const page = await context.newPage();
  await page.goto(sample.url);
  // every value the form shows, as it changes
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { seen: string[] }).seen = seen;
    const contact = document.getElementById('contact')!;
    new MutationObserver(() => seen.push(contact.innerText)).observe(contact, { subtree: true, childList: true, characterData: true });
  });
  await page.fill('#extract-text', text);
  await page.click('#extract-send');
  await page.waitForFunction(() => document.getElementById('contact')?.dataset.state === 'done', undefined, { timeout: 20_000 });
  const shown = Object.fromEntries(
    await Promise.all(
      ['name', 'email', 'phone', 'company', 'tags'].map(async (field) => [field, await page.locator(`#contact-${field}`).textContent()] as const),
    ),
  );
  const object = expected.contact;
  expect(shown).toEqual({
    name: object.name,
    email: object.email ?? '',
    phone: object.phone ?? '',
    company: object.company ?? '',
    tags: object.tags.join(', '),
  });
  expect(object.email).toBe('jane.doe@acme.io');
  const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
  // it filled in step by step: several distinct states before the final one
  expect(new Set(seen).size).toBeGreaterThan(2);
  expect(await page.locator('#contact-status').textContent()).toMatch(/^Done: validated after \d+ partial updates\.$/);
  await page.screenshot({ path: outputPath('extract-section.png'), fullPage: true });
  await page.close();
}, 40_000);
