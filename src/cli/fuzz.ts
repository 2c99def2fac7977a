import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { assertNever } from '../core/assert';
import type { PropertyDef } from '../../properties/types';
import { formatDuration, formatSeed } from './args';
import type { CpuRange, Shard, StrategyChoice } from './args';
import { mergeCoverage } from './coverage';
import { UsageError } from './errors';
import { saveFailure, signatureOf } from './failures';
import { removeStaleTemps, writeFileAtomic } from './files';
import { JOB_RUNS, planJobs } from './plan';
import type { Job } from './plan';
import { FuzzWorker } from './pool';
import type { JobOutcome } from './pool';
import { Progress } from './progress';
import { selectDefs } from './select';
import { renderSummary } from './summary-md';
import { newTally, resultLine, summaryTable, totals } from './tally';
import type { Tally } from './tally';

/**
 * `mpcheck fuzz` (ARCHITECTURE §9): the campaign's main thread. It plans jobs (plan.ts), hands
 * them to worker threads, and reports results strictly in job order through a reorder buffer, so
 * stdout depends only on the seed, the shard, the properties and the budget — not on the number
 * of workers or their timing. Progress and timings go to stderr.
 */

export interface FuzzOptions {
  readonly timeMs: number | null;
  readonly runs: number | null;
  readonly workers: number;
  readonly seed: number | null;
  readonly shard: Shard;
  readonly properties: readonly string[];
  readonly strategy: StrategyChoice;
  readonly cpus: CpuRange | null;
  readonly out: string;
  readonly checkDeterminism: boolean;
  readonly progressEveryMs: number;
}

export const DEFAULT_TIME_MS = 60_000;

/** The budget actually used: `fuzz` with neither --time nor --runs fuzzes for 60 s. */
function budgetOf(o: FuzzOptions): { timeMs: number | null; runs: number | null } {
  return o.timeMs === null && o.runs === null ? { timeMs: DEFAULT_TIME_MS, runs: null } : { timeMs: o.timeMs, runs: o.runs };
}

/** The command that runs the same jobs again (timing aside). */
function repeatCommand(o: FuzzOptions, seed: number, defs: readonly PropertyDef[]): string {
  const b = budgetOf(o);
  const parts = ['npx mpcheck fuzz', `--seed ${formatSeed(seed)}`];
  if (b.runs !== null) parts.push(`--runs ${b.runs}`);
  if (b.timeMs !== null) parts.push(`--time ${formatDuration(b.timeMs)}`);
  if (o.shard.count > 1) parts.push(`--shard ${o.shard.index}/${o.shard.count}`);
  if (o.properties.length > 0) parts.push(...defs.map((d) => `--property ${d.name}`));
  if (o.strategy !== 'mixed') parts.push(`--strategy ${o.strategy}`);
  if (o.cpus !== null) parts.push(`--cpus ${o.cpus.lo}-${o.cpus.hi}`);
  if (o.checkDeterminism) parts.push('--check-determinism');
  return parts.join(' ');
}

function constraintsText(o: FuzzOptions): string {
  const cpus = o.cpus === null ? 'CPUs as generated' : `CPUs ${o.cpus.lo}-${o.cpus.hi}`;
  const det = o.checkDeterminism ? ', determinism self-check on' : '';
  return `strategy ${o.strategy}, ${cpus}${det}`;
}

function budgetText(o: FuzzOptions): string {
  const b = budgetOf(o);
  const runs = b.runs === null ? null : `${b.runs} runs per property`;
  const time = b.timeMs === null ? null : formatDuration(b.timeMs);
  return [runs, time].filter((x) => x !== null).join(' or ');
}

export async function fuzzCommand(o: FuzzOptions): Promise<number> {
  const defs = selectDefs(o.properties);
  if (defs.length === 0) throw new UsageError('no properties are registered (properties/registry.ts)');
  // The one place a seed is chosen from the environment (STYLE P9): printed first, so any
  // campaign can be repeated.
  const seed = o.seed ?? randomInt(0, 2 ** 32);
  const campaign = new Campaign(o, defs, seed);
  return campaign.run();
}

