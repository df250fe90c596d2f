import { z } from 'zod';

/** Limits on free-form fields, named so that docs, validation and tests share them. */
export const ID_CHARS_MAX = 128;
export const UNIT_CHARS_MAX = 32;
export const NAME_CHARS_MAX = 256;
export const REASON_CHARS_MAX = 500;
export const METADATA_KEYS_MAX = 50;
export const METADATA_KEY_CHARS_MAX = 40;
export const METADATA_VALUE_CHARS_MAX = 500;
export const IDEMPOTENCY_KEY_CHARS_MAX = 255;
export const PAGE_LIMIT_MAX = 500;
export const PAGE_LIMIT_DEFAULT = 100;

/**
 * An id in a path or body: the vendor's own for customers, Tollgate's for the rest. Limited to
 * characters that need no escaping in a URL path, so that ids round-trip through routes unchanged.
 *
 * @example
 * idSchema.parse('acme_corp'); // 'acme_corp'
 */
export const idSchema = z
  .string()
  .min(1)
  .max(ID_CHARS_MAX)
  .regex(/^[A-Za-z0-9._:@-]+$/, { error: 'must use only letters, digits and . _ : @ -' });

/**
 * A unit of account, e.g. `usd` or `credits`: lower case so that `USD` and `usd` never name two units.
 *
 * @example
 * unitSchema.parse('usd'); // 'usd'
 */
export const unitSchema = z
  .string()
  .max(UNIT_CHARS_MAX)
  .regex(/^[a-z][a-z0-9_]*$/, {
    error: 'must be lower case letters, digits or _, starting with a letter (e.g. usd)',
  })
  .meta({ examples: ['usd', 'credits'] });

/**
 * Free string key/value pairs the caller attaches; stored and returned, never interpreted.
 *
 * @example
 * metadataSchema.parse({ order: 'ord_42' }); // { order: 'ord_42' }
 */
export const metadataSchema = z
  .record(z.string().min(1).max(METADATA_KEY_CHARS_MAX), z.string().max(METADATA_VALUE_CHARS_MAX))
  .refine((value) => Object.keys(value).length <= METADATA_KEYS_MAX, {
    error: `must have at most ${METADATA_KEYS_MAX} keys`,
  });

/**
 * A human note stored on a transaction.
 *
 * @example
 * reasonSchema.parse('refund for ticket 7'); // 'refund for ticket 7'
 */
export const reasonSchema = z.string().max(REASON_CHARS_MAX);

/**
 * An ISO 8601 instant in a request (with `Z` or an offset), parsed to milliseconds since the epoch.
 *
 * @example
 * instantInput.parse('2030-01-01T00:00:00Z'); // 1893456000000
 */
export const instantInput = z.iso
  .datetime({
    offset: true,
    error: 'must be an ISO 8601 date-time with a time zone, e.g. 2030-01-01T00:00:00Z',
  })
  .transform((text) => Date.parse(text));

/**
 * An instant in a response: ISO 8601 in UTC.
 *
 * @example
 * instantOutput.parse('2030-01-01T00:00:00.000Z');
 */
export const instantOutput = z.iso.datetime().meta({ examples: ['2030-01-01T00:00:00.000Z'] });

/**
 * The `Idempotency-Key` header: a replay under the same key returns the first result.
 *
 * @example
 * idempotencyKeySchema.parse('order-42-grant'); // 'order-42-grant'
 */
export const idempotencyKeySchema = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(IDEMPOTENCY_KEY_CHARS_MAX, { error: `must be at most ${IDEMPOTENCY_KEY_CHARS_MAX} characters` })
  .regex(/^[\x21-\x7e]+$/, { error: 'must be printable ASCII without spaces' });

/**
 * Query fields shared by every paginated list: an opaque cursor from the previous page and a size.
 *
 * @example
 * pageQuery.parse({ limit: '20' }); // { limit: 20 }
 */
export const pageQuery = z.object({
  cursor: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .meta({ description: 'The next_cursor of the previous page.' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(PAGE_LIMIT_MAX)
    .default(PAGE_LIMIT_DEFAULT)
    .meta({ description: `Page size, 1..${PAGE_LIMIT_MAX}.` }),
});

/**
 * The envelope of a list: one page of `data` and the cursor of the next page (null at the end).
 *
 * @example
 * const customers = listOf(customerSchema);
 */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({
    object: z.literal('list'),
    data: z.array(item),
    next_cursor: z.string().nullable(),
  });
}

/**
 * Path parameters of routes on one resource: `{id}`.
 *
 * @example
 * idParams.parse({ id: 'wal_123' });
 */
export const idParams = z.object({ id: idSchema });

/**
 * A request body with no fields (e.g. a release); an absent body counts as `{}`.
 *
 * @example
 * emptyBody.parse({}); // {}
 */
export const emptyBody = z.strictObject({});

/**
 * The money-moving routes' headers, validated as an object so errors name the header.
 *
 * @example
 * idempotencyHeaders.parse({ 'Idempotency-Key': 'order-42' });
 */
export const idempotencyHeaders = z.object({ 'Idempotency-Key': idempotencyKeySchema });
