import type { IdFactory } from '../ids.ts';
import { type Micros, minMicros } from '../money.ts';
import { admitBudgets } from './budgets.ts';
import { type DrawPart, type LedgerSnapshot, LedgerState, type LedgerWrites } from './state.ts';
import type {
  Entry,
  Hold,
  LedgerCommand,
  LedgerErrorCode,
  LedgerOperation,
  LedgerResult,
  LedgerValue,
  Transaction,
  Wallet,
} from './types.ts';

/** Whether trying again later (with a new idempotency key) could succeed. */
const RETRYABLE: Record<LedgerErrorCode, boolean> = {
  insufficient_credits: true,
  wallet_not_found: false,
  wallet_frozen: true,
  unit_mismatch: false,
  customer_mismatch: false,
  same_wallet: false,
  hold_not_found: false,
  hold_already_captured: false,
  hold_already_released: false,
  hold_expired: false,
  capture_exceeds_hold: false,
  transaction_not_found: false,
  transaction_not_reversible: false,
  transaction_already_reversed: false,
  idempotency_key_reused: false,
  budget_exceeded: true,
};

/** Lots drawn after those of lower priority; grants default to the middle. */
export const DEFAULT_PRIORITY = 50;

const REVERSIBLE = new Set<Transaction['type']>([
  'grant',
  'deduction',
  'capture',
  'partial_capture',
  'overflow',
]);

export function fail(code: LedgerErrorCode, message: string): LedgerResult {
  return { ok: false, code, message, retryable: RETRYABLE[code] };
}

function ok(value: LedgerValue): LedgerResult {
  return { ok: true, value };
}

/** The ids a batch must load (and lock) before it can decide. */
export interface LedgerLoadRequest {
  walletIds: string[];
  holdIds: string[];
  transactionIds: string[];
  idempotencyKeys: string[];
  /** The budget windows the batch's holds are checked against: each budget locked, its buckets loaded. */
  budgets: BudgetLoadWindow[];
}

/** The buckets of one budget from `fromKey` to `toKey` (null: every later one), both included. */
export interface BudgetLoadWindow {
  budgetId: string;
  fromKey: string;
  toKey: string | null;
}

export function loadRequest(operations: readonly LedgerOperation[]): LedgerLoadRequest {
  const walletIds = new Set<string>();
  const holdIds = new Set<string>();
  const transactionIds = new Set<string>();
  const idempotencyKeys = new Set<string>();
  const budgets: BudgetLoadWindow[] = [];
  for (const { command, idempotencyKey } of operations) {
    if (command.kind === 'hold' && command.raises !== undefined) holdIds.add(command.raises);
    if (command.kind === 'hold') {
      for (const charge of command.budgets ?? []) {
        budgets.push({
          budgetId: charge.budgetId,
          fromKey: charge.windowStartKey ?? charge.periodKey,
          toKey: charge.windowStartKey === undefined ? charge.periodKey : null,
        });
      }
    }
    if (idempotencyKey) idempotencyKeys.add(idempotencyKey);
    switch (command.kind) {
      case 'capture':
      case 'release':
        holdIds.add(command.holdId);
        break;
      case 'transfer':
        walletIds.add(command.fromWalletId);
        walletIds.add(command.toWalletId);
        break;
      case 'reverse':
        transactionIds.add(command.transactionId);
        break;
      default:
        walletIds.add(command.walletId);
    }
  }
  return {
    walletIds: [...walletIds],
    holdIds: [...holdIds],
    transactionIds: [...transactionIds],
    idempotencyKeys: [...idempotencyKeys],
    budgets,
  };
}

/** Serializes a result for the idempotency record: bigints as `"123n"` strings, restored exactly. */
export function serializeResult(result: LedgerResult): string {
  return JSON.stringify(result, (_key, value) => (typeof value === 'bigint' ? `${value}n` : value));
}

export function parseResult(text: string): LedgerResult {
  return JSON.parse(text, (_key, value) =>
    typeof value === 'string' && /^-?\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value,
  );
}

/**
 * Decides a batch of operations against what was loaded, in order, as if each ran alone.
 * Pure: no I/O, no clock (`now` is given), no randomness but `newId`. A failed operation changes
 * nothing of its own (expiries that fell due on its wallet are still settled); each keyed operation
 * records its result, failures included, for replays.
 */
