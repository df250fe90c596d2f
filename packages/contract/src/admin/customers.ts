import { z } from 'zod';
import { idSchema, instantOutput, metadataSchema, NAME_CHARS_MAX, pageQuery } from '../fields.ts';

/**
 * Body of `POST /customers`: the vendor chooses the id.
 *
 * @example
 * createCustomerBody.parse({ id: 'acme', name: 'Acme Inc.' });
 */
export const createCustomerBody = z.strictObject({
  id: idSchema,
  name: z.string().min(1).max(NAME_CHARS_MAX).optional(),
  metadata: metadataSchema.optional(),
});

/**
 * A customer as the API returns it.
 *
 * @example
 * customerSchema.parse({ id: 'acme', object: 'customer', name: null, metadata: null, created_at: '2030-01-01T00:00:00.000Z' });
 */
export const customerSchema = z
  .object({
    id: z.string(),
    object: z.literal('customer'),
    name: z.string().nullable(),
    metadata: z.record(z.string(), z.string()).nullable(),
    created_at: instantOutput,
  })
  .meta({ id: 'Customer' });

/**
 * Query of `GET /customers`.
 *
 * @example
 * listCustomersQuery.parse({ limit: '10' }); // { limit: 10 }
 */
export const listCustomersQuery = pageQuery;
