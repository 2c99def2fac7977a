import type { Counterexample } from '../../properties/types';
import type { Constraints } from './constrain';
import type { Coverage } from './coverage';
import type { Job } from './plan';

/**
 * Messages between `fuzz`'s main thread (fuzz.ts) and its worker threads (worker.ts). Everything
 * is plain data (structured clone): a counterexample carries its scenario and verdict, and the
 * main thread re-runs the scenario to render the report.
 */

/** Given to each worker at start. */
export interface WorkerSetup {
  readonly properties: readonly string[];
  readonly constraints: Constraints;
}

export type ToWorker =
  | { readonly type: 'job'; readonly job: Job; readonly timeLimitMs: number | null }
  | { readonly type: 'stop' };

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'progress'; readonly job: number; readonly runs: number }
  | {
      readonly type: 'done';
      readonly job: number;
      readonly runs: number;
      readonly counterexample: Counterexample | null;
      readonly coverage: Coverage;
    }
  | { readonly type: 'error'; readonly job: number; readonly message: string; readonly stack: string };