export function decideBatch(
  snapshot: LedgerSnapshot,
  operations: readonly LedgerOperation[],
  now: number,
  newId: IdFactory,
): { results: LedgerResult[]; writes: LedgerWrites } {
  const state = new LedgerState(snapshot, now, newId);
  const results: LedgerResult[] = [];
  for (const operation of operations) {
    const key = operation.idempotencyKey ?? null;
    const requestHash = operation.requestHash ?? '';
    if (key) {
      const record = state.idempotency.get(key);
      if (record) {
        results.push(
          record.requestHash === requestHash
            ? { ...parseResult(record.result), replayed: true }
            : fail(
                'idempotency_key_reused',
                `Idempotency-Key ${key} was used for another request; use a new key`,
              ),
        );
        continue;
      }
    }
    const result = decide(state, operation.command, key);
    results.push(result);
    if (key) {
      const record = { key, requestHash, result: serializeResult(result), createdAt: now };
      state.idempotency.set(key, record);
      state.writes.idempotency.push(record);
    }
  }
  return { results, writes: state.writes };
}

function decide(state: LedgerState, command: LedgerCommand, key: string | null): LedgerResult {
  switch (command.kind) {
    case 'grant':
      return grant(state, command, key);
    case 'deduct':
      return deduct(state, command, key);
    case 'hold':
      return hold(state, command, key);
    case 'capture':
      return capture(state, command, key);
    case 'release':
      return release(state, command, key);
    case 'transfer':
      return transfer(state, command, key);
    case 'reverse':
      return reverse(state, command, key);
    case 'expire':
      return expire(state, command);
  }
}

type Command<K extends LedgerCommand['kind']> = Extract<LedgerCommand, { kind: K }>;

/** Finds a wallet, settles what has expired on it, and checks its unit. */
function openWallet(state: LedgerState, walletId: string, unit?: string): Wallet | LedgerResult {
  const wallet = state.wallets.get(walletId);
  if (!wallet) return fail('wallet_not_found', `No wallet ${walletId}`);
  state.settleExpiries(wallet);
  if (unit !== undefined && unit !== wallet.unit) {
    return fail(
      'unit_mismatch',
      `unit ${unit} does not match wallet ${walletId}, which holds ${wallet.unit}`,
    );
  }
  return wallet;
}

function isResult(value: Wallet | LedgerResult): value is LedgerResult {
  return 'ok' in value;
}

function spendEntries(
  wallet: Wallet,
  parts: DrawPart[],
  amount: Micros,
): Omit<Entry, 'transactionId' | 'createdAt'>[] {
  if (amount === 0n) return [];
  const account = `wallet:${wallet.id}`;
  return [
    ...parts.map((part) => ({ account, walletId: wallet.id, lotId: part.lotId, amount: -part.amount })),
    { account: `revenue:${wallet.unit}`, walletId: null, lotId: null, amount },
  ];
}

/** New spending is refused while the wallet owes anything: the next grant repays it first. */
function owing(wallet: Wallet): LedgerResult | null {
  if (wallet.owed === 0n) return null;
  return fail(
    'insufficient_credits',
    `Wallet ${wallet.id} owes ${wallet.owed} micros (${wallet.unit}); a grant repays it`,
  );
}

function insufficient(wallet: Wallet, amount: Micros, state: LedgerState): LedgerResult {
  return fail(
    'insufficient_credits',
    `Wallet ${wallet.id} can spend ${state.spendable(wallet)} micros (${wallet.unit}), ${amount} asked`,
  );
}

function grant(state: LedgerState, command: Command<'grant'>, key: string | null): LedgerResult {
  const wallet = openWallet(state, command.walletId, command.unit);
  if (isResult(wallet)) return wallet;
  const transaction = state.transaction({
    type: 'grant',
    walletId: wallet.id,
    amount: command.amount,
    idempotencyKey: key,
    reason: command.reason ?? null,
    metadata: command.metadata ?? null,
  });
  const { lot, entries } = state.addLot(wallet, transaction.id, command.amount, {
    source: command.source,
    expiresAt: command.expiresAt,
    priority: command.priority,
  });
  state.post(transaction, [
    ...entries,
    { account: `issuance:${wallet.unit}`, walletId: null, lotId: null, amount: -command.amount },
  ]);
  return ok({ kind: 'grant', transaction, lot, wallet });
}

