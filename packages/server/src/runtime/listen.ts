import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';

/** How long in-flight requests (streams included) may run on after shutdown begins. */
export const SHUTDOWN_GRACE_MS = 5_000;

export interface Listening {
  port: number;
  close(): Promise<void>;
}

/** Thrown when the port is taken, so that the CLI can say which variable to change. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(readonly port: number) {
    super(`port ${port} is already in use`);
  }
}

type Fetchable = Pick<Hono, 'fetch'>;

/** Serves the app over HTTP/1.1; resolves once the socket accepts connections. */
export function listen(app: Fetchable, port: number, host: string): Promise<Listening> {
  const server = createAdaptorServer({ fetch: app.fetch });
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const bound = (server.address() as AddressInfo).port;
      resolve({ port: bound, close: () => closeServer(server) });
    });
  });
}

function closeServer(server: ReturnType<typeof createAdaptorServer>): Promise<void> {
  return new Promise((resolve) => {
    // close() stops accepting and drops idle keep-alive sockets; busy ones get a grace period.
    const force = setTimeout(() => {
      if ('closeAllConnections' in server) server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
