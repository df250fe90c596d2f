import { type JournalTotals, type Violation, verifyJournal } from '@tollgate/domain';
import { parse } from './args.ts';
import { EXIT_FAILURE, EXIT_OK } from './errors.ts';
import { plural } from './format.ts';
import type { Command, Io } from './io.ts';
import { withStore } from './store.ts';

const usage = 'tollgate ledger verify [--json]';

export const ledgerVerify: Command = {
  name: ['ledger', 'verify'],
  usage,
  summary: 'Recompute every balance from the journal; exit 1 on any mismatch',
  details: [
    'Checks that the journal balances, that each wallet balance, pending amount and lot equals the',
    'sum of its journal entries, and that no wallet is below its overdraft limit.',
    '--json   print {"wallets", "lots", "violations": [{code, subject, message}]} instead of text',
  ],
  async run(args, io) {
    const { values } = parse(args, { json: { type: 'boolean' } }, usage, 0);
    return withStore(io, async (store) => {
      io.err('Verifying the ledger journal…');
      // The same check as Ledger.verify(), with the totals kept for the summary.
      const totals = await store.journalTotals();
      const violations = verifyJournal(totals);
      if (values.json) printJson(totals, violations, io);
      else printText(totals, violations, io);
      return violations.length === 0 ? EXIT_OK : EXIT_FAILURE;
    });
  },
};

function printText(totals: JournalTotals, violations: Violation[], io: Io): void {
  io.out(
    `Checked ${plural(totals.wallets.length, 'wallet')} and ${plural(totals.lots.length, 'lot')} against the journal.`,
  );
  if (violations.length === 0) {
    io.out('Ledger is sound: every balance equals the sum of its journal entries.');
    return;
  }
  io.out(`Found ${plural(violations.length, 'violation')}:`);
  for (const v of violations) io.out(`  ${v.code}  ${v.subject}  ${v.message}`);
  io.err('The journal is the record; a balance that disagrees with it was changed outside the ledger.');
  io.err(
    'Stop writers, find what changed the rows named above, and restore them from the journal or a backup.',
  );
}

function printJson(totals: JournalTotals, violations: Violation[], io: Io): void {
  io.out(JSON.stringify({ wallets: totals.wallets.length, lots: totals.lots.length, violations }));
}