function deduct(state: LedgerState, command: Command<'deduct'>, key: string | null): LedgerResult {
  const wallet = openWallet(state, command.walletId, command.unit);
  if (isResult(wallet)) return wallet;
  if (command.owe) return deductOwing(state, wallet, command, key);
  if (wallet.status !== 'active') return fail('wallet_frozen', `Wallet ${wallet.id} is frozen`);
  const owes = owing(wallet);
  if (owes) return owes;
  if (command.amount > state.spendable(wallet)) return insufficient(wallet, command.amount, state);
  const transaction = state.transaction({
    type: 'deduction',
    walletId: wallet.id,
    amount: command.amount,
    idempotencyKey: key,
    reason: command.reason ?? null,
    metadata: command.metadata ?? null,
  });
  const parts = state.draw(wallet, command.amount);
  state.post(transaction, spendEntries(wallet, parts, command.amount));
  if (command.usageEvent)
    state.writes.usageEvents.push({ ...command.usageEvent, transactionId: transaction.id });
  return ok({ kind: 'deduct', transaction, wallet });
}

/** A charge for usage that already happened: what the wallet can spend, the rest owed. */
function deductOwing(
  state: LedgerState,
  wallet: Wallet,
  command: Command<'deduct'>,
  key: string | null,
): LedgerResult {
  const spendable = state.spendable(wallet);
  const debited = minMicros(command.amount, spendable > 0n ? spendable : 0n);
  const transaction = state.transaction({
    type: 'deduction',
    walletId: wallet.id,
    amount: debited,
    idempotencyKey: key,
    reason: command.reason ?? null,
    metadata: command.metadata ?? null,
  });
  state.post(transaction, spendEntries(wallet, state.draw(wallet, debited), debited));
  const transactions = [transaction];
  if (command.amount > debited) transactions.push(state.owe(wallet, command.amount - debited, null));
  if (command.usageEvent)
    state.writes.usageEvents.push({ ...command.usageEvent, transactionId: transaction.id });
  return ok({ kind: 'deduct', transaction, wallet, transactions });
}

function hold(state: LedgerState, command: Command<'hold'>, key: string | null): LedgerResult {
  const wallet = openWallet(state, command.walletId, command.unit);
  if (isResult(wallet)) return wallet;
  if (wallet.status !== 'active') return fail('wallet_frozen', `Wallet ${wallet.id} is frozen`);
  const owes = owing(wallet);
  if (owes) return owes;
  if (command.amount > state.spendable(wallet)) return insufficient(wallet, command.amount, state);
  const admitted = admitBudgets(state, command.budgets ?? [], command.amount);
  if (!admitted.ok) {
    const { charge, used } = admitted;
    return {
      ok: false,
      code: 'budget_exceeded',
      message: `Budget ${charge.budgetId} (${charge.periodKey}) allows ${charge.cap} micros, ${used} used or held, ${command.amount} asked`,
      retryable: RETRYABLE.budget_exceeded,
      budgetId: charge.budgetId,
    };
  }
  if (command.raises !== undefined) return raise(state, command, command.raises, wallet, key);
  const held: Hold = {
    id: state.newId('hold'),
    walletId: wallet.id,
    amount: command.amount,
    capturedAmount: 0n,
    status: 'open',
    capturePolicy: command.capturePolicy ?? wallet.capturePolicy,
    expiresAt: state.now + command.ttlMs,
    createdAt: state.now,
    resolvedAt: null,
    metadata: command.metadata ?? null,
    budgets:
      admitted.uses.length > 0
        ? admitted.uses.map(({ budgetId, periodKey }) => ({ budgetId, periodKey }))
        : null,
  };
  state.touchHold(held);
  state.moveBudgets(held, 0n, command.amount);
  reserve(state, command, wallet, held, key);
  return ok({
    kind: 'hold',
    hold: held,
    wallet,
    ...(admitted.uses.length > 0 ? { budgets: admitted.uses } : {}),
  });
}

/**
 * Adds a hold's (or a raise's) amount to the wallet's pending and journals it, as a transaction
 * without postings. A raise of 0 only checks the wallet again and pushes the expiry: nothing to journal.
 */
function reserve(
  state: LedgerState,
  command: Command<'hold'>,
  wallet: Wallet,
  held: Hold,
  key: string | null,
): void {
  wallet.pending += command.amount;
  state.touchWallet(wallet);
  if (command.amount === 0n) return;
  state.post(
    state.transaction({
      type: 'hold',
      walletId: wallet.id,
      amount: command.amount,
      holdId: held.id,
      idempotencyKey: key,
      metadata: command.metadata ?? null,
    }),
    [],
  );
}