class Campaign {
  private readonly tally: Tally;
  private readonly jobs: Generator<Job, void, undefined>;
  private readonly done = new Map<number, { job: Job; outcome: JobOutcome }>();
  private readonly inFlight = new Map<number, number>();
  private nextToReport = 0;
  private stopping = false;
  private workers: FuzzWorker[] = [];
  private readonly startMs = performance.now();
  private readonly deadline: number | null;
  private readonly progress: Progress;
  private readonly command: string;

  constructor(private readonly o: FuzzOptions, private readonly defs: readonly PropertyDef[], private readonly seed: number) {
    this.tally = newTally(defs);
    const b = budgetOf(o);
    this.deadline = b.timeMs === null ? null : this.startMs + b.timeMs;
    this.jobs = planJobs({ seed, shard: o.shard, properties: defs.map((d) => d.name), runsPerProperty: b.runs });
    this.command = repeatCommand(o, seed, defs);
    this.progress = new Progress(process.stderr, process.stderr.isTTY === true, o.progressEveryMs, () => ({
      elapsedMs: performance.now() - this.startMs,
      budgetMs: b.timeMs,
      runs: totals(this.tally).runs + [...this.inFlight.values()].reduce((a, n) => a + n, 0),
      failures: totals(this.tally).failures,
      workers: this.workers.filter((w) => w.alive).length,
      stopping: this.stopping,
    }));
  }

  private print(...lines: string[]): void {
    this.progress.around(() => process.stdout.write(`${lines.join('\n')}\n`));
  }

