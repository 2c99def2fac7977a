import { formatDuration } from './args';

/**
 * `fuzz`'s progress, on stderr: a line redrawn in place on a terminal, plain periodic lines when
 * piped (CI logs). Progress carries timings, so it never goes to stdout: stdout holds only what
 * the same seed and budget reproduce, and two campaigns can be compared with `diff`.
 */

export interface ProgressState {
  readonly elapsedMs: number;
  readonly budgetMs: number | null;
  readonly runs: number;
  readonly failures: number;
  readonly workers: number;
  readonly stopping: boolean;
}

const TTY_EVERY_MS = 250;
export const PLAIN_EVERY_MS = 10_000;

export function progressLine(s: ProgressState): string {
  const secs = s.elapsedMs / 1000;
  const rate = secs > 0 ? Math.round(s.runs / secs) : 0;
  const clock = s.budgetMs === null ? `${secs.toFixed(0)}s` : `${secs.toFixed(0)}s/${formatDuration(s.budgetMs)}`;
  const stopping = s.stopping ? ' · stopping (Ctrl-C again to stop now)' : '';
  return `fuzz ${clock} · ${s.runs} runs · ${rate} runs/s · ${s.failures} failure${s.failures === 1 ? '' : 's'} · ` +
    `${s.workers} worker${s.workers === 1 ? '' : 's'}${stopping}`;
}

export class Progress {
  private timer: ReturnType<typeof setInterval> | null = null;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly tty: boolean,
    private readonly everyMs: number,
    private readonly read: () => ProgressState,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.tty ? TTY_EVERY_MS : this.everyMs);
    this.timer.unref();
  }

  /** Write to stdout (or anywhere) without tearing the redrawn progress line. */
  around(write: () => void): void {
    this.clear();
    write();
    if (this.timer !== null && this.tty) this.draw();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.clear();
  }

  private tick(): void {
    if (this.tty) this.draw();
    else this.stream.write(`${progressLine(this.read())}\n`);
  }

  private draw(): void {
    const columns = this.stream.columns ?? 0;
    const width = columns > 20 ? columns - 1 : 100;
    this.stream.write(`\r\x1b[2K${progressLine(this.read()).slice(0, width)}`);
    this.drawn = true;
  }

  private clear(): void {
    if (!this.drawn) return;
    this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}
