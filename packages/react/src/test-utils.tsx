import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { vi } from 'vitest';
import { TollgateProvider, type TollgateProviderProps } from './provider.tsx';
import type { BalanceResponse, Budget, UsageRow } from './types.ts';

/** A customer token for `cus_1` (unsigned: the kit only reads `sub`). */
export const TOKEN = `e30.${btoa(JSON.stringify({ sub: 'cus_1' })).replace(/=+$/, '')}.sig`;
export const BASE_URL = 'https://tg.test';

/** A stand-in EventSource the test drives with `push`. */
export class MockEventSource {
  static instances: MockEventSource[] = [];
  readyState = 1;
  onerror: ((event: Event) => void) | null = null;
  readonly #listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();

  constructor(readonly url: string) {
    MockEventSource.instances.push(this);
  }

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.readyState = 2;
  }

  push(type: string, data: unknown): void {
    const event = new MessageEvent(type, { data: JSON.stringify(data) });
    for (const listener of this.#listeners.get(type) ?? []) listener(event);
  }
}

type Reply = { status: number; body: unknown } | (() => Promise<never>);

/** Routes of the mocked server: a path suffix (`/balance`, `/usage`, `/budgets`) → reply. */
export function mockServer(routes: Record<string, Reply>) {
  const fetchMock = vi.fn(async (input: RequestInfo | URL) => {
    const url = new URL(String(input));
    const path = url.pathname.replace(/^\/api\/v1\/customers\/[^/]+/, '');
    const reply = routes[path];
    if (!reply)
      return new Response(JSON.stringify({ error: { code: 'not_found', message: path } }), { status: 404 });
    if (typeof reply === 'function') return reply();
    return new Response(JSON.stringify(reply.body), { status: reply.status });
  });
  MockEventSource.instances = [];
  vi.stubGlobal('fetch', fetchMock);
  vi.stubGlobal('EventSource', MockEventSource);
  return fetchMock;
}

/** Never answers: the loading state. */
export const pending = (): Promise<never> => new Promise<never>(() => {});

export const ok = (body: unknown) => ({ status: 200, body });
export const fail = (status: number, code: string) => ({ status, body: { error: { code, message: code } } });

export function renderWith(ui: ReactNode, props: Partial<TollgateProviderProps> = {}) {
  return render(
    <TollgateProvider token={TOKEN} baseUrl={BASE_URL} {...props}>
      {ui}
    </TollgateProvider>,
  );
}

export function balanceBody(
  available: number,
  unit = 'usd',
  extra: Partial<BalanceResponse['wallets'][0]> = {},
) {
  return {
    customer_id: 'cus_1',
    updated_at: '2026-03-01T00:00:00Z',
    wallets: [
      {
        id: 'w_1',
        unit,
        team_id: null,
        balance: available,
        pending: 0,
        available,
        owed: 0,
        expiring_soon: [],
        ...extra,
      },
    ],
  } satisfies BalanceResponse;
}

export function budget(
  health: Budget['health'],
  mode: Budget['mode'],
  spent: number,
  amount = 100_000_000,
): Budget {
  return {
    id: `b_${health}_${mode}`,
    scope: { customer_id: 'cus_1' },
    period: 'month',
    amount,
    mode,
    spent,
    pending: 0,
    remaining: amount - spent,
    period_key: '2026-03',
    resets_at: '2026-04-01T00:00:00Z',
    health,
  };
}

export function usageRow(bucket: string, group: string, price: number, requests = 1): UsageRow {
  return { bucket, group, requests, input_tokens: 100, output_tokens: 50, price };
}
