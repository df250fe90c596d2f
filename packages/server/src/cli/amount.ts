import { MICROS_MAX, type Micros } from '@tollgate/domain';
import { CliError, EXIT_USAGE, usageError } from './errors.ts';

/**
 * A positive amount of integer micros as typed on a command line (`5000000`, or `5_000_000`).
 * Each refusal says how to write the amount instead.
 */
export function parseAmountMicros(text: string, name: string, usage: string): Micros {
  if (/^-?\d*\.\d+$/.test(text)) {
    throw new CliError(
      `${name} is in integer micros, not units (got "${text}")`,
      `1 usd = 1000000 micros: ${text} units is ${suggestMicros(text)}.\nUsage: ${usage}`,
      EXIT_USAGE,
    );
  }
  if (!/^-?\d+(_\d+)*$/.test(text))
    throw usageError(`${name} must be an integer count of micros (got "${text}")`, usage);
  const micros = BigInt(text.replaceAll('_', ''));
  if (micros <= 0n) throw usageError(`${name} must be greater than 0 (got ${text})`, usage);
  if (micros > MICROS_MAX)
    throw usageError(`${name} must be at most ${MICROS_MAX} micros (got ${text})`, usage);
  return micros;
}

/** `2.5` → `2500000`, exactly (no float), for the hint. */
function suggestMicros(units: string): string {
  const [whole = '0', fraction = ''] = units.replace('-', '').split('.');
  const micros = BigInt(whole || '0') * 1_000_000n + BigInt(fraction.slice(0, 6).padEnd(6, '0'));
  return `${micros}`;
}
