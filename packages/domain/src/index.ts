export * from './ids.ts';
export * from './ledger/decide.ts';
export * from './ledger/state.ts';
export * from './ledger/types.ts';
export * from './ledger/verify.ts';
export * from './metering/usage-event.ts';
export * from './money.ts';
export * from './pricing/rate-card.ts';
