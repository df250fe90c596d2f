import type { Context } from 'hono';
import { ApiError } from '../errors.ts';

/**
 * The request body as JSON. An empty body reads as `{}` so that bodiless POSTs (release,
 * expire) need no `{}`; anything that is not JSON is refused before validation.
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? `: ${error.message}` : '';
    throw new ApiError('invalid_json', `The body is not valid JSON${detail}. Send a JSON object.`);
  }
}
