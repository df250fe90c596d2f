import { Ledger } from '@tollgate/storage';
import { describeExpiry } from '../scheduler.ts';
import { parse } from './args.ts';
import { EXIT_OK } from './errors.ts';
import type { Command } from './io.ts';
import { withStore } from './store.ts';

const usage = 'tollgate ledger expire';
/** Wallets settled per pass; the command runs passes until one finds fewer due. */
const WALLETS_PER_PASS = 1_000;
/** A bound on passes, so that wallets that stay due (frozen, say) cannot loop forever. */
const PASSES_MAX = 10_000;

export const ledgerExpire: Command = {
  name: ['ledger', 'expire'],
  usage,
  summary: 'Settle due expiries now: release holds past their TTL, book expired credits as breakage',
  details: ['`start` does this every 10 seconds; this command is for stores no server runs on.'],
  async run(args, io) {
    parse(args, {}, usage, 0);
    return withStore(io, async (store) => {
      const ledger = new Ledger(store);
      const total = { wallets: 0, holdsExpired: 0, breakage: 0n };
      for (let pass = 0; pass < PASSES_MAX; pass++) {
        const expired = await ledger.expireDue(WALLETS_PER_PASS);
        total.wallets += expired.wallets;
        total.holdsExpired += expired.holdsExpired;
        total.breakage += expired.breakage;
        const settledNothing = expired.holdsExpired === 0 && expired.breakage === 0n;
        if (expired.wallets < WALLETS_PER_PASS || settledNothing) break;
        io.err(`… ${total.wallets} wallets so far`);
      }
      io.out(total.wallets === 0 ? 'Nothing was due to expire.' : describeExpiry(total));
      return EXIT_OK;
    });
  },
};
