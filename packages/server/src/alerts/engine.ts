import { type IdFactory, newId, type Wallet } from '@tollgate/domain';
import {
  type AlertChannelRow,
  type AlertsStore,
  alertsStore,
  type Ledger,
  type Store,
} from '@tollgate/storage';
import { ALERT_EVENT_TYPES, type AlertData, type AlertPayload, money } from './payload.ts';
import { type AlertRule, appliesTo, balanceThreshold, type RuleOf, ruleFromRow, windowOf } from './rules.ts';
import type { BudgetSource, RefusalSource } from './sources.ts';

/** The scheduled pass: every rule against every wallet, and the periodic rules. */
export const ALERT_EVALUATION_INTERVAL_MS = 60_000;
/** Ledger commits within this delay are evaluated together. */
export const ALERT_DEBOUNCE_MS = 50;
const PAGE_ROWS = 500;

export interface FiredAlert {
  eventId: string;
  ruleId: string;
  subject: string;
  type: string;
  payload: AlertPayload;
}

export interface AlertEngineOptions {
  store: Store;
  ledger: Ledger;
  alerts?: AlertsStore;
  clock?: () => number;
  newId?: IdFactory;
  budgets?: BudgetSource;
  refusals?: RefusalSource;
  intervalMs?: number;
  debounceMs?: number;
  log?: (line: string) => void;
}

interface Subject {
  subject: string;
  /** null: a latching rule (fires once per crossing); else the period it fires once in. */
  periodKey: string | null;
  customerId: string | null;
  data: AlertData;
}

/**
 * Evaluates alert rules off the request path: after ledger batches commit (the wallets they
 * changed, gathered for `debounceMs`) and on a schedule (everything). Passes never overlap. A
 * firing is decided by the database (one event per rule, subject and period, written with its
 * deliveries in one transaction), so engines of several processes may evaluate the same crossing
 * at once and still fire it once.
 */
