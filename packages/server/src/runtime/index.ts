export { describeDatabase, resolveDatabaseUrl } from './database-url.ts';
export { DEFAULT_HOST, DEFAULT_PORT } from './defaults.ts';
export { PortInUseError, SHUTDOWN_GRACE_MS } from './listen.ts';
export { type StartOptions, startTollgate, type Tollgate } from './start.ts';
