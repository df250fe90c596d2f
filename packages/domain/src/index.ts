export * from './ids.ts';
export * from './ledger/decide.ts';
export * from './ledger/state.ts';
export * from './ledger/types.ts';
export * from './ledger/verify.ts';
export * from './money.ts';
