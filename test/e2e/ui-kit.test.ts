import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, mintCustomerToken } from '../../apps/demo/server/admin-client.ts';
import { describeViolations, seriousViolations } from './axe.ts';
import { type E2e, gatewayCall, startE2e } from './demo-stack.ts';

/**
 * The UI kit in real headless Chromium against a real Tollgate (demo stack: fake OpenAI upstream,
 * seeded customer, the demo page): live balance, tenant isolation, expiry, accessibility.
 */
describe('UI kit in the browser', () => {
  let started: E2e | undefined;
  let startError: unknown;
  // Every test fails with the start-up error (e.g. no Chromium: install it), rather than being
  // reported as skipped, which a failing beforeAll would do.
  const e2e = (): E2e => {
    if (!started) throw startError;
    return started;
  };
  beforeAll(async () => {
    started = await startE2e().catch((error: unknown) => {
      startError = error;
      return undefined;
    });
  }, 60_000);
  afterAll(async () => {
    await started?.close();
  });

  it('renders every component of the kit with the seeded data', async () => {
    const page = await e2e().open();
    await expect.poll(() => page.locator('.tg-loading').count(), { timeout: 10_000 }).toBe(0);
    const crashes = await page.locator('[data-demo-crash]').allTextContents();
    expect(crashes).toEqual([]);
    for (const name of [
      'CreditBalance',
      'BudgetHealth',
      'BudgetAlert',
      'UsageGraph',
      'UsageTable',
      'BillingDashboard',
    ]) {
      expect(await page.locator(`[data-demo="${name}"]`).count(), name).toBe(1);
    }
    expect(await page.locator('[data-tg-error]').count()).toBe(0);
  });

  it('moves the balance within 2 s of a gateway call, without a reload', async () => {
    const page = await e2e().open();
    const balance = page.getByTestId('tg-balance').first();
    const before = await balance.textContent();
    // A reload would drop this marker: the new balance must come from the live stream.
    await page.evaluate(() => Object.assign(globalThis, { noReloadMarker: true }));
    const response = await gatewayCall(e2e().stack);
    expect(response.status, await response.text()).toBe(200);
    await expect.poll(() => balance.textContent(), { timeout: 2_000, interval: 50 }).not.toBe(before);
    expect(await page.evaluate(() => 'noReloadMarker' in globalThis)).toBe(true);
  });

  it('spends credits from the page: "Make a call" goes through the demo backend and the gateway', async () => {
    const page = await e2e().open();
    const balance = page.getByTestId('tg-balance').first();
    const before = await balance.textContent();
    await page.getByTestId('make-call').click();
    await page.getByText('Charged $0.1950').waitFor({ timeout: 5_000 });
    await expect.poll(() => balance.textContent(), { timeout: 2_000, interval: 50 }).not.toBe(before);
  });

  it("refuses a token reading another customer's data with 403, and says so", async () => {
    const { stack } = e2e();
    const admin = adminClient(stack.tollgate.url, stack.adminKey);
    const { token } = await mintCustomerToken(admin, stack.seeded.customerId);
    const direct = await fetch(
      `${stack.tollgate.url}/api/v1/customers/${stack.seeded.otherCustomerId}/balance`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(direct.status).toBe(403);

    const statuses: number[] = [];
    const page = await e2e().browser.newPage();
    page.on('response', (r) => {
      if (r.url().includes(`/customers/${stack.seeded.otherCustomerId}/`)) statuses.push(r.status());
    });
    await page.goto(`${stack.url}/?customer=${stack.seeded.otherCustomerId}`);
    await page.locator('[data-tg-error="forbidden"]').first().waitFor({ timeout: 10_000 });
    expect(statuses).toContain(403);
    expect(await page.getByTestId('tg-balance').count()).toBe(0);
    await page.close();
  });

  it('answers an expired token with 401 and shows the expired state', async () => {
    const { stack } = e2e();
    const admin = adminClient(stack.tollgate.url, stack.adminKey);
    const { token, expires_at } = await mintCustomerToken(admin, stack.seeded.customerId, 1);
    // JWT expiry has a one-second resolution: wait until it has surely passed.
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(expires_at) - Date.now()) + 1_100));
    const direct = await fetch(`${stack.tollgate.url}/api/v1/customers/${stack.seeded.customerId}/balance`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(direct.status).toBe(401);
    expect(((await direct.json()) as { error: { code: string } }).error.code).toBe('token_expired');

    const page = await e2e().open(`?token=${encodeURIComponent(token)}`);
    await page.locator('[data-tg-error="token_expired"]').first().waitFor({ timeout: 5_000 });
    expect(await page.getByTestId('tg-balance').count()).toBe(0);
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`has no serious or critical accessibility violations in the ${theme} theme`, async () => {
      const page = await e2e().open(`?theme=${theme}`);
      // Every component loaded: no skeleton left to check instead of the real content.
      await expect.poll(() => page.locator('.tg-loading').count(), { timeout: 10_000 }).toBe(0);
      const violations = await seriousViolations(page);
      expect(violations, describeViolations(violations)).toEqual([]);
    });
  }
});
