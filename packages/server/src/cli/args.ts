import { type ParseArgsConfig, parseArgs } from 'node:util';
import { usageError } from './errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs in strict mode, with its errors turned into a usage error that shows `usage`.
 * More than `positionalsMax` positional arguments is an error too.
 */
export function parse<T extends Options>(args: string[], options: T, usage: string, positionalsMax = 0) {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error), usage);
  }
  const extra = parsed.positionals[positionalsMax];
  if (extra !== undefined) throw usageError(`Unexpected argument "${extra}"`, usage);
  return parsed;
}

/** An integer option within bounds, or a usage error naming the option. */
export function integerOption(value: string, name: string, min: number, max: number, usage: string): number {
  if (!/^-?\d+$/.test(value)) throw usageError(`${name} must be an integer (got "${value}")`, usage);
  const n = Number(value);
  if (n < min || n > max) throw usageError(`${name} must be between ${min} and ${max} (got ${value})`, usage);
  return n;
}
