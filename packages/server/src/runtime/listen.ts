import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Gateway } from '../gateway/gateway.ts';
import { nodeGatewayListener } from '../gateway/node-handler.ts';

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

/**
 * Serves the app over HTTP/1.1; resolves once the socket accepts connections. The gateway's
 * routes, when given, are served straight on node:http (the lean path); the rest by the app.
 */
export function listen(app: Fetchable, port: number, host: string, gateway?: Gateway): Promise<Listening> {
  const appListener = getRequestListener(app.fetch);
  const server = createServer(gateway ? nodeGatewayListener(gateway, appListener) : appListener);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
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

/** Longer than the usual client's idle timeout, so that pooled connections are not cut under them. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // close() stops accepting and drops idle keep-alive sockets; busy ones get a grace period.
    const force = setTimeout(() => {
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
