import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../../test/e2e/browser.ts';
import { startDemoStack } from './stack.ts';

/**
 * `npm run screenshots`: the demo in both themes, as docs/ui-light.png and docs/ui-dark.png. Taken
 * once every component has loaded, so the images never show a skeleton.
 */
const DOCS_DIR = fileURLToPath(new URL('../../../docs/', import.meta.url));
const LOAD_TIMEOUT_MS = 15_000;

const stack = await startDemoStack();
const browser = await launchChromium();
try {
  for (const theme of ['light', 'dark'] as const) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(`${stack.url}/?theme=${theme}`);
    await page.getByTestId('tg-balance').first().waitFor({ timeout: LOAD_TIMEOUT_MS });
    await page.waitForFunction(() => {
      const { document } = globalThis as unknown as { document: { querySelector(s: string): unknown } };
      return document.querySelector('.tg-loading') === null;
    });
    const path = `${DOCS_DIR}ui-${theme}.png`;
    await page.screenshot({ path, fullPage: true });
    console.log(`Saved ${path}`);
    await page.close();
  }
} finally {
  await browser.close();
  await stack.close();
}
