import { describe, expect, it } from 'vitest';
import { adminRoutes } from './admin/routes.ts';
import { buildOpenApiDocument } from './openapi.ts';

describe('buildOpenApiDocument', () => {
  const document = buildOpenApiDocument(adminRoutes);

  it('is plain JSON (no bigints, no functions) that survives a round trip', () => {
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });

  it('has one operation per route, with unique operation ids', () => {
    const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
    expect(operations).toHaveLength(Object.keys(adminRoutes).length);
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(Object.values(adminRoutes))('documents $method $path', (route) => {
    const operation = document.paths[`/api/v1${route.path}`]?.[route.method] as Record<string, unknown>;
    expect(operation).toBeDefined();
    const parameters = operation.parameters as { name: string; in: string }[];
    for (const name of route.path.match(/\{(\w+)\}/g) ?? []) {
      expect(parameters).toContainEqual(expect.objectContaining({ name: name.slice(1, -1), in: 'path' }));
    }
    if ('body' in route) expect(operation.requestBody).toBeDefined();
    if (route.idempotent) expect(parameters.map((p) => p.name)).toContain('Idempotency-Key');
    expect(operation.security).toEqual(route.auth ? [{ adminKey: [] }] : []);
  });

  it('resolves every $ref to a component schema', () => {
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      const name = ref.slice('"$ref":"#/components/schemas/'.length, -1);
      expect(document.components.schemas[name], ref).toBeDefined();
    }
    expect(document.components.schemas.Error).toMatchObject({ type: 'object' });
  });

  it('documents money as integer or decimal string in requests and integer in responses', () => {
    const body = document.paths['/api/v1/wallets/{id}/deductions']?.post as {
      requestBody: {
        content: { 'application/json': { schema: { properties: { amount: { anyOf: unknown[] } } } } };
      };
    };
    expect(body.requestBody.content['application/json'].schema.properties.amount.anyOf).toHaveLength(2);
    const wallet = document.components.schemas.Wallet as { properties: Record<string, { type: string }> };
    expect(wallet.properties.balance?.type).toBe('integer');
  });
});
