import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the background thread copies the write-ahead log back into the database file. */
export const CHECKPOINT_INTERVAL_MS = 250;
/**
 * The connection's own checkpoint, a backstop should the thread fall behind or die: far above
 * what the thread lets the log reach, so that on the hot path it never runs.
 */
export const BACKSTOP_CHECKPOINT_PAGES = 50_000;

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/*
 * The thread's whole program (CommonJS, run with `eval`): its own connection to the file, a PASSIVE
 * checkpoint every interval. PASSIVE never blocks a writer or a reader: it copies what no reader
 * still needs, and the next writer starts the log over once all of it is copied.
 */
const PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or gone: the next interval tries again, and the connection's backstop is still there.
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
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

  constructor(path: string, intervalMs = CHECKPOINT_INTERVAL_MS) {
    this.worker = new Worker(PROGRAM, { eval: true, workerData: { driver, path, intervalMs } });
    // It must not keep a process alive, nor take it down: the backstop checkpoint remains.
    this.worker.unref();
    this.worker.on('error', () => {});
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
