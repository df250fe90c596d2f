import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { decodeTraceRequest } from './proto.ts';

/** A batch larger than this is refused whole (an SDK's batch is 512 spans; a collector's 8192). */
export const OTLP_SPANS_MAX = 10_000;

export type OtlpValue = string | number | boolean;

/** One span, with the attributes Tollgate reads (scalars only) and its resource's. */
export interface OtlpSpan {
  /** Lower-case hex, as W3C trace context writes it; empty when the span had none. */
  traceId: string;
  spanId: string;
  name: string;
  startTimeNs: bigint;
  endTimeNs: bigint;
  attributes: ReadonlyMap<string, OtlpValue>;
  resource: ReadonlyMap<string, OtlpValue>;
}

/** The request could not be read as OTLP: answered 4xx, nothing billed. */
export class OtlpBadRequest extends Error {
  override readonly name = 'OtlpBadRequest';
  constructor(
    message: string,
    readonly status: 400 | 413 | 415 = 400,
  ) {
    super(message);
  }
}

export type OtlpEncoding = 'json' | 'protobuf';

/** Which encoding a Content-Type names; null for any other (415). */
export function otlpEncoding(contentType: string | undefined): OtlpEncoding | null {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  return null;
}

/** Inflates a gzip body, never past `bytesMax` (a small bomb must not fill the memory). */
export function inflate(body: Buffer, contentEncoding: string | undefined, bytesMax: number): Buffer {
  const encoding = contentEncoding?.trim().toLowerCase();
  if (!encoding || encoding === 'identity') return body;
  if (encoding !== 'gzip')
    throw new OtlpBadRequest(`Content-Encoding ${encoding} is not supported; send gzip or none.`, 415);
  try {
    return gunzipSync(body, { maxOutputLength: bytesMax });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new OtlpBadRequest(`The inflated body is larger than ${bytesMax} bytes.`, 413);
    throw new OtlpBadRequest('The body is not valid gzip (Content-Encoding: gzip).');
  }
}

// OTLP/JSON writes int64 as a decimal string or a number; protobufjs (longs: String) as a string.
const int64 = z.union([z.string().regex(/^-?\d+$/), z.number().int()]);
const anyValue = z.object({
  stringValue: z.string().optional(),
  boolValue: z.boolean().optional(),
  intValue: int64.optional(),
  doubleValue: z.union([z.number(), z.string()]).optional(),
});
const keyValues = z.array(z.object({ key: z.string(), value: anyValue.optional().nullable() })).optional();
const span = z.object({
  traceId: z.string().optional(),
  spanId: z.string().optional(),
  name: z.string().optional(),
  startTimeUnixNano: int64.optional(),
  endTimeUnixNano: int64.optional(),
  attributes: keyValues,
});
const exportRequest = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource: z.object({ attributes: keyValues }).optional().nullable(),
        scopeSpans: z.array(z.object({ spans: z.array(span).optional() })).optional(),
      }),
    )
    .optional(),
});

type KeyValues = z.infer<typeof keyValues>;

function scalar(value: z.infer<typeof anyValue> | null | undefined): OtlpValue | undefined {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  return undefined;
}

function attributeMap(list: KeyValues): Map<string, OtlpValue> {
  const map = new Map<string, OtlpValue>();
  for (const { key, value } of list ?? []) {
    const read = scalar(value);
    if (read !== undefined) map.set(key, read);
  }
  return map;
}

/** OTLP/JSON ids are hex; protobufjs gives bytes as base64. Both become lower-case hex. */
function hexId(value: string | undefined, ids: 'hex' | 'base64'): string {
  if (!value) return '';
  return ids === 'hex' ? value.toLowerCase() : Buffer.from(value, 'base64').toString('hex');
}

function parse(raw: Buffer, encoding: OtlpEncoding): unknown {
  try {
    return encoding === 'json' ? JSON.parse(raw.toString('utf8')) : decodeTraceRequest(raw);
  } catch {
    throw new OtlpBadRequest(
      encoding === 'json'
        ? 'The body is not valid JSON (OTLP/JSON ExportTraceServiceRequest).'
        : 'The body is not a valid protobuf ExportTraceServiceRequest.',
    );
  }
}

/** An ExportTraceServiceRequest body → its spans. Throws OtlpBadRequest naming the bad field. */
export function decodeSpans(raw: Buffer, encoding: OtlpEncoding): OtlpSpan[] {
  const checked = exportRequest.safeParse(parse(raw, encoding));
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new OtlpBadRequest(`${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  const ids = encoding === 'json' ? 'hex' : 'base64';
  const spans: OtlpSpan[] = [];
  for (const resourceSpans of checked.data.resourceSpans ?? []) {
    const resource = attributeMap(resourceSpans.resource?.attributes);
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const s of scope.spans ?? []) {
        if (spans.length >= OTLP_SPANS_MAX)
          throw new OtlpBadRequest(`resourceSpans: more than ${OTLP_SPANS_MAX} spans in one request.`, 413);
        spans.push({
          traceId: hexId(s.traceId, ids),
          spanId: hexId(s.spanId, ids),
          name: s.name ?? '',
          startTimeNs: BigInt(s.startTimeUnixNano ?? 0),
          endTimeNs: BigInt(s.endTimeUnixNano ?? 0),
          attributes: attributeMap(s.attributes),
          resource,
        });
      }
    }
  }
  return spans;
}
