import { createHash } from 'node:crypto';
import { type GrantSource, type LedgerResult, type Micros, newId } from '@tollgate/domain';
import { Ledger } from '@tollgate/storage';
import { parseAmountMicros } from './amount.ts';
import { integerOption, parse } from './args.ts';
import { CliError, EXIT_OK, usageError } from './errors.ts';
import { formatMicros } from './format.ts';
import type { Command, Io } from './io.ts';
import { withStore } from './store.ts';

const usage =
  'tollgate wallets grant <wallet_id> <amount_micros> [--source purchase|promo|rollover|adjustment] ' +
  '[--expires-at ISO-8601] [--priority N] [--idempotency-key KEY]';
const SOURCES: readonly GrantSource[] = ['purchase', 'promo', 'rollover', 'adjustment'];
/** Priorities are stored as a 32-bit INTEGER. */
const PRIORITY_MAX = 2_147_483_647;
const DEFAULT_PRIORITY = 50;
const IDEMPOTENCY_KEY_CHARS_MAX = 255;

interface Grant {
  walletId: string;
  amount: Micros;
  source: GrantSource;
  expiresAt: number | null;
  priority: number;
  idempotencyKey: string;
}

export const walletsGrant: Command = {
  name: ['wallets', 'grant'],
  usage,
  summary: 'Add credits (a grant) to a wallet',
  details: [
    'amount_micros is an integer count of micro-units of the wallet unit: 1 usd = 1000000.',
    '--source        where the credits come from (default purchase)',
    '--expires-at    when unspent credits expire, e.g. 2026-01-31T00:00:00Z (default: never)',
    `--priority      lots of lower priority are spent first among equal expiries (default ${DEFAULT_PRIORITY})`,
    '--idempotency-key  running the command again with the same key grants once (default: a new key, printed)',
  ],
  async run(args, io) {
    const grant = parseGrant(args, Date.now());
    return withStore(io, async (store) => {
      const result = await new Ledger(store).submit({
        command: {
          kind: 'grant',
          walletId: grant.walletId,
          amount: grant.amount,
          source: grant.source,
          expiresAt: grant.expiresAt,
          priority: grant.priority,
        },
        idempotencyKey: grant.idempotencyKey,
        requestHash: requestHash(grant),
      });
      return printResult(result, grant, io);
    });
  },
};

function parseGrant(args: string[], now: number): Grant {
  const { values, positionals } = parse(
    args,
    {
      source: { type: 'string' },
      'expires-at': { type: 'string' },
      priority: { type: 'string' },
      'idempotency-key': { type: 'string' },
    },
    usage,
    2,
  );
  const [walletId, amountText] = positionals;
  if (!walletId || amountText === undefined)
    throw usageError('wallets grant needs a wallet id and an amount', usage);
  const source = (values.source ?? 'purchase') as GrantSource;
  if (!SOURCES.includes(source))
    throw usageError(`--source must be one of ${SOURCES.join(', ')} (got "${values.source}")`, usage);
  const key = values['idempotency-key'] ?? `cli_${newId('grant')}`;
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_CHARS_MAX) {
    throw usageError(`--idempotency-key must have 1 to ${IDEMPOTENCY_KEY_CHARS_MAX} characters`, usage);
  }
  return {
    walletId,
    amount: parseAmountMicros(amountText, 'amount_micros', usage),
    source,
    expiresAt: values['expires-at'] === undefined ? null : parseExpiry(values['expires-at'], now),
    priority:
      values.priority === undefined
        ? DEFAULT_PRIORITY
        : integerOption(values.priority, '--priority', 0, PRIORITY_MAX, usage),
    idempotencyKey: key,
  };
}

function parseExpiry(text: string, now: number): number {
  // Date.parse accepts loose forms (`2026`, `March 1`); ask for a date-time with its offset.
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
  const at = iso.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at))
    throw usageError(
      `--expires-at must be an ISO-8601 date or date-time such as 2026-01-31T00:00:00Z (got "${text}")`,
      usage,
    );
  if (at <= now)
    throw usageError(`--expires-at ${text} is in the past: the credits would expire at once`, usage);
  return at;
}

/** Same key with other terms is refused by the ledger (idempotency_key_reused), not replayed. */
function requestHash(grant: Grant): string {
  const terms = [
    grant.walletId,
    grant.amount.toString(),
    grant.source,
    String(grant.expiresAt),
    String(grant.priority),
  ];
  return createHash('sha256')
    .update(`cli-grant\n${terms.join('\n')}`)
    .digest('hex');
}

function printResult(result: LedgerResult, grant: Grant, io: Io): number {
  if (!result.ok) throw grantRefused(result.code, result.message, grant);
  if (result.value.kind !== 'grant') throw new Error(`a grant returned a ${result.value.kind} result`);
  const { lot, transaction, wallet } = result.value;
  if (result.replayed)
    io.out(`Already granted under idempotency key ${grant.idempotencyKey}; nothing new was written.`);
  io.out(
    `Granted ${formatMicros(lot.amount, wallet.unit)} to wallet ${wallet.id} (lot ${lot.id}, transaction ${transaction.id})`,
  );
  io.out(
    `Balance after the grant: ${formatMicros(wallet.balance, wallet.unit)}, pending ${wallet.pending} micros`,
  );
  if (!result.replayed)
    io.err(`Idempotency key: ${grant.idempotencyKey} (pass it with --idempotency-key to retry safely)`);
  return EXIT_OK;
}

function grantRefused(code: string, message: string, grant: Grant): CliError {
  const hints: Record<string, string> = {
    wallet_not_found: 'Check the id, or create the wallet first (POST /api/v1/wallets).',
    wallet_frozen: 'Unfreeze the wallet before granting to it.',
    idempotency_key_reused: 'That key was used for a different request: pass a new --idempotency-key.',
  };
  return new CliError(`Grant to ${grant.walletId} refused: ${code}: ${message}`, hints[code]);
}
