import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAll, UPSTREAM_BUFFERED_BYTES_MAX, Upstream } from './upstream.ts';

/** The upstream client against a real HTTP server: whole bodies, slow readers, aborts. */
describe('Upstream', () => {
  const MB = Buffer.alloc(1024 * 1024, 'a');
  let server: Server;
  let base: string;
  const upstream = new Upstream();
  let closedEarly = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url === '/big') {
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-request-id': 'req_1' });
          // In 16 KB writes, as a provider's stream arrives.
          let sent = 0;
          const more = () => {
            while (sent < MB.length) {
              const piece = MB.subarray(sent, sent + 16 * 1024);
              sent += piece.length;
              if (!res.write(piece)) return void res.once('drain', more);
            }
            res.end();
          };
          more();
          res.on('close', () => {
            if (!res.writableFinished) closedEarly++;
          });
        } else if (req.url === '/drip') {
          // A stream that takes its time: 1 KB every 10 ms.
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          const timer = setInterval(() => res.write(MB.subarray(0, 1024)), 10);
          res.on('close', () => {
            clearInterval(timer);
            if (!res.writableFinished) closedEarly++;
          });
        } else if (req.url === '/slow') {
          setTimeout(() => res.end('late'), 5_000).unref();
        } else {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end('{"error":"no"}');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await upstream.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads a whole body of any size, with its status and headers', async () => {
    const response = await upstream.send(`${base}/big`, {}, '{}', new AbortController().signal);
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toBe('req_1');
    expect((await readAll(response.body)).equals(MB)).toBe(true);
    const missing = await upstream.send(`${base}/nope`, {}, Buffer.from('{}'), new AbortController().signal);
    expect(missing.status).toBe(404);
    expect((await readAll(missing.body)).toString()).toBe('{"error":"no"}');
  });

  it('a slow reader gets every byte in order, the socket paused meanwhile', async () => {
    const response = await upstream.send(`${base}/big`, {}, '{}', new AbortController().signal);
    const chunks: Buffer[] = [];
    let most = 0;
    const body = response.body as unknown as { buffered: number };
    for await (const chunk of response.body) {
      chunks.push(Buffer.from(chunk));
      most = Math.max(most, body.buffered);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(Buffer.concat(chunks).equals(MB)).toBe(true);
    // What waits unread stays near the limit (one socket read past it at most).
    expect(most).toBeLessThan(UPSTREAM_BUFFERED_BYTES_MAX + 256 * 1024);
  });

  it('destroying a body mid-way closes the connection; its reader sees an error', async () => {
    const response = await upstream.send(`${base}/drip`, {}, '{}', new AbortController().signal);
    const iterator = response.body[Symbol.asyncIterator]();
    await iterator.next();
    const before = closedEarly;
    response.body.destroy();
    await expect(iterator.next()).rejects.toThrow();
    await expect.poll(() => closedEarly).toBe(before + 1);
  });

  it('an abort before the answer rejects the call; after it, the body errors', async () => {
    const controller = new AbortController();
    const slow = upstream.send(`${base}/slow`, {}, '{}', controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(slow).rejects.toThrow(/abort/i);
    const aborted = new AbortController();
    aborted.abort();
    await expect(upstream.send(`${base}/big`, {}, '{}', aborted.signal)).rejects.toThrow(/abort/i);
    const streaming = new AbortController();
    const response = await upstream.send(`${base}/drip`, {}, '{}', streaming.signal);
    streaming.abort();
    await expect(readAll(response.body)).rejects.toThrow(/abort/i);
  });
});
