import type { UsageRowJson } from './usage.ts';

const MONEY_COLUMNS = new Set(['cost', 'price', 'margin', 'cache_savings']);
const SUM_COLUMNS = [
  'requests',
  'input_tokens',
  'output_tokens',
  'cached_input_tokens',
  'cache_creation_input_tokens',
  'reasoning_tokens',
  'cost',
  'price',
  'margin',
  'cache_hits',
  'cache_savings',
  'estimated_requests',
] as const;

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Integer micros as a decimal amount of units, exactly (no float on the way): 1500000 → "1.500000". */
export function microsToDecimal(micros: number): string {
  const n = BigInt(micros);
  const abs = n < 0n ? -n : n;
  const text = `${abs / 1_000_000n}.${String(abs % 1_000_000n).padStart(6, '0')}`;
  return n < 0n ? `-${text}` : text;
}

/**
 * The CSV export: a header row, then one line per row, CRLF line ends. Group columns are named
 * by their key (`feature`, `tag:env`); an empty field is a null group value.
 */
export function usageCsv(
  rows: UsageRowJson[],
  options: { bucket: boolean; groupBy: string[]; decimal: boolean },
): string {
  const header = [...(options.bucket ? ['bucket'] : []), ...options.groupBy, 'money_unit', ...SUM_COLUMNS];
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) {
    const fields = [
      ...(options.bucket ? [row.bucket ?? ''] : []),
      ...options.groupBy.map((g) => row.group?.[g] ?? ''),
      row.money_unit,
      ...SUM_COLUMNS.map((c) =>
        options.decimal && MONEY_COLUMNS.has(c) ? microsToDecimal(row[c]) : String(row[c]),
      ),
    ];
    lines.push(fields.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
