/**
 * A separate process with its own database connection: submits the operations given as JSON on
 * argv (bigints as strings) all at once and prints their results as one JSON line. Race tests
 * start several of these against one database.
 */
import { type LedgerOperation, serializeResult } from '@tollgate/domain';
import { Ledger, openStore } from '@tollgate/storage';

const [url, json] = process.argv.slice(2);
const operations: LedgerOperation[] = JSON.parse(json!, (key, value) =>
  (key === 'amount' || key === 'cap') && typeof value === 'string' ? BigInt(value) : value,
);
const store = openStore(url);
const ledger = new Ledger(store);
const results = await Promise.all(operations.map((operation) => ledger.submit(operation)));
process.stdout.write(`[${results.map(serializeResult).join(',')}]\n`);
await store.close();
