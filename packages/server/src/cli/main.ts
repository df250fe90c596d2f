import { bench } from './bench.ts';
import { CliError, EXIT_OK, EXIT_USAGE, report } from './errors.ts';
import { commandHelp, helpText } from './help.ts';
import { type Command, type Io, processIo } from './io.ts';
import { keysCreate } from './keys-create.ts';
import { keysRevoke } from './keys-revoke.ts';
import { ledgerExpire } from './ledger-expire.ts';
import { ledgerVerify } from './ledger-verify.ts';
import { migrate } from './migrate.ts';
import { outbox } from './outbox.ts';
import { start } from './start.ts';
import { walletsGrant } from './wallets-grant.ts';

export const COMMANDS: readonly Command[] = [
  start,
  migrate,
  keysCreate,
  keysRevoke,
  walletsGrant,
  ledgerVerify,
  ledgerExpire,
  outbox,
  bench,
];

/** Runs `tollgate <argv…>`; returns the exit code. Never throws. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    return report(error, io.err, io.env.TOLLGATE_DEBUG === '1');
  }
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    const topic = first === 'help' ? argv.slice(1) : [];
    const command = topic.length > 0 ? find(topic) : undefined;
    if (topic.length > 0 && !command) throw unknown(topic);
    for (const line of command ? commandHelp(command) : helpText(COMMANDS)) io.out(line);
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = find([first, second ?? '']) ?? find([first]);
  if (!command) throw unknown(argv.filter((a) => !a.startsWith('-')).slice(0, 2));
  const rest = argv.slice(command.name.length);
  if (rest.includes('--help') || rest.includes('-h')) {
    for (const line of commandHelp(command)) io.out(line);
    return EXIT_OK;
  }
  return command.run(rest, io);
}

function find(words: string[]): Command | undefined {
  return COMMANDS.find((c) => c.name.length === words.length && c.name.every((w, i) => w === words[i]));
}

function unknown(words: string[]): CliError {
  const group = COMMANDS.filter((c) => c.name[0] === words[0]);
  const hint =
    group.length > 0
      ? `Did you mean: ${group.map((c) => c.name.join(' ')).join(', ')}?`
      : `Commands: ${COMMANDS.map((c) => c.name.join(' ')).join(', ')}. Run \`tollgate help\` for details.`;
  return new CliError(`Unknown command "${words.join(' ')}"`, hint, EXIT_USAGE);
}

/** The bin's entry: runs the command line of this process and exits with its code. */
export async function runProcess(): Promise<never> {
  const code = await main(process.argv.slice(2));
  // start resolves only after its shutdown and every command has closed its store by then, so a
  // handle left open (a pool's idle timer) must not keep the process alive.
  process.exit(code);
}