export class AlertEngine {
  private readonly alerts: AlertsStore;
  private readonly clock: () => number;
  private readonly newId: IdFactory;
  private readonly log: (line: string) => void;
  private readonly listeners = new Set<(alert: FiredAlert) => void>();
  private readonly pendingWallets = new Set<string>();
  /** Budgets a call passed the soft cap of, and customers with new refusals: evaluated soon. */
  private readonly pendingBudgets = new Set<string>();
  private readonly pendingRefusals = new Set<string>();
  private fullPassDue = false;
  private running: Promise<void> | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly options: AlertEngineOptions) {
    this.alerts = options.alerts ?? alertsStore(options.store);
    this.clock = options.clock ?? Date.now;
    this.newId = options.newId ?? newId;
    this.log = options.log ?? console.log;
  }

  /** Listens to the ledger and arms the schedule. */
  start(): this {
    this.unsubscribe = this.options.ledger.onCommitted((walletIds) => this.noteWallets(walletIds));
    this.arm();
    return this;
  }

  /** Called after a firing is committed, e.g. `wallet.low_balance` for automatic top-ups. */
  onAlert(listener: (alert: FiredAlert) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Queues wallets for the next pass. */
  noteWallets(walletIds: readonly string[]): void {
    for (const id of walletIds) this.pendingWallets.add(id);
    this.schedule();
  }

  /** Queues the `budget_used` rules of these budgets (a call passed a soft cap) for the next pass. */
  noteBudgets(budgetIds: readonly string[]): void {
    for (const id of budgetIds) this.pendingBudgets.add(id);
    this.schedule();
  }

  /** Queues the `blocked_spike` rules of these customers (refusals were just recorded). */
  noteRefusals(customerIds: readonly string[]): void {
    for (const id of customerIds) this.pendingRefusals.add(id);
    this.schedule();
  }

  private pending(): boolean {
    return this.pendingWallets.size + this.pendingBudgets.size + this.pendingRefusals.size > 0;
  }

  private schedule(): void {
    if (this.debounce || this.stopped) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.flush();
    }, this.options.debounceMs ?? ALERT_DEBOUNCE_MS);
    this.debounce.unref();
  }

  /** Runs a full pass now (after the one running, if any) and waits for it. */
  async runNow(): Promise<void> {
    this.fullPassDue = true;
    while (this.fullPassDue && !this.stopped) await this.flush();
  }

  /** Waits until every queued wallet has been evaluated. */
  async settle(): Promise<void> {
    clearTimeout(this.debounce);
    this.debounce = undefined;
    while ((this.pending() || this.running) && !this.stopped) await this.flush();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.debounce);
    clearTimeout(this.timer);
    this.unsubscribe?.();
    await this.running;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => void this.runNow().finally(() => this.arm()),
      this.options.intervalMs ?? ALERT_EVALUATION_INTERVAL_MS,
    );
    this.timer.unref();
  }

  private flush(): Promise<void> {
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    while (!this.stopped && (this.pending() || this.fullPassDue)) {
      const full = this.fullPassDue;
      this.fullPassDue = false;
      const walletIds = [...this.pendingWallets];
      const budgetIds = new Set(this.pendingBudgets);
      const customerIds = [...this.pendingRefusals];
      this.pendingWallets.clear();
      this.pendingBudgets.clear();
      this.pendingRefusals.clear();
      try {
        if (full) await this.evaluateAll();
        else {
          await this.evaluateWallets(walletIds);
          await this.evaluateNoted(budgetIds, customerIds);
        }
      } catch (error) {
        // Nothing is lost: the next scheduled pass sees the same balances and spend.
        this.log(`Alert evaluation failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private async rules(): Promise<AlertRule[]> {
    const rules: AlertRule[] = [];
    for (let after: string | null = null; ; ) {
      const rows = await this.alerts.listRules(null, after, PAGE_ROWS);
      for (const row of rows) {
        const rule = ruleFromRow(row);
        if (rule) rules.push(rule);
      }
      if (rows.length < PAGE_ROWS) return rules;
      after = rows.at(-1)!.id;
    }
  }

  /** Balance rules on these wallets, spend-rate rules on their customers. */
  async evaluateWallets(walletIds: readonly string[]): Promise<void> {
    const rules = await this.rules();
    const customers = new Set<string>();
    for (const id of walletIds) {
      const wallet = await this.options.ledger.wallet(id);
      if (!wallet) continue;
      customers.add(wallet.customerId);
      await this.evaluateBalance(rules, wallet);
    }
    for (const rule of rules) {
      if (rule.kind !== 'spend_rate') continue;
      for (const customerId of customers)
        if (appliesTo(rule, customerId)) await this.evaluateSpend(rule, customerId);
    }
  }

  /** The budget rules of these budgets and the refusal rules of these customers. */
  private async evaluateNoted(budgetIds: ReadonlySet<string>, customerIds: readonly string[]): Promise<void> {
    if (budgetIds.size === 0 && customerIds.length === 0) return;
    for (const rule of await this.rules()) {
      if (rule.kind === 'budget_used' && budgetIds.has(rule.budgetId)) await this.evaluateBudget(rule);
      if (rule.kind !== 'blocked_spike') continue;
      for (const customerId of customerIds)
        if (appliesTo(rule, customerId)) await this.evaluateRefusals(rule, customerId);
    }
  }

  /** Every rule: every wallet's balance, and the periodic rules across customers. */
  async evaluateAll(): Promise<void> {
    const rules = await this.rules();
    if (rules.length === 0) return;
    if (rules.some((r) => r.kind === 'balance_below' || r.kind === 'wallet_empty')) {
      for (let after: string | null = null; ; ) {
        const page = await this.options.store.listWallets(null, after, PAGE_ROWS);
        for (const row of page) {
          const wallet = await this.options.ledger.wallet(row.id);
          if (wallet) await this.evaluateBalance(rules, wallet);
        }
        if (page.length < PAGE_ROWS) break;
        after = page.at(-1)!.id;
      }
    }
    for (const rule of rules) {
      if (rule.kind === 'spend_rate') await this.evaluateSpend(rule, rule.customerId);
      else if (rule.kind === 'budget_used') await this.evaluateBudget(rule);
      else if (rule.kind === 'blocked_spike') await this.evaluateRefusals(rule, rule.customerId);
    }
  }

  private async evaluateBalance(rules: readonly AlertRule[], wallet: Wallet): Promise<void> {
    const available = wallet.balance - wallet.pending;
    for (const rule of rules) {
      if (
        (rule.kind !== 'balance_below' && rule.kind !== 'wallet_empty') ||
        !appliesTo(rule, wallet.customerId)
      )
        continue;
      let threshold = 0n;
      if (rule.kind === 'balance_below') {
        const lastGrant =
          rule.percentOfLastGrant === null ? undefined : await this.alerts.lastGrantAmount(wallet.id);
        const computed = balanceThreshold(rule, lastGrant);
        if (computed === null) continue;
        threshold = computed;
      }
      const crossed = rule.kind === 'wallet_empty' ? available <= 0n : available < threshold;
      if (!crossed) {
        await this.alerts.rearm(rule.id, wallet.id, this.clock());
        continue;
      }
      await this.fire(rule, {
        subject: wallet.id,
        periodKey: null,
        customerId: wallet.customerId,
        data: {
          wallet_id: wallet.id,
          customer_id: wallet.customerId,
          team_id: wallet.teamId,
          unit: wallet.unit,
          balance: money(wallet.balance),
          pending: money(wallet.pending),
          available: money(available),
          owed: money(wallet.owed),
          threshold: money(threshold),
        },
      });
    }
  }

  private async evaluateSpend(rule: RuleOf<'spend_rate'>, customerId: string | null): Promise<void> {
    const window = windowOf(this.clock(), rule.window);
    const rows = await this.alerts.spend({ from: window.from, to: window.to, customerId, scope: rule.scope });
    for (const row of rows) {
      if (row.price <= rule.amount) continue;
      const subject =
        rule.scope === 'customer'
          ? `customer:${row.customerId}`
          : `${rule.scope}:${row.customerId}/${row.key}`;
      await this.fire(rule, {
        subject,
        periodKey: window.periodKey,
        customerId: row.customerId,
        data: {
          customer_id: row.customerId,
          scope: rule.scope,
          scope_value: row.key,
          window: rule.window,
          window_start: new Date(window.from).toISOString(),
          spent: money(row.price),
          amount: money(rule.amount),
          unit: null,
        },
      });
    }
  }

  private async evaluateBudget(rule: RuleOf<'budget_used'>): Promise<void> {
    const usage = await this.options.budgets?.budgetUsage(rule.budgetId, this.clock());
    if (!usage || usage.amount <= 0n) return;
    if (usage.spent * 100n < usage.amount * BigInt(rule.percent)) return;
    await this.fire(rule, {
      subject: `budget:${rule.budgetId}`,
      periodKey: usage.periodKey,
      customerId: usage.customerId,
      data: {
        budget_id: rule.budgetId,
        customer_id: usage.customerId,
        unit: usage.unit,
        amount: money(usage.amount),
        spent: money(usage.spent),
        percent: rule.percent,
        used_percent: Number((usage.spent * 100n) / usage.amount),
      },
    });
  }

  private async evaluateRefusals(rule: RuleOf<'blocked_spike'>, customerId: string | null): Promise<void> {
    if (!this.options.refusals) return;
    const window = windowOf(this.clock(), rule.window);
    const counts = await this.options.refusals.countRefusals(window.from, window.to, customerId);
    for (const { customerId, count } of counts) {
      if (count < rule.count) continue;
      await this.fire(rule, {
        subject: `customer:${customerId}`,
        periodKey: window.periodKey,
        customerId,
        data: { customer_id: customerId, blocked: count, count: rule.count, window: rule.window },
      });
    }
  }

  /** Channels of the rule that may receive this customer's alerts (vendor-wide ones, or the customer's own). */
  private async channelsFor(rule: AlertRule, customerId: string | null): Promise<AlertChannelRow[]> {
    const channels: AlertChannelRow[] = [];
    for (const id of rule.channelIds) {
      const channel = await this.alerts.getChannel(id);
      if (channel && (channel.customerId === null || channel.customerId === customerId))
        channels.push(channel);
    }
    return channels;
  }

  private async fire(rule: AlertRule, subject: Subject): Promise<void> {
    const now = this.clock();
    const eventId = this.newId('aev');
    const type = ALERT_EVENT_TYPES[rule.kind];
    const payload: AlertPayload = {
      type,
      timestamp: new Date(now).toISOString(),
      data: { event_id: eventId, rule_id: rule.id, ...subject.data },
    };
    const channels = await this.channelsFor(rule, subject.customerId);
    const written = await this.alerts.fire({
      event: {
        id: eventId,
        ruleId: rule.id,
        subject: subject.subject,
        periodKey: subject.periodKey,
        type,
        customerId: subject.customerId,
        payload: JSON.stringify(payload),
        createdAt: now,
      },
      deliveries: channels.map((c) => ({ id: this.newId('adl'), channelId: c.id })),
    });
    if (!written) return;
    for (const listener of this.listeners) {
      try {
        listener({ eventId, ruleId: rule.id, subject: subject.subject, type, payload });
      } catch (error) {
        this.log(`Alert listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
