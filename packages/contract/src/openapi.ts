import { z } from 'zod';
import { ERRORS, type ErrorCode, errorBody } from './errors.ts';
import { idempotencyKeySchema } from './fields.ts';
import type { RouteSpec } from './route.ts';

type JsonSchema = { [key: string]: unknown };

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, JsonSchema>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
}

/**
 * Converts zod schemas to JSON Schema, hoisting named schemas (`.meta({ id })`) into one
 * `components.schemas` map so that the document names each shape once.
 */
class SchemaCollector {
  readonly schemas: Record<string, JsonSchema> = {};

  convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const json = z.toJSONSchema(schema, {
      io,
      unrepresentable: 'any',
      target: 'draft-2020-12',
    }) as JsonSchema;
    const { $schema: _, $defs, ...rest } = json;
    for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
      const converted = rewrite(def, io) as JsonSchema;
      const known = this.schemas[id];
      if (known && JSON.stringify(known) !== JSON.stringify(converted)) {
        throw new Error(`two different schemas are named ${id}; give one another .meta({ id })`);
      }
      this.schemas[id] = converted;
    }
    return rewrite(rest, io) as JsonSchema;
  }
}

/**
 * Points `$defs` references at `components.schemas` and, for responses, drops zod's
 * `additionalProperties: false`: responses may gain fields, and clients must not reject them.
 */
function rewrite(value: unknown, io: 'input' | 'output'): unknown {
  if (Array.isArray(value)) return value.map((item) => rewrite(item, io));
  if (value === null || typeof value !== 'object') return value;
  const out: JsonSchema = {};
  for (const [key, item] of Object.entries(value)) {
    if (io === 'output' && key === 'additionalProperties' && item === false) continue;
    out[key] =
      key === '$ref' && typeof item === 'string'
        ? item.replace('#/$defs/', '#/components/schemas/')
        : rewrite(item, io);
  }
  return out;
}

function parameters(route: RouteSpec, collector: SchemaCollector): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const json = collector.convert(schema, 'input');
    const required = new Set((json.required ?? []) as string[]);
    for (const [name, property] of Object.entries((json.properties ?? {}) as Record<string, JsonSchema>)) {
      const { description, ...rest } = property;
      list.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        description,
        schema: rest,
      });
    }
  }
  if (route.idempotent) {
    list.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'A replay under the same key returns the first result (with `idempotent-replayed: true`).',
      schema: collector.convert(idempotencyKeySchema, 'input'),
    });
  }
  return list;
}

/** The codes a route can answer with: its own, then those every route of its kind shares. */
function errorCodes(route: RouteSpec): ErrorCode[] {
  const codes = new Set<ErrorCode>(route.errors);
  if (route.params || route.query || route.body || route.idempotent) {
    codes.add('parameter_invalid');
    codes.add('parameter_missing');
  }
  if (route.body) {
    codes.add('invalid_json');
    codes.add('request_too_large');
  }
  if (route.auth) {
    codes.add('admin_key_missing');
    codes.add('admin_key_invalid');
  }
  codes.add('internal_error');
  return [...codes];
}

function responses(route: RouteSpec, collector: SchemaCollector): JsonSchema {
  const success: JsonSchema = {
    description: route.summary,
    content: { 'application/json': { schema: collector.convert(route.response, 'output') } },
  };
  if (route.idempotent) {
    success.headers = {
      'idempotent-replayed': { description: '`true` on a replay.', schema: { type: 'string' } },
    };
  }
  const out: JsonSchema = { [String(route.status)]: success };
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodes(route)) {
    const status = ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: codes.map((code) => `\`${code}\`: ${ERRORS[code].description}`).join('\n'),
      'x-error-codes': codes,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return out;
}

function operation(route: RouteSpec, collector: SchemaCollector): JsonSchema {
  const op: JsonSchema = {
    operationId: route.operationId,
    summary: route.summary,
    tags: [...route.tags],
    security: route.auth ? [{ adminKey: [] }] : [],
    parameters: parameters(route, collector),
    responses: responses(route, collector),
  };
  if (route.description) op.description = route.description;
  if (route.body) {
    op.requestBody = {
      required: true,
      content: { 'application/json': { schema: collector.convert(route.body, 'input') } },
    };
  }
  return op;
}

/**
 * Builds the OpenAPI 3.1 document of a route table. Request schemas are the zod schemas' input
 * side (what a caller sends: money as integer or decimal string), responses their output side.
 *
 * @example
 * import { adminRoutes, buildOpenApiDocument } from '@tollgate/contract';
 * const document = buildOpenApiDocument(adminRoutes);
 * Object.keys(document.paths); // ['/api/v1/customers', '/api/v1/customers/{id}', …]
 */
export function buildOpenApiDocument(
  routes: Record<string, RouteSpec>,
  basePath = '/api/v1',
): OpenApiDocument {
  const collector = new SchemaCollector();
  // A schema with an id comes back as a $ref and lands in components.schemas.Error.
  collector.convert(errorBody, 'output');
  const paths: OpenApiDocument['paths'] = {};
  for (const route of Object.values(routes)) {
    const path = `${basePath}${route.path}`;
    paths[path] = { ...paths[path], [route.method]: operation(route, collector) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tollgate admin API',
      version: '1',
      description:
        'Control plane of the Tollgate credit ledger. Money is integer micros (1 unit = 1,000,000), sent as a JSON integer or a decimal string and returned as a JSON integer. Every POST that moves money takes an Idempotency-Key.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: collector.schemas,
      securitySchemes: { adminKey: { type: 'http', scheme: 'bearer', description: 'The admin key.' } },
    },
  };
}
