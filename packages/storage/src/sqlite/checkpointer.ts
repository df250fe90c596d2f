import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the background thread looks at the size of the write-ahead log. */
export const CHECKPOINT_POLL_MS = 250;
/**
 * The log is copied back into the database once it holds this much (about the 10,000 pages the
 * connection's own checkpoint used to wait for), or at the latest every CHECKPOINT_MAX_INTERVAL_MS.
 * Each checkpoint syncs both files: checkpointing on a short timer instead syncs far more often
 * for the same pages copied.
 */
export const CHECKPOINT_WAL_BYTES = 40 * 1024 * 1024;
export const CHECKPOINT_MAX_INTERVAL_MS = 30_000;
/**
 * The connection's own checkpoint, a backstop should the thread fall behind or die: far above
 * what the thread lets the log reach, so that on the hot path it never runs.
 */
export const BACKSTOP_CHECKPOINT_PAGES = 50_000;

export interface CheckpointOptions {
  /** CHECKPOINT_WAL_BYTES */
  walBytes?: number;
  /** CHECKPOINT_POLL_MS */
  pollMs?: number;
  /** CHECKPOINT_MAX_INTERVAL_MS */
  maxIntervalMs?: number;
  /** Told if the thread fails (the connection's backstop checkpoint then does the work). */
  log?: (line: string) => void;
}

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/**
 * Hands a connection's WAL checkpoints to a thread of their own when `option` asks for it (and the
 * database is a file): the connection keeps only a far backstop, and its log is truncated whenever
 * it starts over, so that its size on disk is what it holds (which the thread reads with a stat,
 * without a query). Returns the thread, or null.
 */
export function checkpointInBackground(
  db: { pragma(source: string): unknown },
  path: string,
  option: boolean | CheckpointOptions | undefined,
): BackgroundCheckpointer | null {
  if (!option || path === ':memory:') return null;
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  db.pragma('journal_size_limit = 0');
  return new BackgroundCheckpointer(path, option === true ? {} : option);
}

/*
 * The thread's whole program (CommonJS, run with \`eval\`): its own connection to the file, and a
 * PASSIVE checkpoint whenever the log has grown past the threshold (or has anything, after the
 * longest interval). PASSIVE never blocks a writer or a reader: it copies what no reader still
 * needs, and the next writer starts the log over once all of it is copied.
 */
const PROGRAM = `
const { statSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 0');
let last = Date.now();
const logBytes = () => {
  try {
    return statSync(workerData.path + '-wal').size;
  } catch {
    return 0;
  }
};
const checkpoint = () => {
  last = Date.now();
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or gone: the next poll tries again, and the connection's backstop is still there.
  }
};
const timer = setInterval(() => {
  const bytes = logBytes();
  if (bytes >= workerData.walBytes || (bytes > 0 && Date.now() - last >= workerData.maxIntervalMs)) checkpoint();
}, workerData.pollMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

/**
 * Runs a SQLite file's WAL checkpoints on a thread of their own. A checkpoint copies every page
 * the log holds back into the database and syncs both files: with the connection's automatic
 * checkpoint that work (tens of milliseconds for a few thousand pages) runs inside whichever
 * COMMIT crosses the threshold, stalling the event loop and every call waiting on it.
 */
export class BackgroundCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private closing = false;

  constructor(path: string, options: CheckpointOptions = {}) {
    this.worker = new Worker(PROGRAM, {
      eval: true,
      workerData: {
        driver,
        path,
        walBytes: options.walBytes ?? CHECKPOINT_WAL_BYTES,
        pollMs: options.pollMs ?? CHECKPOINT_POLL_MS,
        maxIntervalMs: options.maxIntervalMs ?? CHECKPOINT_MAX_INTERVAL_MS,
      },
    });
    // It must not keep a process alive, nor take it down: the backstop checkpoint remains.
    this.worker.unref();
    this.worker.on('error', (error) =>
      options.log?.(
        `sqlite: the checkpoint thread of ${path} failed (${error.message}); the connection checkpoints every ${BACKSTOP_CHECKPOINT_PAGES} pages instead`,
      ),
    );
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** Runs a last checkpoint and ends the thread. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      // Awaited from here on: the process must live until the thread is done.
      this.worker.ref();
      this.worker.postMessage('close');
    }
    return this.exited;
  }
}
