import { gatewayStore } from '@tollgate/storage';
import { KEY_CACHE_TTL_MS } from '../gateway/keys.ts';
import { parse } from './args.ts';
import { CliError, EXIT_OK, usageError } from './errors.ts';
import type { Command } from './io.ts';
import { withStore } from './store.ts';

const usage = 'tollgate keys revoke <key_id>';

export const keysRevoke: Command = {
  name: ['keys', 'revoke'],
  usage,
  summary: 'Revoke a virtual key; gateways refuse it from then on',
  details: [
    'key_id is the key_… id shown when the key was created (not the key itself).',
    `Running gateways refuse the key within ${KEY_CACHE_TTL_MS / 1000} s. Revoking twice keeps the first time.`,
  ],
  async run(args, io) {
    const { positionals } = parse(args, {}, usage, 1);
    const [id] = positionals;
    if (!id) throw usageError('keys revoke needs a key id', usage);
    return withStore(io, async (store) => {
      const data = gatewayStore(store);
      const before = await data.getKey(id);
      if (!before) {
        throw new CliError(
          `No key ${id}`,
          'Pass the key_… id printed by `tollgate keys create`, not the key itself.',
        );
      }
      const key = await data.revokeKey(id, Date.now());
      const at = new Date(key?.revokedAt ?? Date.now()).toISOString();
      io.out(
        before.revokedAt === null
          ? `Revoked key ${id} (${before.prefix}…) at ${at}.`
          : `Key ${id} (${before.prefix}…) was already revoked at ${at}; nothing changed.`,
      );
      return EXIT_OK;
    });
  },
};
