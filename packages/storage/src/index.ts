export * from './gateway-store.ts';
export * from './ledger.ts';
export * from './open.ts';
export { PostgresStore } from './postgres/store.ts';
export { SqliteStore } from './sqlite/store.ts';
export * from './store.ts';
