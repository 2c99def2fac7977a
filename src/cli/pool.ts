import { Worker } from 'node:worker_threads';
import { assertNever } from '../core/assert';
import type { Counterexample } from '../../properties/types';
import type { Coverage } from './coverage';
import type { Job } from './plan';
import type { FromWorker, ToWorker, WorkerSetup } from './protocol';

/**
 * One fuzz worker thread seen from the main thread: `run(job)` resolves with the job's outcome.
 * Workers load the TypeScript sources through tsx, exactly as bin/mpcheck.js does, so `npx
 * mpcheck` needs no build step. (`execArgv: ['--import', 'tsx']` does not reach a worker's own
 * entry module on Node 20, hence the two-line bootstrap that registers tsx first.)
 */

export type JobOutcome =
  | { readonly kind: 'done'; readonly runs: number; readonly counterexample: Counterexample | null; readonly coverage: Coverage }
  | { readonly kind: 'error'; readonly message: string; readonly stack: string }
  /** The worker died or was terminated while running the job. */
  | { readonly kind: 'lost'; readonly reason: string };

const WORKER_URL = new URL('./worker.ts', import.meta.url).href;

function bootstrap(): string {
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL)}); })`;
}

export class FuzzWorker {
  private readonly worker: Worker;
  private pending: { job: number; resolve: (o: JobOutcome) => void } | null = null;
  private exited = false;
  private exitReason = 'the worker exited';
  readonly ready: Promise<boolean>;

  constructor(setup: WorkerSetup, private readonly onProgress: (job: number, runs: number) => void) {
    this.worker = new Worker(bootstrap(), { eval: true, workerData: setup });
    this.ready = new Promise<boolean>((resolve) => {
      this.worker.once('message', (m: FromWorker) => resolve(m.type === 'ready'));
      this.worker.once('exit', () => resolve(false));
    });
    this.worker.on('message', (m: FromWorker) => this.receive(m));
    this.worker.on('error', (e: Error) => {
      this.exitReason = `worker crashed: ${e.message}`;
    });
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (code !== 0 && this.exitReason === 'the worker exited') this.exitReason = `worker exited with code ${code}`;
      this.settle({ kind: 'lost', reason: this.exitReason });
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  run(job: Job, timeLimitMs: number | null): Promise<JobOutcome> {
    if (this.exited) return Promise.resolve({ kind: 'lost', reason: this.exitReason });
    return new Promise<JobOutcome>((resolve) => {
      this.pending = { job: job.index, resolve };
      const message: ToWorker = { type: 'job', job, timeLimitMs };
      this.worker.postMessage(message);
    });
  }

  /** Ask the worker to finish; it exits once its current job is done. */
  stop(): void {
    if (!this.exited) this.worker.postMessage({ type: 'stop' } satisfies ToWorker);
  }

  /** Stop now, abandoning the current job. */
  async terminate(reason: string): Promise<void> {
    this.exitReason = reason;
    await this.worker.terminate();
  }

  private receive(m: FromWorker): void {
    switch (m.type) {
      case 'ready':
        return;
      case 'progress':
        this.onProgress(m.job, m.runs);
        return;
      case 'done':
        this.settle({ kind: 'done', runs: m.runs, counterexample: m.counterexample, coverage: m.coverage });
        return;
      case 'error':
        this.settle({ kind: 'error', message: m.message, stack: m.stack });
        return;
      default:
        assertNever(m, 'message from a worker');
    }
  }

  private settle(outcome: JobOutcome): void {
    const p = this.pending;
    this.pending = null;
    p?.resolve(outcome);
  }
}
