import {
  BillingDashboard,
  BudgetAlert,
  BudgetHealth,
  CreditBalance,
  TollgateProvider,
  UsageGraph,
  UsageTable,
} from '@tollgate/react';
import { type ReactNode, useEffect, useState } from 'react';
import { CallButton } from './call-button.tsx';
import { ElementsPanel } from './elements-panel.tsx';
import { PanelBoundary } from './panel-boundary.tsx';
import type { DemoSession, PageOptions } from './session.ts';

/** A frame naming the component inside; the component brings its own heading. */
function Panel(props: { title: string; label?: string; children: ReactNode; wide?: boolean }) {
  const { title, label = `<${title} />`, children, wide } = props;
  return (
    <div className={wide ? 'demo-panel demo-wide' : 'demo-panel'} data-demo={title}>
      <code className="demo-label">{label}</code>
      <PanelBoundary name={title}>{children}</PanelBoundary>
    </div>
  );
}

/** Every component of the kit, in the vendor's page, against the running Tollgate. */
export function App({ session, options }: { session: DemoSession; options: PageOptions }) {
  const [theme, setTheme] = useState(options.theme);
  // The page chrome follows the kit's theme, so the screenshots show one coherent page.
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const next = theme === 'light' ? 'dark' : 'light';
  return (
    <TollgateProvider
      token={session.token}
      baseUrl={session.base_url}
      customerId={options.customerId}
      theme={theme}
      locale="en-US"
    >
      <header className="demo-header">
        <div>
          <h1>Acme Robotics · Billing</h1>
          <p>The Tollgate UI kit, live against a running gateway.</p>
        </div>
        <div className="demo-actions">
          <CallButton />
          <button type="button" onClick={() => setTheme(next)} data-testid="theme-toggle">
            {`Switch to ${next} theme`}
          </button>
        </div>
      </header>
      <main className="demo-grid">
        <Panel title="CreditBalance">
          <CreditBalance />
        </Panel>
        <Panel title="BudgetHealth">
          <BudgetHealth />
        </Panel>
        <Panel title="BudgetAlert" wide>
          <BudgetAlert />
        </Panel>
        <Panel title="UsageGraph" wide>
          <UsageGraph groupBy="model" />
        </Panel>
        <Panel title="UsageTable" wide>
          <UsageTable groupBy="user" />
        </Panel>
        <Panel title="tollgate-credit-balance" label="<tollgate-credit-balance> (Web Components build)" wide>
          <ElementsPanel
            token={session.token}
            baseUrl={session.base_url}
            customerId={options.customerId}
            theme={theme}
          />
        </Panel>
        <Panel title="BillingDashboard" wide>
          <BillingDashboard />
        </Panel>
      </main>
    </TollgateProvider>
  );
}
