export {
  type CallOptions,
  type CustomerClient,
  type CustomerClientOptions,
  createCustomerClient,
} from './customer-client.ts';
export { errorFromResponse, TollgateError } from './errors.ts';
export type { FetchLike } from './http.ts';
export { type SseMessage, sseParser } from './sse.ts';
export { type MoneyOptions, Tollgate, type TollgateOptions } from './tollgate.ts';
export type * from './types.ts';
