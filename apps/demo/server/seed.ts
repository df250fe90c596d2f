import { meteringStore, type Store } from '@tollgate/storage';
import type { AdminClient } from './admin-client.ts';
import { usageHistory } from './history.ts';

const DAY_MS = 86_400_000;
const USD = 1_000_000;

/** What the demo's backend keeps from seeding: the ids it reads and the key it spends with. */
export interface SeededDemo {
  customerId: string;
  walletId: string;
  /** A second customer, so that a token for the first one can be shown trying to read it. */
  otherCustomerId: string;
  /** The virtual key the "Make a call" button spends with; it never reaches the browser. */
  virtualKey: string;
}

interface Created {
  id: string;
}

/**
 * A customer as a real vendor would have one a month in: a usd wallet with a purchase and a promo
 * that expires soon, 30 days of usage across features, models and users, and a soft monthly and a
 * hard monthly budget for one feature. Money goes through the admin API; the past usage goes straight into the store,
 * since no API can back-date a call.
 */
export async function seedDemo(admin: AdminClient, store: Store, nowMs = Date.now()): Promise<SeededDemo> {
  const customerId = 'acme';
  await admin.post('/customers', { id: customerId, name: 'Acme Robotics' });
  await admin.post('/customers', { id: 'globex', name: 'Globex' });
  const wallet = await admin.post<Created>('/wallets', { customer_id: customerId, unit: 'usd' });
  await admin.post('/wallets', { customer_id: 'globex', unit: 'usd' });
  // Demo prices: one fake call (27 input + 42 output tokens) costs about 20 cents, so a single
  // click visibly moves a balance shown in cents.
  await admin.post('/rate-cards', {
    provider: 'openai',
    model: 'gpt-4o-mini',
    input: 1_000 * USD,
    output: 4_000 * USD,
  });

  const history = usageHistory(customerId, wallet.id, nowMs);
  await meteringStore(store).insertUsageEvents(history);
  const spentMicros = history.reduce((sum, e) => sum + e.price, 0n);
  await admin.post(`/wallets/${wallet.id}/grants`, { amount: 80 * USD, source: 'purchase' });
  // The past month's spend, so the balance is what is left after it (before the promo, which
  // would otherwise be drawn first as the soonest-expiring lot).
  await admin.post(`/wallets/${wallet.id}/deductions`, {
    amount: Number(spentMicros),
    reason: 'usage to date',
  });
  await admin.post(`/wallets/${wallet.id}/grants`, {
    amount: 5 * USD,
    source: 'promo',
    expires_at: new Date(nowMs + 6 * DAY_MS).toISOString(),
  });

  // Budgets count what the gateway captured (not the back-dated history): the soft one is sized
  // so that today's seeded calls put it in its warning band (≥ 80% used).
  await admin.post('/budgets', {
    scope: { customer_id: customerId },
    period: 'day',
    amount: 2 * USD,
    mode: 'soft',
  });
  await admin.post('/budgets', {
    scope: { customer_id: customerId, feature: 'chat' },
    period: 'month',
    amount: 60 * USD,
    mode: 'hard',
  });
  const key = await admin.post<{ key: string }>('/keys', { customer_id: customerId, feature: 'chat' });
  return { customerId, walletId: wallet.id, otherCustomerId: 'globex', virtualKey: key.key };
}