/** Raises an open hold by an amount admitted as a new hold's would be (see the `raises` option). */
function raise(
  state: LedgerState,
  command: Command<'hold'>,
  holdId: string,
  wallet: Wallet,
  key: string | null,
): LedgerResult {
  const found = openHold(state, holdId);
  if ('ok' in found) return found;
  const held = found.hold;
  if (held.walletId !== wallet.id) return fail('hold_not_found', `No hold ${holdId} on wallet ${wallet.id}`);
  // A programmer's error, not an outcome: a raise would have to count where the hold counts.
  if ((command.budgets ?? []).length > 0 || (held.budgets ?? []).length > 0)
    throw new Error(`hold ${holdId}: a hold that counts in budgets cannot be raised`);
  held.amount += command.amount;
  if (state.now + command.ttlMs > held.expiresAt) held.expiresAt = state.now + command.ttlMs;
  state.touchHold(held);
  reserve(state, command, wallet, held, key);
  return ok({ kind: 'hold', hold: held, wallet });
}

/** Finds an open hold and its wallet (after expiries), or the stable code for why it is not open. */
function openHold(state: LedgerState, holdId: string): { hold: Hold; wallet: Wallet } | LedgerResult {
  const found = state.holds.get(holdId);
  if (!found) return fail('hold_not_found', `No hold ${holdId}`);
  const wallet = state.wallets.get(found.walletId);
  if (!wallet) return fail('wallet_not_found', `No wallet ${found.walletId}`);
  state.settleExpiries(wallet);
  const held = state.holds.get(holdId)!;
  switch (held.status) {
    case 'open':
      return { hold: held, wallet };
    case 'captured':
      return fail('hold_already_captured', `Hold ${holdId} was already captured`);
    case 'released':
      return fail('hold_already_released', `Hold ${holdId} was already released`);
    case 'expired':
      return fail('hold_expired', `Hold ${holdId} expired and was released`);
  }
}

function capture(state: LedgerState, command: Command<'capture'>, key: string | null): LedgerResult {
  const found = openHold(state, command.holdId);
  if ('ok' in found) {
    if (command.owe && !found.ok && chargedWithoutHold(command, found.code))
      return chargeExpired(state, command, key);
    return found;
  }
  const { hold: held, wallet } = found;
  if (command.share !== undefined && command.share < held.amount)
    return capturePart(state, command, command.share, found, key);
  const asked = command.amount ?? held.amount;
  const captured = minMicros(asked, held.amount);
  let excess = asked - captured;
  if (excess > 0n && !command.owe) {
    if (held.capturePolicy === 'reject') {
      return fail('capture_exceeds_hold', `Capture of ${asked} exceeds hold ${held.id} of ${held.amount}`);
    }
    if (held.capturePolicy === 'cap') excess = 0n;
    // Overflow: capturing the whole hold leaves what the wallet can spend unchanged (balance and
    // pending both drop by it), so the excess must fit in that.
    else if (excess > state.spendable(wallet)) return insufficient(wallet, excess, state);
  }
  wallet.pending -= held.amount;
  held.status = 'captured';
  held.capturedAmount += captured + excess;
  held.resolvedAt = state.now;
  state.touchHold(held);
  // Budgets count what the call was charged, above its hold too.
  state.moveBudgets(held, captured + excess, -held.amount);
  return charge(state, 'capture', command, { hold: held, wallet }, captured, excess, key);
}

/** Posts a capture (whole or partial) of `captured` and what lies beyond the hold, and meters it. */
function charge(
  state: LedgerState,
  type: 'capture' | 'partial_capture',
  command: Command<'capture'>,
  { hold: held, wallet }: { hold: Hold; wallet: Wallet },
  captured: Micros,
  excess: Micros,
  key: string | null,
): LedgerResult {
  const transactions = [
    state.post(
      state.transaction({
        type,
        walletId: wallet.id,
        amount: captured,
        holdId: held.id,
        idempotencyKey: key,
        reason: command.reason ?? null,
      }),
      spendEntries(wallet, state.draw(wallet, captured), captured),
    ),
    ...chargeBeyond(state, wallet, excess, held.id),
  ];
  meter(state, command, transactions[0]!);
  return ok({ kind: 'capture', hold: held, transactions, wallet });
}

