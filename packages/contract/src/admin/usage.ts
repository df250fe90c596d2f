import { isTimeZone, USAGE_DIMENSIONS, type UsageGroupKey } from '@tollgate/domain';
import { z } from 'zod';
import { idSchema, instantInput } from '../fields.ts';
import { moneyOutput } from '../money.ts';

/** At most this many groups per answer; a query may also ask for fewer with `limit`. */
export const USAGE_GROUPS_MAX = 10_000;
export const USAGE_GROUPS_DEFAULT = 1_000;
/** Tag keys are letters, digits and `_ . : -`, at most 64 characters. */
export const TAG_KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
const GROUP_KEYS_MAX = 4;

const filterValue = z.string().min(1).max(255);
const TAG_PREFIX = 'tag:';

/**
 * `group_by`: a comma-separated list of dimensions (`customer`, `team`, `user`, `feature`,
 * `model`, `provider`, `unit` — the value unit —, `session`) or `tag:KEY`.
 *
 * @example
 * groupByInput.parse('feature,tag:env'); // ['feature', 'tag:env']
 */
export const groupByInput = z.string().transform((text, ctx): UsageGroupKey[] => {
  const keys = text
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  const bad = keys.find(
    (k) =>
      !(USAGE_DIMENSIONS as readonly string[]).includes(k) &&
      !(k.startsWith(TAG_PREFIX) && TAG_KEY_PATTERN.test(k.slice(TAG_PREFIX.length))),
  );
  if (bad !== undefined || keys.length > GROUP_KEYS_MAX || new Set(keys).size !== keys.length) {
    ctx.issues.push({
      code: 'custom',
      input: text,
      message:
        bad !== undefined
          ? `has an unknown key ${JSON.stringify(bad)}: use ${USAGE_DIMENSIONS.join(', ')} or tag:KEY`
          : `must name at most ${GROUP_KEYS_MAX} different keys`,
    });
    return z.NEVER;
  }
  return keys as UsageGroupKey[];
});

/**
 * An IANA time zone name that this server's Intl knows.
 *
 * @example
 * timeZoneInput.parse('Europe/Paris');
 */
export const timeZoneInput = z
  .string()
  .max(64)
  .refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/Paris or UTC' });

const usageFilters = {
  customer_id: idSchema.optional(),
  team_id: filterValue.optional(),
  user_id: filterValue.optional(),
  feature: filterValue.optional(),
  model: filterValue.optional(),
  provider: filterValue.optional(),
  unit: filterValue.optional().meta({ description: 'The value unit (x-tollgate-unit).' }),
  session_id: filterValue.optional(),
};

/**
 * Query of `GET /usage`: the range [from, to) (default: the last 30 days), buckets in `tz`.
 *
 * @example
 * usageQueryInput.parse({ from: '2030-03-01T00:00:00Z', granularity: 'day', tz: 'Europe/Paris', group_by: 'feature' });
 */
export const usageQueryInput = z.object({
  from: instantInput.optional(),
  to: instantInput.optional(),
  granularity: z.enum(['hour', 'day', 'month']).optional(),
  tz: timeZoneInput.default('UTC'),
  group_by: groupByInput.optional(),
  ...usageFilters,
  order_by: z
    .enum(['price', 'cost', 'margin', 'requests'])
    .default('price')
    .meta({ description: 'Ranks groups: margin ascending (losses first), the others descending.' }),
  format: z.enum(['json', 'csv']).default('json'),
  amounts: z
    .enum(['micros', 'decimal'])
    .default('micros')
    .meta({ description: 'CSV only: money as integer micros (default) or as decimal units.' }),
  limit: z.coerce.number().int().min(1).max(USAGE_GROUPS_MAX).default(USAGE_GROUPS_DEFAULT),
});

const count = z.int().min(0);

/**
 * One row of a usage answer: a bucket (with granularity), a group (with group_by), the sums.
 *
 * @example
 * usageRowSchema.shape.margin; // price − cost, integer micros of money_unit
 */
export const usageRowSchema = z
  .object({
    bucket: z
      .string()
      .optional()
      .meta({ description: "Start of the bucket, ISO 8601 with the tz's offset." }),
    group: z.record(z.string(), z.string().nullable()).optional(),
    money_unit: z
      .string()
      .meta({ description: 'The wallet unit of cost and price; units are never added together.' }),
    requests: count,
    input_tokens: count,
    output_tokens: count,
    cached_input_tokens: count,
    cache_creation_input_tokens: count,
    reasoning_tokens: count,
    cost: moneyOutput,
    price: moneyOutput,
    margin: moneyOutput.meta({ description: 'price − cost; negative when sold below cost.' }),
    cache_hits: count,
    cache_savings: moneyOutput.meta({ description: 'Upstream cost that cache hits avoided.' }),
    estimated_requests: count,
  })
  .meta({ id: 'UsageRow' });

/**
 * The answer of `GET /usage` (format=json).
 *
 * @example
 * usageReportSchema.parse(await (await fetch('/api/v1/usage?group_by=feature')).json());
 */
export const usageReportSchema = z
  .object({
    object: z.literal('usage'),
    from: z.string(),
    to: z.string(),
    granularity: z.enum(['hour', 'day', 'month']).nullable(),
    tz: z.string(),
    group_by: z.array(z.string()),
    data: z.array(usageRowSchema),
    truncated: z.boolean().meta({ description: 'More groups matched than limit.' }),
  })
  .meta({ id: 'Usage' });

/**
 * Query of `GET /reports/margin`.
 *
 * @example
 * marginReportQuery.parse({ group_by: 'outcome', from: '2030-03-01T00:00:00Z' });
 */
export const marginReportQuery = z.object({
  from: instantInput.optional(),
  to: instantInput.optional(),
  group_by: z
    .enum(['customer', 'team', 'user', 'feature', 'model', 'provider', 'unit', 'outcome'])
    .default('feature'),
  customer_id: idSchema.optional(),
  limit: z.coerce.number().int().min(1).max(USAGE_GROUPS_MAX).default(USAGE_GROUPS_DEFAULT),
});

/**
 * One group of the margin report, losses first. With group_by=outcome, `group` is the outcome
 * type and the row also has `outcomes` and `cost_per_success`.
 *
 * @example
 * marginRowSchema.shape.margin_bps; // margin / price in basis points, null when price is 0
 */
export const marginRowSchema = z
  .object({
    group: z.string().nullable(),
    money_unit: z.string().nullable(),
    requests: count,
    cost: moneyOutput,
    price: moneyOutput,
    margin: moneyOutput,
    margin_bps: z.int().nullable().meta({ description: 'margin × 10,000 / price, rounded half-up once.' }),
    outcomes: count.optional(),
    cost_per_success: moneyOutput.nullable().optional().meta({
      description: 'Cost of the sessions that reached the outcome / outcomes, rounded half-up once.',
    }),
  })
  .meta({ id: 'MarginRow' });

/**
 * The answer of `GET /reports/margin`.
 *
 * @example
 * marginReportSchema.parse(body).data[0]?.margin;
 */
export const marginReportSchema = z
  .object({
    object: z.literal('margin_report'),
    from: z.string(),
    to: z.string(),
    group_by: z.string(),
    data: z.array(marginRowSchema),
    truncated: z.boolean(),
  })
  .meta({ id: 'MarginReport' });
