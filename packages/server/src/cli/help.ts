import { DEFAULT_DATABASE_URL } from '@tollgate/storage';
import { DEFAULT_PORT } from '../runtime/defaults.ts';
import { EXPIRY_INTERVAL_MS } from '../scheduler.ts';
import type { Command } from './io.ts';

const ENVIRONMENT: [string, string][] = [
  ['DATABASE_URL', `sqlite:PATH or postgres://user:password@host:5432/db (default ${DEFAULT_DATABASE_URL})`],
  ['PORT', `port for start (default ${DEFAULT_PORT}; 0 picks a free one; --port overrides)`],
  ['HOST', 'address start binds (default 0.0.0.0)'],
  [
    'TOLLGATE_ADMIN_KEY',
    'admin API key, stored hashed; when unset, the first start generates one and prints it once',
  ],
  ['TOLLGATE_SECRET', 'encrypts provider API keys added through the admin API (at least 16 characters)'],
  ['OPENAI_API_KEY', 'the key the built-in openai provider calls with (never sent to clients)'],
  ['ANTHROPIC_API_KEY', 'the key the built-in anthropic provider calls with'],
  ['OPENAI_BASE_URL', "the openai provider's API root (default https://api.openai.com/v1)"],
  ['ANTHROPIC_BASE_URL', "the anthropic provider's API root (default https://api.anthropic.com)"],
  ['TOLLGATE_CONFIG', 'the config file (default: tollgate.config.json|yaml|yml in the working directory)'],
  ['TOLLGATE_BODY_LIMIT_BYTES', 'largest gateway request body (default 10485760)'],
  ['TOLLGATE_DEFAULT_MAX_OUTPUT_TOKENS', 'output ceiling held for a call that sets none (default 4096)'],
  [
    'TOLLGATE_SQLITE_SYNCHRONOUS',
    'SQLite synchronous pragma (default NORMAL: survives a crash; FULL: a power cut too)',
  ],
  [
    'TOLLGATE_OUTBOX',
    'settlement outbox, a local file that must outlive the process (default: beside the SQLite file, or ./.tollgate/ for PostgreSQL)',
  ],
  [
    'TOLLGATE_SETTLE_GATHER_MS',
    'how long answered calls gather before they are charged as one batch (default 10)',
  ],
  [
    'TOLLGATE_LEASES',
    'off: each gateway call holds on its own instead of reserving from a lease of the wallet (default on)',
  ],
  ['TOLLGATE_DEBUG', 'set to 1 to print stack traces of unexpected errors'],
];

/** `tollgate help`: every command and every environment variable. */
export function helpText(commands: readonly Command[]): string[] {
  const width = Math.max(...ENVIRONMENT.map(([name]) => name.length)) + 2;
  return [
    'Tollgate: an AI monetization gateway with a real-time credit ledger.',
    '',
    'Usage: tollgate <command> [options]      (npx tollgate …, or npm start for `start`)',
    '',
    'Commands:',
    ...commands.flatMap((c) => [`  ${c.usage.replace(/^tollgate /, '')}`, `      ${c.summary}`]),
    '  help [command]',
    '      Show this help, or one command’s details (also: tollgate <command> --help)',
    '',
    'Environment:',
    ...ENVIRONMENT.map(([name, text]) => `  ${name.padEnd(width)}${text}`),
    '',
    'Amounts are integer micros of the wallet unit: 1 usd = 1000000 micros.',
    `start settles expiries every ${EXPIRY_INTERVAL_MS / 1000} s; every command migrates the store first.`,
    'Exit codes: 0 success, 1 failure (including ledger violations), 2 bad usage.',
  ];
}

export function commandHelp(command: Command): string[] {
  return [
    `Usage: ${command.usage}`,
    '',
    command.summary,
    ...(command.details ? ['', ...command.details] : []),
  ];
}