/**
 * A gateway charge whose hold can no longer take it is charged all the same: its hold expired
 * first (a very long call), or, for a share of a shared hold, that hold was closed meanwhile.
 */
function chargedWithoutHold(command: Command<'capture'>, code: string): boolean {
  if (code === 'hold_expired') return true;
  return (
    command.share !== undefined && (code === 'hold_already_released' || code === 'hold_already_captured')
  );
}

/**
 * Captures a share of a hold and leaves the rest of it open (a `partial_capture`): the hold's
 * amount and the wallet's pending drop by the share, and the wallet is charged `amount`; what the
 * share does not cover follows the hold's policy, as a whole capture's excess does.
 */
function capturePart(
  state: LedgerState,
  command: Command<'capture'>,
  share: Micros,
  { hold: held, wallet }: { hold: Hold; wallet: Wallet },
  key: string | null,
): LedgerResult {
  const asked = command.amount ?? share;
  const captured = minMicros(asked, share);
  let excess = asked - captured;
  if (excess > 0n && !command.owe) {
    if (held.capturePolicy === 'reject') {
      return fail(
        'capture_exceeds_hold',
        `Capture of ${asked} exceeds its share ${share} of hold ${held.id}`,
      );
    }
    if (held.capturePolicy === 'cap') excess = 0n;
    else if (excess > state.spendable(wallet)) return insufficient(wallet, excess, state);
  }
  wallet.pending -= share;
  held.amount -= share;
  held.capturedAmount += captured + excess;
  state.touchHold(held);
  state.moveBudgets(held, captured + excess, -share);
  return charge(state, 'partial_capture', command, { hold: held, wallet }, captured, excess, key);
}

/**
 * Debits `amount` beyond a hold: what the wallet can spend (its overdraft included) as an
 * `overflow`, the rest, if any, as `owed`.
 */
function chargeBeyond(
  state: LedgerState,
  wallet: Wallet,
  amount: Micros,
  holdId: string | null,
): Transaction[] {
  if (amount === 0n) return [];
  const spendable = state.spendable(wallet);
  const debited = amount < spendable ? amount : spendable > 0n ? spendable : 0n;
  const transactions: Transaction[] = [];
  if (debited > 0n) {
    const overflow = state.transaction({
      type: 'overflow',
      walletId: wallet.id,
      amount: debited,
      holdId,
      reason: holdId ? `capture above hold ${holdId}` : 'charge after the hold expired',
    });
    transactions.push(state.post(overflow, spendEntries(wallet, state.draw(wallet, debited), debited)));
  }
  if (amount > debited) transactions.push(state.owe(wallet, amount - debited, holdId));
  return transactions;
}

/** A gateway capture whose hold expired first (a very long call): charged all the same. */
function chargeExpired(state: LedgerState, command: Command<'capture'>, key: string | null): LedgerResult {
  const held = state.holds.get(command.holdId)!;
  const wallet = state.wallets.get(held.walletId)!;
  const amount = command.amount ?? command.share ?? held.amount;
  const transactions = chargeBeyond(state, wallet, amount, held.id);
  state.moveBudgets(held, amount, 0n);
  const first = transactions[0];
  if (!first) {
    // Nothing to charge (priced 0): still metered, with no transaction.
    for (const event of [command.usageEvent ?? [], command.usageEvents ?? []].flat())
      state.writes.usageEvents.push({ ...event, transactionId: null });
    return ok({ kind: 'capture', hold: held, transactions, wallet });
  }
  if (key) first.idempotencyKey = key;
  meter(state, command, first);
  return ok({ kind: 'capture', hold: held, transactions, wallet });
}

/** Records the call's usage event with the transaction that charged it. */
function meter(state: LedgerState, command: Command<'capture'>, transaction: Transaction): void {
  if (command.usageEvent)
    state.writes.usageEvents.push({ ...command.usageEvent, transactionId: transaction.id });
  for (const event of command.usageEvents ?? [])
    state.writes.usageEvents.push({ ...event, transactionId: transaction.id });
}

