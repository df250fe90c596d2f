import { existsSync } from 'node:fs';
import { Outbox } from '@tollgate/storage';
import { outboxPath, resolveDatabaseUrl } from '../runtime/database-url.ts';
import { parse } from './args.ts';
import { EXIT_OK } from './errors.ts';
import { plural } from './format.ts';
import type { Command, Io } from './io.ts';

const usage = 'tollgate outbox [--json]';
/** Dead letters listed, newest first. */
const DEAD_SHOWN_MAX = 50;

interface DeadSettlement {
  seq: number;
  reason: string;
  buriedAt: string;
  requestId: string | null;
  walletId: string | null;
  holdId: string | null;
  amount: string | null;
}

export const outbox: Command = {
  name: ['outbox'],
  usage,
  summary: 'Show calls answered and not yet charged, and settlements the ledger refused',
  details: [
    'Reads the settlement outbox (TOLLGATE_OUTBOX, else beside the SQLite file or under ./.tollgate):',
    'entries waiting per instance (a running instance charges its own within milliseconds; those of',
    'a stopped one are charged by the next start) and dead letters with the reason each was refused.',
    '--json   print {"path", "entries", "owners", "dead": [{seq, reason, requestId, walletId, holdId, amount}]}',
  ],
  async run(args, io) {
    const { values } = parse(args, { json: { type: 'boolean' } }, usage, 0);
    const path = outboxPath(resolveDatabaseUrl(io.env), io.env);
    if (path === ':memory:' || !existsSync(path)) {
      if (values.json) io.out(JSON.stringify({ path, entries: 0, owners: [], dead: [] }));
      else io.out(`No outbox at ${path}: no call is waiting to be charged.`);
      return EXIT_OK;
    }
    const box = new Outbox(path, `tollgate-cli-${process.pid}`);
    try {
      const summary = box.summary();
      const dead = box.dead(DEAD_SHOWN_MAX).map(describeDead);
      const owners = summary.owners.map((o) => ({
        ...o,
        heartbeatAt: o.heartbeatAt === null ? null : new Date(Number(o.heartbeatAt)).toISOString(),
      }));
      if (values.json) io.out(JSON.stringify({ path, entries: summary.entries, owners, dead }));
      else printText(path, summary.entries, owners, summary.dead, dead, io);
      return EXIT_OK;
    } finally {
      box.close();
    }
  },
};

function describeDead(entry: {
  seq: number;
  body: string;
  reason: string;
  buriedAt: number;
}): DeadSettlement {
  let settlement: { holdId?: string; walletId?: string; amount?: string; event?: { requestId?: string } } =
    {};
  try {
    settlement = JSON.parse(entry.body);
  } catch {
    // An unreadable entry is shown by its reason alone.
  }
  return {
    seq: Number(entry.seq),
    reason: entry.reason,
    buriedAt: new Date(Number(entry.buriedAt)).toISOString(),
    requestId: settlement.event?.requestId ?? null,
    walletId: settlement.walletId ?? null,
    holdId: settlement.holdId ?? null,
    amount: settlement.amount ?? null,
  };
}

function printText(
  path: string,
  entries: number,
  owners: {
    owner: string;
    host: string | null;
    pid: number | null;
    heartbeatAt: string | null;
    entries: number;
  }[],
  deadCount: number,
  dead: DeadSettlement[],
  io: Io,
): void {
  io.out(`Outbox ${path}: ${plural(entries, 'settlement')} waiting, ${plural(deadCount, 'dead letter')}.`);
  for (const o of owners) {
    const where = o.host === null ? 'instance gone' : `${o.host} pid ${o.pid}, heartbeat ${o.heartbeatAt}`;
    io.out(`  ${o.owner}  ${plural(o.entries, 'settlement')}  (${where})`);
  }
  if (dead.length === 0) return;
  io.out('Dead letters (refused by the ledger; not charged):');
  for (const d of dead)
    io.out(
      `  #${d.seq}  ${d.buriedAt}  request ${d.requestId}  wallet ${d.walletId}  ${d.amount} micros  ${d.reason}`,
    );
  io.err(
    'Each is a call that was answered and could not be charged: charge it by hand (POST /api/v1/deductions) once its cause is fixed.',
  );
}
