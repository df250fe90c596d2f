import { idParams, listOf } from '../fields.ts';
import { defineRoute } from '../route.ts';
import { createRateLimitBody, deletedRateLimitSchema, rateLimitSchema } from './rate-limits.ts';

/** Rate limits per scope (customer, user, model, key): requests and tokens per minute. */
export const rateLimitRoutes = {
  createRateLimit: defineRoute({
    method: 'post',
    path: '/rate-limits',
    operationId: 'createRateLimit',
    summary: 'Set the rate limits of a scope',
    description:
      'Posting a scope that already has limits replaces them. Applies from the next gateway call on this instance and within about 2 seconds on the others. A call over a limit gets 429 rate_limited with retry-after.',
    tags: ['rate-limits'],
    auth: true,
    idempotent: false,
    body: createRateLimitBody,
    status: 201,
    response: rateLimitSchema,
    errors: [],
  }),
  listRateLimits: defineRoute({
    method: 'get',
    path: '/rate-limits',
    operationId: 'listRateLimits',
    summary: 'List the rate limits set per scope (keys carry their own)',
    tags: ['rate-limits'],
    auth: true,
    idempotent: false,
    status: 200,
    response: listOf(rateLimitSchema),
    errors: [],
  }),
  deleteRateLimit: defineRoute({
    method: 'delete',
    path: '/rate-limits/{id}',
    operationId: 'deleteRateLimit',
    summary: 'Remove the rate limits of a scope',
    tags: ['rate-limits'],
    auth: true,
    idempotent: false,
    params: idParams,
    status: 200,
    response: deletedRateLimitSchema,
    errors: ['rate_limit_not_found'],
  }),
};
