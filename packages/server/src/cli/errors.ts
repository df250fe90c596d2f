import { ConfigError } from '../config.ts';
import { PortInUseError } from '../runtime/listen.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** An expected failure: printed as its message and hint, without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

/** Bad arguments: exit code 2, with the command's usage as the hint. */
export function usageError(message: string, usage: string): CliError {
  return new CliError(message, `Usage: ${usage}`, EXIT_USAGE);
}

interface CodedError {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
}

/** Turns the failures a user can fix (database unreachable, port taken…) into a CliError. */
export function explain(error: unknown): CliError | undefined {
  if (error instanceof CliError) return error;
  if (error instanceof PortInUseError) {
    return new CliError(
      `Port ${error.port} is already in use.`,
      'Stop what runs there, or pick another port with PORT=… or --port.',
    );
  }
  if (error instanceof ConfigError) {
    return new CliError(error.message, 'Fix the file (see docs/gateway.md), or move it away.', EXIT_USAGE);
  }
  if (typeof error !== 'object' || error === null) return undefined;
  const { code } = error as CodedError;
  const known = typeof code === 'string' ? KNOWN[code] : undefined;
  return known && new CliError(`${known[0]} (${String((error as CodedError).message || code)})`, known[1]);
}

const CHECK_URL = 'check DATABASE_URL (see `tollgate help`).';
/** error.code → what went wrong, what to do. */
const KNOWN: Record<string, [string, string]> = {
  ECONNREFUSED: ['Cannot connect to PostgreSQL', `Start PostgreSQL, or ${CHECK_URL}`],
  ENOTFOUND: ['The PostgreSQL host does not resolve', `Fix the host, or ${CHECK_URL}`],
  ETIMEDOUT: ['Connecting to PostgreSQL timed out', `Check the host is reachable, or ${CHECK_URL}`],
  '28P01': ['PostgreSQL refused the user or password', `Fix the credentials, or ${CHECK_URL}`],
  '28000': [
    'PostgreSQL refused the connection',
    `Check the user exists and may connect (pg_hba.conf), or ${CHECK_URL}`,
  ],
  '3D000': ['The PostgreSQL database does not exist', `Create it (createdb NAME), or ${CHECK_URL}`],
  SQLITE_CANTOPEN: [
    'Cannot open the SQLite file',
    `Check its directory exists and is writable, or ${CHECK_URL}`,
  ],
  SQLITE_READONLY: ['The SQLite file is read-only', 'Make it writable by this user.'],
  SQLITE_NOTADB: ['The file is not a SQLite database', `Point at a Tollgate database, or ${CHECK_URL}`],
  SQLITE_BUSY: [
    'The SQLite database is locked by another process',
    'Retry, or stop the process that holds it.',
  ],
  EACCES: ['Permission denied', 'Make the path in DATABASE_URL writable by this user.'],
  ENOTDIR: ['A part of the SQLite path is not a directory', `Fix the path, or ${CHECK_URL}`],
  EEXIST: ['A part of the SQLite path exists and is not a directory', `Fix the path, or ${CHECK_URL}`],
  EROFS: ['The SQLite path is on a read-only file system', `Fix the path, or ${CHECK_URL}`],
  ENOENT: ['A file or directory does not exist', `Fix the path, or ${CHECK_URL}`],
};

/** Prints an error the way the CLI reports every failure; returns the exit code. */
export function report(error: unknown, err: (line: string) => void, debug: boolean): number {
  const expected = explain(error);
  if (expected) {
    err(`Error: ${expected.message}`);
    if (expected.hint) err(expected.hint);
    return expected.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  err(`Unexpected error: ${message}`);
  if (debug && error instanceof Error && error.stack) err(error.stack);
  else err('Run again with TOLLGATE_DEBUG=1 for the stack trace, and report it if it persists.');
  return EXIT_FAILURE;
}
