export { adminAuthorizer, digestAdminKey, ensureAdminKey, generateAdminKey } from './admin-key.ts';
export { createApp } from './app.ts';
export * from './runtime/index.ts';
export { EXPIRY_INTERVAL_MS, type ExpiryScheduler, startExpiryScheduler } from './scheduler.ts';
