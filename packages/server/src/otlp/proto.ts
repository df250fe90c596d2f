import { createRequire } from 'node:module';
import protobuf from 'protobufjs';

/**
 * The OTLP protobuf messages, from the static protobufjs module that @opentelemetry/otlp-transformer
 * 0.212 generated from opentelemetry-proto (installed under the alias `otlp-proto-root`): later
 * versions of that package only encode, and we must decode. Loaded on the first protobuf request.
 */
interface Message {
  decode(bytes: Uint8Array): object;
  encode(message: object): { finish(): Uint8Array };
  fromObject(value: object): object;
  toObject(message: object, options: protobuf.IConversionOptions): Record<string, unknown>;
}

interface OtlpRoot {
  opentelemetry: {
    proto: {
      collector: {
        trace: { v1: { ExportTraceServiceRequest: Message; ExportTraceServiceResponse: Message } };
      };
    };
  };
}

let root: OtlpRoot['opentelemetry']['proto']['collector']['trace']['v1'] | null = null;

function messages() {
  if (!root) {
    const loaded = createRequire(import.meta.url)('otlp-proto-root/build/src/generated/root.js') as OtlpRoot;
    root = loaded.opentelemetry.proto.collector.trace.v1;
  }
  return root;
}

/**
 * An ExportTraceServiceRequest as a plain object in OTLP/JSON's shape, except that ids are base64
 * (protobufjs renders bytes so); int64 values are decimal strings. Throws on malformed bytes.
 */
export function decodeTraceRequest(bytes: Uint8Array): Record<string, unknown> {
  const { ExportTraceServiceRequest } = messages();
  return ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(bytes), {
    longs: String,
    bytes: String,
    arrays: true,
  });
}

export function encodeTraceResponse(
  partial: { rejectedSpans: number; errorMessage: string } | null,
): Uint8Array {
  const { ExportTraceServiceResponse } = messages();
  const message = ExportTraceServiceResponse.fromObject(partial ? { partialSuccess: partial } : {});
  return ExportTraceServiceResponse.encode(message).finish();
}

/** google.rpc.Status, which OTLP/HTTP answers failures with (no package ships it decoded). */
const Status = new protobuf.Type('Status')
  .add(new protobuf.Field('code', 1, 'int32'))
  .add(new protobuf.Field('message', 2, 'string'));

export function encodeStatus(code: number, message: string): Uint8Array {
  return Status.encode(Status.create({ code, message })).finish();
}
