// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BillingDashboard } from './billing-dashboard.tsx';
import { CreditBalance } from './credit-balance.tsx';
import { TollgateProvider } from './provider.tsx';
import {
  BASE_URL,
  balanceBody,
  budget,
  MockEventSource,
  mockServer,
  ok,
  renderWith,
  usageRow,
} from './test-utils.tsx';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('<TollgateProvider>', () => {
  it('maps the theme prop to data-tg-theme and --tg-* variables', () => {
    mockServer({});
    const { container } = renderWith(<span />, {
      theme: {
        theme: 'dark',
        variables: { colorPrimary: '#ff0000', fontFamily: 'Inter', chartColors: ['#111'] },
      },
    });
    const root = container.querySelector<HTMLElement>('.tg-root')!;
    expect(root.dataset.tgTheme).toBe('dark');
    expect(root.style.getPropertyValue('--tg-color-primary')).toBe('#ff0000');
    expect(root.style.getPropertyValue('--tg-font-family')).toBe('Inter');
    expect(root.style.getPropertyValue('--tg-chart-1')).toBe('#111');
  });

  it('accepts a theme name', () => {
    mockServer({});
    const { container } = renderWith(<span />, { theme: 'auto' });
    expect(container.querySelector<HTMLElement>('.tg-root')?.dataset.tgTheme).toBe('auto');
  });

  it('tells the developer the fix when a component has no provider, or the token no customer', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => render(<CreditBalance />)).toThrow(/inside <TollgateProvider/);
    expect(() => render(<TollgateProvider token="opaque" baseUrl={BASE_URL} />)).toThrow(/customerId/);
  });

  it('renders the dashboard on one shared stream', async () => {
    mockServer({
      '/balance': ok(balanceBody(5_000_000)),
      '/budgets': ok({ data: [budget('warning', 'soft', 80_000_000)] }),
      '/usage': ok({ data: [usageRow('2026-03-01T00:00:00Z', 'chat', 1_000_000)] }),
    });
    renderWith(<BillingDashboard />, { locale: 'en-US' });
    expect((await screen.findByTestId('tg-balance')).textContent).toBe('$5.00');
    expect(await screen.findByRole('table')).toBeTruthy();
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    expect(MockEventSource.instances).toHaveLength(1);
  });
});
