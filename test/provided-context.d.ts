import 'vitest';

/** What test/global-setup.ts provides to every test file. */
declare module 'vitest' {
  export interface ProvidedContext {
    stores: string[];
    postgresUrl: string;
  }
}
