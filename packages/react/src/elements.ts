import { createElement, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { BillingDashboard } from './billing-dashboard.tsx';
import { BudgetAlert } from './budget-alert.tsx';
import { CreditBalance } from './credit-balance.tsx';
import { TollgateProvider } from './provider.tsx';
import type { UsageRange } from './range-picker.tsx';
import styles from './styles.css';
import type { ThemeName } from './theme.ts';
import type { GroupBy } from './types.ts';
import { UsageGraph } from './usage-graph.tsx';

/** Attributes every element reads; a change re-renders it (set a fresh `token` after expiry). */
const COMMON = ['token', 'base-url', 'customer-id', 'theme', 'locale', 'range', 'group-by'] as const;

let sheet: CSSStyleSheet | undefined;

/** Shares one parsed stylesheet between every shadow root (where constructable sheets exist). */
function adoptStyles(root: ShadowRoot): void {
  if (
    'adoptedStyleSheets' in root &&
    typeof CSSStyleSheet === 'function' &&
    'replaceSync' in CSSStyleSheet.prototype
  ) {
    sheet ??= new CSSStyleSheet();
    if (sheet.cssRules.length === 0) sheet.replaceSync(styles);
    root.adoptedStyleSheets = [sheet];
    return;
  }
  const style = document.createElement('style');
  style.textContent = styles;
  root.append(style);
}

/**
 * Defines a custom element that renders `render(attributes)` inside a TollgateProvider, in a shadow
 * root with the kit's stylesheet (host CSS cannot break it; `--tg-*` variables still inherit in).
 * A 401 dispatches `tollgate:token-expired` (bubbling, composed) so the host can set a new token.
 */
function defineTollgateElement(name: string, render: (element: HTMLElement) => ReactNode): void {
  if (typeof customElements === 'undefined' || customElements.get(name)) return;
  class TollgateElement extends HTMLElement {
    static observedAttributes = [...COMMON];
    #root: Root | undefined;

    connectedCallback() {
      if (!this.#root) {
        const shadow = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
        adoptStyles(shadow);
        const mount = document.createElement('div');
        shadow.append(mount);
        this.#root = createRoot(mount);
      }
      this.#render();
    }

    disconnectedCallback() {
      // Unmount after the current task so moving the element in the DOM does not drop the stream.
      queueMicrotask(() => {
        if (this.isConnected) return;
        this.#root?.unmount();
        this.#root = undefined;
        this.shadowRoot?.replaceChildren();
      });
    }

    attributeChangedCallback() {
      if (this.#root) this.#render();
    }

    #render() {
      const token = this.getAttribute('token');
      const baseUrl = this.getAttribute('base-url');
      if (!token || !baseUrl) {
        console.error(`<${name}>: set both the "token" and "base-url" attributes.`);
        return;
      }
      const customerId = this.getAttribute('customer-id') ?? undefined;
      this.#root?.render(
        createElement(
          TollgateProvider,
          {
            token,
            baseUrl,
            customerId,
            theme: (this.getAttribute('theme') ?? 'light') as ThemeName,
            locale: this.getAttribute('locale') ?? undefined,
            onTokenExpired: () =>
              this.dispatchEvent(
                new CustomEvent('tollgate:token-expired', { bubbles: true, composed: true }),
              ),
          },
          render(this),
        ),
      );
    }
  }
  customElements.define(name, TollgateElement);
}

const range = (el: HTMLElement) => (el.getAttribute('range') ?? undefined) as UsageRange | undefined;
const groupBy = (el: HTMLElement) => (el.getAttribute('group-by') ?? undefined) as GroupBy | undefined;

defineTollgateElement('tollgate-credit-balance', () => createElement(CreditBalance));
defineTollgateElement('tollgate-usage-graph', (el) =>
  createElement(UsageGraph, { range: range(el), groupBy: groupBy(el) }),
);
defineTollgateElement('tollgate-budget-alert', () => createElement(BudgetAlert));
defineTollgateElement('tollgate-billing-dashboard', (el) =>
  createElement(BillingDashboard, { range: range(el), groupBy: groupBy(el) }),
);