  async run(): Promise<number> {
    const shard = `${this.o.shard.index}/${this.o.shard.count}`;
    this.print(
      `mpcheck fuzz · seed ${formatSeed(this.seed)} · shard ${shard} · budget ${budgetText(this.o)} · ${constraintsText(this.o)}`,
      `properties: ${this.defs.map((d) => d.name).join(', ')}`,
      `repeat: ${this.command}`,
    );
    removeStaleTemps(this.o.out);
    const onSignal = (): void => this.interrupt();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      await this.startWorkers();
      this.progress.start();
      await Promise.all(this.workers.map((w) => this.workerLoop(w)));
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      this.progress.stop();
      await Promise.all(this.workers.map((w) => w.terminate('campaign over')));
    }
    return this.finish();
  }

  private async startWorkers(): Promise<void> {
    const setup = {
      properties: this.defs.map((d) => d.name),
      constraints: { cpus: this.o.cpus, strategy: this.o.strategy, checkDeterminism: this.o.checkDeterminism },
    };
    const b = budgetOf(this.o);
    const jobCount = b.runs === null ? Number.POSITIVE_INFINITY : this.defs.length * Math.ceil(b.runs / JOB_RUNS);
    const n = Math.max(1, Math.min(this.o.workers, jobCount));
    this.workers = Array.from({ length: n }, () => new FuzzWorker(setup, (job, runs) => this.inFlight.set(job, runs)));
    const ready = await Promise.all(this.workers.map((w) => w.ready));
    if (!ready.some((r) => r)) throw new Error('no fuzz worker started (see the errors above)');
  }

  private nextJob(): Job | null {
    if (this.stopping) return null;
    if (this.deadline !== null && performance.now() >= this.deadline) return null;
    const next = this.jobs.next();
    return next.done === true ? null : next.value;
  }

  private async workerLoop(w: FuzzWorker): Promise<void> {
    for (let job = this.nextJob(); job !== null && w.alive; job = this.nextJob()) {
      this.inFlight.set(job.index, 0);
      const limit = this.deadline === null ? null : Math.max(1, Math.round(this.deadline - performance.now()));
      const outcome = await w.run(job, limit);
      this.inFlight.delete(job.index);
      this.done.set(job.index, { job, outcome });
      this.flush(false);
    }
  }

  /** Report finished jobs in job order; at the end (`all`), report what finished despite gaps. */
  private flush(all: boolean): void {
    const indices = all ? [...this.done.keys()].sort((a, b) => a - b) : [];
    if (!all) while (this.done.has(this.nextToReport)) indices.push(this.nextToReport++);
    for (const i of indices) {
      const entry = this.done.get(i)!;
      this.done.delete(i);
      this.report(entry.job, entry.outcome);
    }
  }

  private report(job: Job, outcome: JobOutcome): void {
    const p = this.tally.properties.get(job.property)!;
    switch (outcome.kind) {
      case 'error':
      case 'lost': {
        const why = outcome.kind === 'error' ? outcome.message.split('\n')[0] : outcome.reason;
        if (outcome.kind === 'lost' && this.tally.interrupted) return; // abandoned on purpose
        this.tally.errors.push(`${job.property} job ${job.index} (seed ${job.seed}): ${why}`);
        this.print(`ERROR ${job.property} job ${job.index} (seed ${job.seed}): ${why}`);
        return;
      }
      case 'done':
        p.jobs++;
        p.runs += outcome.runs;
        mergeCoverage(this.tally.coverage, outcome.coverage);
        if (outcome.counterexample !== null) this.failure(job, outcome.counterexample);
        return;
      default:
        assertNever(outcome, 'job outcome');
    }
  }

  private failure(job: Job, cx: NonNullable<Extract<JobOutcome, { kind: 'done' }>['counterexample']>): void {
    const p = this.tally.properties.get(job.property)!;
    p.failures++;
    const def = this.defs.find((d) => d.name === job.property)!;
    const head = `FAIL ${job.property} [${cx.verdict.checker}.${cx.verdict.kind}] job ${job.index} seed ${job.seed}: ${cx.verdict.message}`;
    let known = p.signatures.get(signatureOf(cx.verdict));
    if (known !== undefined) {
      known.count++;
      this.print(head, `  same signature as before: ${known.dir}`);
      return;
    }
    try {
      const saved = saveFailure(this.o.out, def, cx);
      known = { signature: signatureOf(cx.verdict), message: cx.verdict.message, dir: saved.dir, count: 1, status: saved.status };
      p.signatures.set(known.signature, known);
      const where = saved.status === 'saved' ? `saved ${saved.dir}/` : `already saved by an earlier campaign: ${saved.dir}/`;
      this.print(head, `  ${where}`, `  replay: npx mpcheck replay ${join(saved.dir, 'scenario.json')}`);
      if (saved.warning !== null) this.print(`  warning: ${saved.warning}`);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.tally.errors.push(`${job.property}: could not save the counterexample: ${message}`);
      this.print(head, `  ERROR could not save the counterexample: ${message}`);
    }
  }

  /** First Ctrl-C: finish the running jobs, then summarize. Second: stop now. */
  private interrupt(): void {
    if (!this.stopping) {
      this.stopping = true;
      this.tally.interrupted = true;
      this.progress.around(() => process.stderr.write('interrupted: finishing the running jobs (Ctrl-C again to stop now)\n'));
      return;
    }
    this.progress.around(() => process.stderr.write('interrupted again: stopping now\n'));
    for (const w of this.workers) void w.terminate('stopped by a second interrupt');
  }

  private finish(): number {
    this.flush(true);
    const elapsedMs = performance.now() - this.startMs;
    const sum = totals(this.tally);
    const summaryName = this.o.shard.count === 1 ? 'summary.md' : `summary-${this.o.shard.index}-of-${this.o.shard.count}.md`;
    const summaryPath = join(this.o.out, summaryName);
    this.print('', 'summary', ...summaryTable(this.tally), resultLine(this.tally));
    try {
      writeFileAtomic(summaryPath, renderSummary(this.tally, {
        command: this.command,
        seed: formatSeed(this.seed),
        shard: `${this.o.shard.index}/${this.o.shard.count}`,
        budget: budgetText(this.o),
        constraints: constraintsText(this.o),
        startedAt: new Date(Date.now() - elapsedMs).toISOString(),
        elapsedMs,
        workers: this.workers.length,
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
        outDir: this.o.out,
      }));
      this.print(`summary file: ${summaryPath}`);
    } catch (e) {
      this.tally.errors.push(`could not write ${summaryPath}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const secs = elapsedMs / 1000;
    process.stderr.write(`time: ${secs.toFixed(1)} s · ${secs > 0 ? Math.round(sum.runs / secs) : 0} runs/s · ` +
      `${this.workers.length} worker${this.workers.length === 1 ? '' : 's'} · peak RSS ` +
      `${Math.round(process.resourceUsage().maxRSS / 1024)} MiB\n`);
    if (this.tally.errors.length > 0) return 3;
    return sum.failures > 0 ? 1 : 0;
  }
}
