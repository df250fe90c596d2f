// @vitest-environment happy-dom
import { waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BASE_URL, balanceBody, fail, mockServer, ok, TOKEN } from './test-utils.tsx';

afterEach(() => {
  document.body.replaceChildren();
  vi.unstubAllGlobals();
});

describe('custom elements', () => {
  it('renders <tollgate-credit-balance> into its shadow root', async () => {
    mockServer({ '/balance': ok(balanceBody(2_000_000)) });
    await import('./elements.ts');
    const element = document.createElement('tollgate-credit-balance');
    element.setAttribute('token', TOKEN);
    element.setAttribute('base-url', BASE_URL);
    element.setAttribute('locale', 'en-US');
    document.body.append(element);
    await waitFor(() => expect(element.shadowRoot?.textContent).toContain('$2.00'));
  });

  it('dispatches tollgate:token-expired on 401', async () => {
    mockServer({ '/balance': fail(401, 'token_expired') });
    await import('./elements.ts');
    const expired = vi.fn();
    document.addEventListener('tollgate:token-expired', expired);
    const element = document.createElement('tollgate-credit-balance');
    element.setAttribute('token', TOKEN);
    element.setAttribute('base-url', BASE_URL);
    document.body.append(element);
    await waitFor(() => expect(expired).toHaveBeenCalledOnce());
    expect(element.shadowRoot?.textContent).toContain('Your session expired');
  });
});