function release(state: LedgerState, command: Command<'release'>, key: string | null): LedgerResult {
  const found = openHold(state, command.holdId);
  if ('ok' in found) return found;
  const { hold: held, wallet } = found;
  if (command.amount !== undefined && command.amount < held.amount) {
    // A partial release: the hold stays open with the rest (a lease giving back what it did not use).
    const part = command.amount > 0n ? command.amount : 0n;
    wallet.pending -= part;
    state.touchWallet(wallet);
    held.amount -= part;
    state.touchHold(held);
    state.moveBudgets(held, 0n, -part);
    if (part > 0n)
      state.post(
        state.transaction({
          type: 'partial_release',
          walletId: wallet.id,
          amount: part,
          holdId: held.id,
          idempotencyKey: key,
        }),
        [],
      );
    return ok({ kind: 'release', hold: held, wallet });
  }
  wallet.pending -= held.amount;
  state.touchWallet(wallet);
  held.status = 'released';
  held.resolvedAt = state.now;
  state.touchHold(held);
  state.moveBudgets(held, 0n, -held.amount);
  state.post(
    state.transaction({
      type: 'release',
      walletId: wallet.id,
      amount: held.amount,
      holdId: held.id,
      idempotencyKey: key,
    }),
    [],
  );
  return ok({ kind: 'release', hold: held, wallet });
}

function transfer(state: LedgerState, command: Command<'transfer'>, key: string | null): LedgerResult {
  if (command.fromWalletId === command.toWalletId) {
    return fail('same_wallet', 'from_wallet_id and to_wallet_id are the same wallet');
  }
  const from = openWallet(state, command.fromWalletId);
  if (isResult(from)) return from;
  const to = openWallet(state, command.toWalletId);
  if (isResult(to)) return to;
  if (from.customerId !== to.customerId) {
    return fail('customer_mismatch', 'Transfers move credits between wallets of one customer only');
  }
  if (from.unit !== to.unit) return fail('unit_mismatch', `Wallets hold ${from.unit} and ${to.unit}`);
  if (from.status !== 'active') return fail('wallet_frozen', `Wallet ${from.id} is frozen`);
  const owes = owing(from);
  if (owes) return owes;
  // Only live credits move: never the overdraft, never credits kept past expiry for open holds.
  const live = state.drawOrder(from.id).filter((lot) => lot.expiresAt === null || lot.expiresAt > state.now);
  let liveTotal = 0n;
  for (const lot of live) liveTotal += lot.remaining;
  const movable = state.available(from) < liveTotal ? state.available(from) : liveTotal;
  if (command.amount > movable) {
    return fail(
      'insufficient_credits',
      `Wallet ${from.id} can transfer ${movable > 0n ? movable : 0n}, ${command.amount} asked`,
    );
  }
  const transaction = state.transaction({
    type: 'transfer',
    walletId: from.id,
    counterWalletId: to.id,
    amount: command.amount,
    idempotencyKey: key,
    reason: command.reason ?? null,
  });
  const sources = new Map(live.map((lot) => [lot.id, lot]));
  const parts = state.draw(from, command.amount, live);
  const entries: Omit<Entry, 'transactionId' | 'createdAt'>[] = [];
  for (const part of parts) {
    const source = sources.get(part.lotId ?? '')!;
    entries.push({
      account: `wallet:${from.id}`,
      walletId: from.id,
      lotId: part.lotId,
      amount: -part.amount,
    });
    // Credits keep their expiry and priority on the way.
    const added = state.addLot(to, transaction.id, part.amount, {
      source: 'transfer',
      expiresAt: source.expiresAt,
      priority: source.priority,
    });
    entries.push(...added.entries);
  }
  state.post(transaction, entries);
  return ok({ kind: 'transfer', transaction, from, to });
}

/**
 * Reverses a grant, deduction, capture or overflow by posting its entries negated; the original
 * is never edited. Refused when it would spend credits that are gone or break an overdraft limit.
 */
