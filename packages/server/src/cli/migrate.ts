import { describeDatabase } from '../runtime/database-url.ts';
import { parse } from './args.ts';
import { EXIT_OK } from './errors.ts';
import type { Command } from './io.ts';
import { openConfiguredStore } from './store.ts';

const usage = 'tollgate migrate';

export const migrate: Command = {
  name: ['migrate'],
  usage,
  summary: 'Apply pending schema migrations (start does this too)',
  details: ['Safe to run from several processes at once: each migration is applied exactly once.'],
  async run(args, io) {
    parse(args, {}, usage, 0);
    const { store, url } = openConfiguredStore(io);
    try {
      io.err(`Migrating ${describeDatabase(url)}…`);
      const applied = await store.migrate();
      for (const name of applied) io.out(`Applied migration ${name}`);
      io.out(applied.length === 0 ? 'Database is up to date.' : `Applied ${applied.length} migration(s).`);
      return EXIT_OK;
    } finally {
      await store.close().catch(() => {});
    }
  },
};
