export { BillingDashboard, type BillingDashboardProps } from './billing-dashboard.tsx';
export { BudgetAlert, type BudgetAlertProps } from './budget-alert.tsx';
export { BudgetHealth, type BudgetHealthProps } from './budget-health.tsx';
export {
  type CustomerClient,
  type CustomerClientOptions,
  createCustomerClient,
  type StreamMessage,
} from './client.ts';
export { CreditBalance, type CreditBalanceProps } from './credit-balance.tsx';
export { TollgateError } from './errors.ts';
export { TollgateProvider, type TollgateProviderProps } from './provider.tsx';
export type { UsageRange } from './range-picker.tsx';
export type { Theme, ThemeName, ThemeVariables } from './theme.ts';
export type * from './types.ts';
export { UsageGraph, type UsageGraphProps } from './usage-graph.tsx';
export type { UsageMetric } from './usage-series.ts';
export { UsageTable, type UsageTableProps } from './usage-table.tsx';
export { type BudgetState, useBudget } from './use-budget.ts';
export { type CreditsState, useCredits } from './use-credits.ts';
export { type UsageOptions, type UsageState, useUsage } from './use-usage.ts';
