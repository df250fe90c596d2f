import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { buildPage } from '../../apps/demo/server/build-page.ts';
import { type DemoStack, startDemoStack } from '../../apps/demo/server/stack.ts';
import { launchChromium } from './browser.ts';

/** The demo stack and a browser, started once per test file (building the page is the slow part). */
export interface E2e {
  stack: DemoStack;
  browser: Browser;
  /** Opens the demo with `query` and waits for the balance (or an error) to be shown. */
  open(query?: string): Promise<Page>;
  close(): Promise<void>;
}

export async function startE2e(): Promise<E2e> {
  // The browser first: a machine without Chromium fails at once, with the fix in the message.
  const browser = await launchChromium();
  const pageDir = await buildPage();
  const stack = await startDemoStack({ pageDir });
  const pages: Page[] = [];
  return {
    stack,
    browser,
    async open(query = '') {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      pages.push(page);
      await page.goto(`${stack.url}/${query}`);
      await page.locator('[data-testid="tg-balance"], [data-tg-error]').first().waitFor({ timeout: 10_000 });
      return page;
    },
    async close() {
      for (const page of pages) await page.close();
      await browser.close();
      await stack.close();
      rmSync(pageDir, { recursive: true, force: true });
    },
  };
}

/** One chat completion through the real gateway with the seeded customer's virtual key. */
export async function gatewayCall(stack: DemoStack): Promise<Response> {
  return fetch(`${stack.tollgate.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.seeded.virtualKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  });
}
