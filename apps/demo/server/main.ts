import { startDemoStack } from './stack.ts';

/** `npm run demo`: the whole stack on one port (DEMO_PORT, default 5173), until Ctrl-C. */
const port = Number(process.env.DEMO_PORT ?? 5173);
const stack = await startDemoStack({ port, log: (line) => console.log(`[tollgate] ${line}`) });
console.log(`Tollgate UI kit demo ready on ${stack.url} (Tollgate on ${stack.tollgate.url})`);

const stop = async () => {
  await stack.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
