import type { Hono } from 'hono';
import type { Gateway } from './gateway.ts';

/** The data plane's routes, in OpenAI's and Anthropic's formats (DESIGN.md §4 Gateway). */
export function mountGateway(app: Hono, gateway: Gateway): void {
  app.post('/v1/chat/completions', (c) => gateway.handle('chat', 'openai', c.req.raw));
  app.post('/v1/responses', (c) => gateway.handle('responses', 'openai', c.req.raw));
  app.post('/v1/embeddings', (c) => gateway.handle('embeddings', 'openai', c.req.raw));
  app.post('/v1/messages', (c) => gateway.handle('messages', 'anthropic', c.req.raw));
  app.post('/v1/messages/count_tokens', (c) => gateway.countTokens(c.req.raw));
  app.get('/v1/models', (c) => gateway.models(c.req.raw));
}
