import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from './args.ts';
import { CliError, EXIT_USAGE } from './errors.ts';
import type { Command } from './io.ts';

const usage = 'tollgate bench [ledger|gateway|usage]';
/** The benchmark scripts live in the repository's bench/ folder, beside packages/. */
const BENCH_DIR = fileURLToPath(new URL('../../../../bench/', import.meta.url));

export const bench: Command = {
  name: ['bench'],
  usage,
  summary: 'Run a benchmark (ledger, gateway or usage) and print its table',
  details: [
    'Each prints Tollgate beside a baseline measured in the same run (a naive ledger, a direct call, Portkey).',
    'The same as `npm run bench:ledger` (…:gateway, …:usage). See docs/benchmarks.md.',
  ],
  async run(args, io) {
    const { positionals } = parse(args, {}, usage, 1);
    const name = positionals[0] ?? 'ledger';
    const script = `${BENCH_DIR}${name}.ts`;
    if (!/^[a-z]+$/.test(name) || !existsSync(script)) {
      throw new CliError(
        `No benchmark "${name}"`,
        existsSync(BENCH_DIR)
          ? 'Pick one of: ledger, gateway, usage.'
          : 'The benchmarks ship with the repository: run this from a clone of Tollgate.',
        EXIT_USAGE,
      );
    }
    // Inherit the terminal: the benchmark streams its progress and table as it goes.
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: 'inherit',
      env: io.env,
    });
    return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  },
};
