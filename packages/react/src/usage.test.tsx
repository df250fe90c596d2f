// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { balanceBody, fail, mockServer, ok, pending, renderWith, usageRow } from './test-utils.tsx';
import { UsageGraph } from './usage-graph.tsx';
import { UsageTable } from './usage-table.tsx';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const rows = [
  usageRow('2026-03-01T00:00:00Z', 'chat', 1_500_000, 3),
  usageRow('2026-03-01T00:00:00Z', 'search', 500_000, 2),
  usageRow('2026-03-02T00:00:00Z', 'chat', 2_000_000, 4),
];

describe('<UsageGraph>', () => {
  it('shows loading, then stacked bars with a legend', async () => {
    mockServer({ '/balance': ok(balanceBody(1)), '/usage': ok({ data: rows }) });
    renderWith(<UsageGraph />, { locale: 'en-US' });
    expect(screen.getByRole('status').textContent).toContain('Loading usage');
    const bars = await screen.findAllByRole('img');
    expect(bars.map((bar) => bar.getAttribute('aria-label'))).toEqual(['Mar 1: $2.00', 'Mar 2: $2.00']);
    expect(screen.getByRole('list', { name: 'Legend' }).textContent).toBe('chatsearch');
  });

  it('opens an accessible tooltip on keyboard focus and moves with arrow keys', async () => {
    mockServer({ '/balance': ok(balanceBody(1)), '/usage': ok({ data: rows }) });
    renderWith(<UsageGraph />, { locale: 'en-US' });
    const [first, second] = await screen.findAllByRole('img');
    expect(first?.getAttribute('tabindex')).toBe('0');
    fireEvent.focus(first!);
    const tooltip = screen.getByRole('tooltip');
    expect(first?.getAttribute('aria-describedby')).toBe(tooltip.id);
    expect(tooltip.textContent).toContain('chat: $1.50');
    expect(tooltip.textContent).toContain('search: $0.50');
    fireEvent.keyDown(first!, { key: 'ArrowRight' });
    expect(document.activeElement).toBe(second);
  });

  it('asks the server for the chosen range and grouping', async () => {
    const fetchMock = mockServer({ '/balance': ok(balanceBody(1)), '/usage': ok({ data: [] }) });
    renderWith(<UsageGraph groupBy="model" />);
    await screen.findByText('No usage in this period.');
    fireEvent.click(screen.getByRole('button', { name: 'Last 7 days' }));
    expect(screen.getByRole('button', { name: 'Last 7 days' }).getAttribute('aria-pressed')).toBe('true');
    await screen.findByText('No usage in this period.');
    const urls = fetchMock.mock.calls
      .map(([url]) => new URL(String(url)))
      .filter((u) => u.pathname.endsWith('/usage'));
    const last = urls.at(-1)!;
    expect(last.searchParams.get('group_by')).toBe('model');
    expect(last.searchParams.get('granularity')).toBe('day');
    const days =
      (Date.parse(last.searchParams.get('to')!) - Date.parse(last.searchParams.get('from')!)) / 86_400_000;
    expect(Math.round(days)).toBe(7);
  });

  it('shows 500 with a retry, 401 and 403', async () => {
    mockServer({ '/balance': pending, '/usage': fail(500, 'internal_error') });
    renderWith(<UsageGraph />);
    expect((await screen.findByRole('alert')).textContent).toContain('unavailable');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
    cleanup();
    const onTokenExpired = vi.fn();
    mockServer({ '/balance': pending, '/usage': fail(401, 'token_expired') });
    renderWith(<UsageGraph />, { onTokenExpired });
    expect((await screen.findByRole('alert')).textContent).toContain('Your session expired');
    expect(onTokenExpired).toHaveBeenCalledTimes(1);
    cleanup();
    mockServer({ '/balance': pending, '/usage': fail(403, 'forbidden') });
    renderWith(<UsageGraph />);
    expect((await screen.findByRole('alert')).textContent).toContain('No access');
  });
});

describe('<UsageTable>', () => {
  it('sums rows per group, with totals, in the locale', async () => {
    mockServer({ '/balance': ok(balanceBody(1)), '/usage': ok({ data: rows }) });
    renderWith(<UsageTable />, { locale: 'de-DE' });
    const table = await screen.findByRole('table');
    const chat = within(table).getByRole('row', { name: /chat/ });
    expect(chat.textContent).toBe('chat72001003,50\u00a0$');
    expect(within(table).getByRole('row', { name: /Total/ }).textContent).toContain('4,00\u00a0$');
  });

  it('shows loading, empty, 500, 401 and 403', async () => {
    mockServer({ '/balance': pending, '/usage': pending });
    renderWith(<UsageTable />);
    expect(screen.getByRole('status')).toBeTruthy();
    cleanup();
    mockServer({ '/balance': pending, '/usage': ok({ data: [] }) });
    renderWith(<UsageTable />);
    expect(await screen.findByText('No usage in this period.')).toBeTruthy();
    for (const [status, text] of [
      [500, 'unavailable'],
      [401, 'session expired'],
      [403, 'No access'],
    ] as const) {
      cleanup();
      mockServer({ '/balance': pending, '/usage': fail(status, 'x') });
      renderWith(<UsageTable />);
      expect((await screen.findByRole('alert')).textContent).toContain(text);
    }
  });
});
