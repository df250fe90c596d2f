/**
 * What the gateway needs of a call, whatever serves it: node:http directly (the lean path) or a
 * Web-standard runtime through Hono. Handlers take a GatewayRequest and give a GatewayReply.
 */
export interface GatewayRequest {
  /** A request header by its lower-case name. */
  header(name: string): string | undefined;
  /** The whole body; refused (RequestTooLarge) past `bytesMax` without reading on. */
  readBody(bytesMax: number): Promise<Buffer>;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}

/** A streamed body: pulled chunk by chunk; `cancel` when the client goes away first. */
export interface ReplyStream {
  /** The next chunk, or null at the end. Never rejects. */
  next(): Promise<Uint8Array | null>;
  cancel(): Promise<void>;
}

export interface GatewayReply {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | ReplyStream;
}

export class RequestTooLarge extends Error {
  override readonly name = 'RequestTooLarge';
}

export const json = (status: number, value: unknown, headers: Record<string, string> = {}): GatewayReply => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(JSON.stringify(value)),
});

export const isStream = (body: GatewayReply['body']): body is ReplyStream => !(body instanceof Uint8Array);

/** A Web Request as a GatewayRequest (Hono, edge runtimes). */
export function fromWebRequest(request: Request): GatewayRequest {
  return {
    header: (name) => request.headers.get(name) ?? undefined,
    signal: request.signal,
    async readBody(bytesMax) {
      const declared = Number(request.headers.get('content-length') ?? Number.NaN);
      if (declared > bytesMax) throw new RequestTooLarge();
      const chunks: Uint8Array[] = [];
      let size = 0;
      const reader = request.body?.getReader();
      if (!reader) return Buffer.alloc(0);
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return Buffer.concat(chunks);
        size += value.byteLength;
        if (size > bytesMax) {
          await reader.cancel();
          throw new RequestTooLarge();
        }
        chunks.push(value);
      }
    },
  };
}

/** A GatewayReply as a Web Response. */
export function toWebResponse(reply: GatewayReply): Response {
  const body = reply.body;
  if (!isStream(body))
    return new Response(new Uint8Array(body), { status: reply.status, headers: reply.headers });
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = await body.next();
        if (chunk === null) controller.close();
        else controller.enqueue(chunk);
      },
      cancel: () => body.cancel(),
    },
    { highWaterMark: 0 },
  );
  return new Response(stream, { status: reply.status, headers: reply.headers });
}
