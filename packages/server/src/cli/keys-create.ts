import { adminRoutes, parseInput } from '@tollgate/contract';
import { type CreateKeyBody, issueKey } from '../admin/keys.ts';
import { ApiError } from '../errors.ts';
import { parse } from './args.ts';
import { CliError, EXIT_OK, usageError } from './errors.ts';
import type { Command } from './io.ts';
import { withStore } from './store.ts';

const usage =
  'tollgate keys create --customer ID [--team T] [--user U] [--feature F] [--models a,b] [--name N] [--expires-at ISO-8601]';

/** Each option and the API field it fills, so that a refusal names what the user typed. */
const OPTIONS = {
  customer: 'customer_id',
  team: 'team_id',
  user: 'user_id',
  feature: 'feature',
  models: 'models',
  name: 'name',
  'expires-at': 'expires_at',
} as const;
type Option = keyof typeof OPTIONS;

export const keysCreate: Command = {
  name: ['keys', 'create'],
  usage,
  summary: 'Create a virtual key for the gateway; prints the key once',
  details: [
    '--customer     the customer the key bills (must exist)',
    '--team, --user, --feature   bind the key to them; call headers can narrow, never widen, a binding',
    '--models       comma-separated model names or prefixes ending in * (default: every model)',
    '--name         a label to recognise the key by',
    '--expires-at   when the key stops working, e.g. 2026-01-31T00:00:00Z (default: never)',
    'The key goes to stdout alone (KEY=$(tollgate keys create …) captures it); only its SHA-256 is',
    'stored, so it cannot be shown again.',
  ],
  async run(args, io) {
    const body = parseKeyOptions(args);
    return withStore(io, async (store) => {
      const { row, key } = await issueKey(store, body, Date.now()).catch((error: unknown) => {
        throw error instanceof ApiError ? new CliError(error.message) : error;
      });
      io.out(key);
      io.err(`Created key ${row.id} (${row.prefix}…) for customer ${row.customerId}.`);
      io.err('Save the key now: only its hash is stored and it will not be shown again.');
      return EXIT_OK;
    });
  },
};

/** The options as the API's createKey body, validated by the same schema as POST /api/v1/keys. */
function parseKeyOptions(args: string[]): CreateKeyBody {
  const spec = Object.fromEntries(Object.keys(OPTIONS).map((name) => [name, { type: 'string' as const }]));
  const { values } = parse(args, spec, usage, 0);
  const given = values as Partial<Record<Option, string>>;
  if (given.customer === undefined) throw usageError('keys create needs --customer ID', usage);
  const fields: Record<string, unknown> = {};
  for (const [option, field] of Object.entries(OPTIONS) as [Option, string][]) {
    const value = given[option];
    if (value === undefined) continue;
    fields[field] = option === 'models' ? splitList(value) : value;
  }
  const parsed = parseInput(adminRoutes.createKey.body, fields);
  if (parsed.ok) return parsed.data;
  const { param, message } = parsed.problem;
  const root = param?.split('.')[0];
  const option = (Object.keys(OPTIONS) as Option[]).find((name) => OPTIONS[name] === root);
  const rest = param !== undefined && message.startsWith(param) ? message.slice(param.length) : ` ${message}`;
  throw usageError(option ? `--${option}${rest}` : message, usage);
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
