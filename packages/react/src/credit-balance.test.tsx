// @vitest-environment happy-dom
import { act, cleanup, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CreditBalance } from './credit-balance.tsx';
import {
  balanceBody,
  fail,
  MockEventSource,
  mockServer,
  ok,
  pending,
  renderWith,
  TOKEN,
} from './test-utils.tsx';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('<CreditBalance>', () => {
  it('shows a loading state', () => {
    mockServer({ '/balance': pending });
    renderWith(<CreditBalance />);
    expect(screen.getByRole('status').textContent).toContain('Loading balance');
  });

  it('shows the primary wallet in its currency, reserved and expiring credits', async () => {
    mockServer({
      '/balance': ok(
        balanceBody(12_500_000, 'usd', {
          pending: 1_000_000,
          expiring_soon: [{ grant_id: 'g1', amount: 5_000_000, expires_at: '2026-03-20T12:00:00Z' }],
        }),
      ),
    });
    renderWith(<CreditBalance />, { locale: 'en-US' });
    expect((await screen.findByTestId('tg-balance')).textContent).toBe('$12.50');
    expect(screen.getByText(/reserved/).textContent).toBe('$1.00 reserved for calls in progress');
    expect(screen.getByRole('list', { name: 'Credits expiring soon' }).textContent).toBe(
      '$5.00 expire on Mar 20, 2026',
    );
  });

  it('formats in de-DE, and non-currency units as number + unit', async () => {
    mockServer({ '/balance': ok(balanceBody(1_234_500_000, 'usd')) });
    renderWith(<CreditBalance />, { locale: 'de-DE' });
    expect((await screen.findByTestId('tg-balance')).textContent).toBe('1.234,50\u00a0$');
    cleanup();
    mockServer({ '/balance': ok(balanceBody(1_234_500_000, 'credits')) });
    renderWith(<CreditBalance />, { locale: 'de-DE' });
    expect((await screen.findByTestId('tg-balance')).textContent).toBe('1.234,5 credits');
  });

  it('shows an empty state when the customer has no wallet', async () => {
    mockServer({ '/balance': ok({ customer_id: 'cus_1', wallets: [], updated_at: '2026-03-01T00:00:00Z' }) });
    renderWith(<CreditBalance />);
    expect(await screen.findByText('No credits yet.')).toBeTruthy();
  });

  it('shows a server error (500)', async () => {
    mockServer({ '/balance': fail(500, 'internal_error') });
    renderWith(<CreditBalance />);
    expect((await screen.findByRole('alert')).textContent).toContain('Billing data is unavailable');
  });

  it('shows an expired session (401) and calls onTokenExpired once', async () => {
    mockServer({ '/balance': fail(401, 'token_expired') });
    const onTokenExpired = vi.fn();
    renderWith(<CreditBalance />, { onTokenExpired });
    expect((await screen.findByRole('alert')).textContent).toContain('Your session expired');
    expect(onTokenExpired).toHaveBeenCalledTimes(1);
    expect(onTokenExpired.mock.calls[0]?.[0]).toMatchObject({ status: 401, code: 'token_expired' });
  });

  it('shows a forbidden state (403) without calling onTokenExpired', async () => {
    mockServer({ '/balance': fail(403, 'forbidden') });
    const onTokenExpired = vi.fn();
    renderWith(<CreditBalance />, { onTokenExpired });
    expect((await screen.findByRole('alert')).textContent).toContain('No access');
    expect(onTokenExpired).not.toHaveBeenCalled();
  });

  it('updates live from a balance event, without refetching', async () => {
    const fetchMock = mockServer({ '/balance': ok(balanceBody(10_000_000)) });
    renderWith(<CreditBalance />, { locale: 'en-US' });
    expect((await screen.findByTestId('tg-balance')).textContent).toBe('$10.00');
    const [source] = MockEventSource.instances;
    expect(MockEventSource.instances).toHaveLength(1);
    expect(source?.url).toBe(
      `https://tg.test/api/v1/customers/cus_1/stream?token=${encodeURIComponent(TOKEN)}`,
    );
    act(() => source?.push('balance', balanceBody(7_250_000)));
    await waitFor(() => expect(screen.getByTestId('tg-balance').textContent).toBe('$7.25'));
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it('takes its first value from the stream snapshot', async () => {
    mockServer({ '/balance': pending, '/budgets': pending });
    renderWith(<CreditBalance />, { locale: 'en-US' });
    act(() =>
      MockEventSource.instances[0]?.push('snapshot', {
        balance: balanceBody(3_000_000),
        budgets: { data: [] },
      }),
    );
    expect((await screen.findByTestId('tg-balance')).textContent).toBe('$3.00');
  });
});
