/** What a command reads and writes, so that tests can run one in-process. */
export interface Io {
  /** Results: what a script would parse. */
  out(line: string): void;
  /** Progress, notices and errors. */
  err(line: string): void;
  env: NodeJS.ProcessEnv;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};

export interface Command {
  /** Words that name it: `['ledger', 'verify']`. */
  name: string[];
  usage: string;
  summary: string;
  /** Lines after the usage in `tollgate help <command>`. */
  details?: string[];
  run(args: string[], io: Io): Promise<number>;
}
