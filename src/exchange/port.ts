/** The exchange port lives in the domain (streams and actors use it too); re-exported for the adapters. */
export type * from '../domain/exchange.ts'
