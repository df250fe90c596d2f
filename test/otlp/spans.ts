import { type Attributes, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** A model call as an app's own instrumentation would record it (GenAI conventions). */
export interface CallSpec {
  provider: string;
  model: string;
  input: number;
  output?: number;
  attributes?: Attributes;
}

/**
 * Finished spans made by the official SDK: one per call (children of one root span, which carries
 * no usage and must be ignored), under a resource with `resource` attributes.
 */
export async function recordSpans(calls: CallSpec[], resource: Attributes = {}): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'app-under-test', ...resource }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('test');
  const root = tracer.startSpan('handle request', { kind: SpanKind.SERVER });
  const parent = trace.setSpan(ROOT_CONTEXT, root);
  for (const call of calls) {
    const span = tracer.startSpan(
      `chat ${call.model}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': call.provider,
          'gen_ai.request.model': call.model,
          'gen_ai.usage.input_tokens': call.input,
          ...(call.output === undefined ? {} : { 'gen_ai.usage.output_tokens': call.output }),
          ...call.attributes,
        },
      },
      parent,
    );
    span.end();
  }
  root.end();
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return [...spans];
}

export type ExporterKind = 'json' | 'proto';

/** Exports spans once with the official OTLP/HTTP exporter of that kind; resolves its result. */
export async function exportSpans(
  kind: ExporterKind,
  url: string,
  key: string,
  spans: ReadableSpan[],
  options: { gzip?: boolean } = {},
): Promise<{ ok: boolean; error?: Error }> {
  const config = {
    url,
    headers: { Authorization: `Bearer ${key}` },
    ...(options.gzip ? { compression: CompressionAlgorithm.GZIP } : {}),
  };
  const exporter = kind === 'json' ? new JsonExporter(config) : new ProtoExporter(config);
  const result = await new Promise<{ code: number; error?: Error }>((resolve) =>
    exporter.export(spans, resolve),
  );
  await exporter.shutdown();
  return result.code === ExportResultCode.SUCCESS
    ? { ok: true }
    : { ok: false, ...(result.error ? { error: result.error } : {}) };
}
