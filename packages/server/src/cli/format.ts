import { MICROS_PER_UNIT, type Micros } from '@tollgate/domain';

/** `5000000` → `5000000 micros (5 usd)`: the exact integer first, the readable amount beside it. */
export function formatMicros(micros: Micros, unit: string): string {
  return `${micros} micros (${formatUnits(micros, unit)})`;
}

export function formatUnits(micros: Micros, unit: string): string {
  const sign = micros < 0n ? '-' : '';
  const abs = micros < 0n ? -micros : micros;
  const whole = abs / MICROS_PER_UNIT;
  const fraction = (abs % MICROS_PER_UNIT).toString().padStart(6, '0').replace(/0+$/, '');
  return `${sign}${whole}${fraction ? `.${fraction}` : ''} ${unit}`;
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
