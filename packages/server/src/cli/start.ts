import { DEFAULT_HOST, DEFAULT_PORT } from '../runtime/defaults.ts';
import { integerOption, parse } from './args.ts';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './errors.ts';
import type { Command, Io } from './io.ts';
import { configuredDatabaseUrl } from './store.ts';

const usage = 'tollgate start [--port N]';
const PORT_MAX = 65_535;
/** An admin key shorter than this is guessable; a generated one has 36 characters. */
const ADMIN_KEY_CHARS_MIN = 20;
/** A repeat of the shutdown signal within this window is the same request, not an order to force. */
const REPEAT_SIGNAL_IGNORE_MS = 1_000;

export const start: Command = {
  name: ['start'],
  usage,
  summary: 'Serve the gateway and admin API (migrates first; settles expiries every 10 s)',
  details: [
    `--port N   port to listen on (default: PORT, else ${DEFAULT_PORT}; 0 picks a free one)`,
    'Prints one "Tollgate ready on …" line once it serves. Stops cleanly on SIGINT or SIGTERM.',
  ],
  async run(args, io) {
    const { values } = parse(args, { port: { type: 'string', short: 'p' } }, usage, 0);
    const portText = values.port ?? (io.env.PORT?.trim() || String(DEFAULT_PORT));
    const port = integerOption(portText, values.port === undefined ? 'PORT' : '--port', 0, PORT_MAX, usage);
    // Loaded here so that the other commands do not pay for the HTTP stack.
    const { startTollgate } = await import('../runtime/start.ts');
    const tollgate = await startTollgate({
      databaseUrl: configuredDatabaseUrl(io),
      port,
      host: io.env.HOST?.trim() || DEFAULT_HOST,
      adminKey: adminKeyFromEnv(io),
      log: io.out,
      env: io.env,
    });
    return waitForSignal(tollgate.close, io);
  },
};

function adminKeyFromEnv(io: Io): string | undefined {
  const key = io.env.TOLLGATE_ADMIN_KEY?.trim();
  if (!key) return undefined;
  if (key.length < ADMIN_KEY_CHARS_MIN) {
    throw new CliError(
      `TOLLGATE_ADMIN_KEY is too short (${key.length} characters; at least ${ADMIN_KEY_CHARS_MIN})`,
      'Use a long random value, e.g. `openssl rand -base64 32`, or unset it to have one generated.',
      EXIT_USAGE,
    );
  }
  return key;
}

/**
 * Serves until SIGINT or SIGTERM, then shuts down. Ctrl-C under `npm start` delivers SIGINT twice
 * (from the terminal and from npm), so only a signal well after the first forces an exit.
 */
function waitForSignal(close: () => Promise<void>, io: Io): Promise<number> {
  return new Promise((resolve) => {
    let firstAt: number | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (firstAt !== undefined) {
        if (Date.now() - firstAt < REPEAT_SIGNAL_IGNORE_MS) return;
        io.err(`${signal} again: exiting without waiting.`);
        process.exit(EXIT_FAILURE);
      }
      firstAt = Date.now();
      io.err(`${signal} received: finishing in-flight requests and closing the store (again to force)…`);
      close().then(
        () => resolve(EXIT_OK),
        (error: unknown) => {
          io.err(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
          resolve(EXIT_FAILURE);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