function reverse(state: LedgerState, command: Command<'reverse'>, key: string | null): LedgerResult {
  const loaded = state.transactions.get(command.transactionId);
  if (!loaded) return fail('transaction_not_found', `No transaction ${command.transactionId}`);
  const original = loaded.transaction;
  if (!REVERSIBLE.has(original.type)) {
    return fail('transaction_not_reversible', `A ${original.type} transaction cannot be reversed`);
  }
  if (loaded.reversed)
    return fail('transaction_already_reversed', `Transaction ${original.id} was already reversed`);
  const walletIds = [...new Set(loaded.entries.flatMap((entry) => (entry.walletId ? [entry.walletId] : [])))];
  const wallets: Wallet[] = [];
  for (const walletId of walletIds) {
    const wallet = openWallet(state, walletId);
    if (isResult(wallet)) return wallet;
    wallets.push(wallet);
  }
  // Check every effect before making any.
  const lotDelta = new Map<string, Micros>();
  const walletDelta = new Map<string, Micros>();
  for (const entry of loaded.entries) {
    if (!entry.walletId) continue;
    walletDelta.set(entry.walletId, (walletDelta.get(entry.walletId) ?? 0n) - entry.amount);
    if (entry.lotId) lotDelta.set(entry.lotId, (lotDelta.get(entry.lotId) ?? 0n) - entry.amount);
  }
  for (const [lotId, delta] of lotDelta) {
    const lot = wallets.map((wallet) => state.lot(wallet.id, lotId)).find(Boolean);
    if (!lot) throw new Error(`lot ${lotId} of transaction ${original.id} was not loaded`);
    if (lot.remaining + delta < 0n) {
      return fail(
        'insufficient_credits',
        `Lot ${lotId} has ${lot.remaining} left; reversing needs ${-delta}`,
      );
    }
  }
  for (const wallet of wallets) {
    const delta = walletDelta.get(wallet.id) ?? 0n;
    if (delta < 0n && -delta > state.spendable(wallet)) return insufficient(wallet, -delta, state);
  }
  const transaction = state.transaction({
    type: 'reversal',
    walletId: original.walletId,
    counterWalletId: original.counterWalletId,
    amount: original.amount,
    holdId: original.holdId,
    reversesId: original.id,
    idempotencyKey: key,
    reason: command.reason ?? null,
  });
  // Credits that return to a wallet's overdraft repay what it owes now; any excess (the debt was
  // repaid by a later grant) comes back as a new lot, so the overdraft part never turns positive.
  const entries: Omit<Entry, 'transactionId' | 'createdAt'>[] = [];
  const overdraftCredit = new Map<string, Micros>();
  for (const { account, walletId, lotId, amount } of loaded.entries) {
    // A receivable the original repaid is owed again once it is reversed.
    const owedBy = account.startsWith('receivable:')
      ? state.wallets.get(account.slice('receivable:'.length))
      : undefined;
    if (owedBy) {
      owedBy.owed += amount;
      state.touchWallet(owedBy);
    }
    if (walletId && lotId === null && amount < 0n) {
      overdraftCredit.set(walletId, (overdraftCredit.get(walletId) ?? 0n) - amount);
    } else {
      entries.push({ account, walletId, lotId, amount: -amount });
    }
  }
  for (const wallet of wallets) {
    for (const lot of state.lots(wallet.id)) {
      const delta = lotDelta.get(lot.id);
      if (delta === undefined) continue;
      lot.remaining += delta;
      state.touchLot(lot);
    }
    const credit = overdraftCredit.get(wallet.id) ?? 0n;
    wallet.balance += (walletDelta.get(wallet.id) ?? 0n) - credit;
    state.touchWallet(wallet);
    if (credit === 0n) continue;
    const repaid = credit < state.debt(wallet) ? credit : state.debt(wallet);
    const account = `wallet:${wallet.id}`;
    if (repaid > 0n) {
      entries.push({ account, walletId: wallet.id, lotId: null, amount: repaid });
      wallet.balance += repaid;
    }
    if (credit > repaid) {
      const added = state.addLot(wallet, transaction.id, credit - repaid, {
        source: 'adjustment',
        expiresAt: null,
        priority: DEFAULT_PRIORITY,
      });
      entries.push(...added.entries);
    }
  }
  state.post(transaction, entries);
  state.transactions.set(original.id, { ...loaded, reversed: true });
  return ok({ kind: 'reverse', transaction, wallets });
}

function expire(state: LedgerState, command: Command<'expire'>): LedgerResult {
  const wallet = state.wallets.get(command.walletId);
  if (!wallet) return fail('wallet_not_found', `No wallet ${command.walletId}`);
  const { holdsExpired, breakage } = state.settleExpiries(wallet);
  return ok({ kind: 'expire', wallet, holdsExpired, breakage });
}

/**
 * A wallet as a read sees it now: open holds past expiry no longer pending and lots past expiry no
 * longer counted, whether or not the expiry job has run. Nothing is written.
 */
export function viewWallet(snapshot: LedgerSnapshot, walletId: string, now: number): Wallet | undefined {
  const state = new LedgerState(snapshot, now, () => 'view');
  const wallet = state.wallets.get(walletId);
  if (!wallet) return undefined;
  state.settleExpiries(wallet);
  return wallet;
}
