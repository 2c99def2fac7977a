import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import {
  collect,
  intParser,
  parseCpus,
  parseDuration,
  parseSeed,
  parseShard,
  STRATEGIES,
} from './args';
import type { CpuRange, Shard, StrategyChoice } from './args';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, oneLine, UsageError } from './errors';
import { PLAIN_EVERY_MS } from './progress';

/**
 * The `mpcheck` command (ARCHITECTURE §9), started by bin/mpcheck.js. Exit codes: 0 every
 * property held, 1 a property failed, 2 bad usage or a bad input file (one line on stderr, never
 * a stack trace), 3 an internal error. `main` returns the code rather than exiting, so output is
 * flushed and worker threads are shut down before the process ends.
 *
 * Commands load their modules (and with them the stacks and properties) only when they run, so
 * `--help` and usage errors answer at once.
 */

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const print = (...lines: string[]): void => {
  process.stdout.write(`${lines.join('\n')}\n`);
};

interface FuzzFlags {
  time?: number;
  runs?: number;
  workers: number;
  seed?: number;
  shard?: Shard;
  property: string[];
  strategy: StrategyChoice;
  cpus?: CpuRange;
  out: string;
  checkDeterminism?: boolean;
  progressEvery: number;
}

function addFuzz(program: Command, setExit: (code: number) => void): void {
  program
    .command('fuzz')
    .description('fuzz the properties; failures are shrunk and saved under --out')
    .option('--time <duration>', 'stop starting jobs after this long: 90s, 15m, 8h (default 60s without --runs)', parseDuration)
    .option('--runs <n>', 'runs per property', intParser(1, 1_000_000_000))
    .addOption(new Option('--workers <n>', 'worker threads').argParser(intParser(1, 1024)).default(availableParallelism(), 'one per core'))
    .option('--seed <seed>', 'master seed, decimal or 0x-hex (default: random, printed first)', parseSeed)
    .option('--shard <i/n>', 'run shard i of n: disjoint seeds for n machines', parseShard)
    .addOption(new Option('--property <name>', 'a property name or glob such as udp.* (repeatable)').argParser(collect).default([], 'all'))
    .addOption(new Option('--strategy <kind>', 'scheduler strategy after the generated prefix').choices(STRATEGIES).default('mixed'))
    .option('--cpus <range>', 'CPU count or range per host, e.g. 4 or 2-8', parseCpus)
    .option('--out <dir>', 'where counterexamples and summary.md go', 'mpcheck-out')
    .option('--check-determinism', 'run every scenario twice and compare trace hashes')
    .addOption(new Option('--progress-every <duration>').hideHelp().argParser(parseDuration).default(PLAIN_EVERY_MS))
    .action(async (flags: FuzzFlags) => {
      const { fuzzCommand } = await import('./fuzz');
      setExit(await fuzzCommand({
        timeMs: flags.time ?? null,
        runs: flags.runs ?? null,
        workers: flags.workers,
        seed: flags.seed ?? null,
        shard: flags.shard ?? { index: 1, count: 1 },
        properties: flags.property,
        strategy: flags.strategy,
        cpus: flags.cpus ?? null,
        out: flags.out,
        checkDeterminism: flags.checkDeterminism === true,
        progressEveryMs: flags.progressEvery,
      }));
    });
}

function addReplay(program: Command, setExit: (code: number) => void): void {
  program
    .command('replay')
    .description('re-run a counterexample or scenario file exactly and print the verdict')
    .argument('<file>', 'a counterexample (scenario.json from fuzz) or a bare scenario file')
    .option('--trace', 'print the trace, one fixed-column line per event')
    .option('--report <out.md>', 'write a markdown report')
    .option('--pcap <out.pcap>', 'write the frames as a pcap capture')
    .addOption(new Option('--property <name>', 'check these properties (repeatable)').argParser(collect).default([], "the file's, or all"))
    .action(async (file: string, flags: { trace?: boolean; report?: string; pcap?: string; property: string[] }) => {
      const { replayCommand } = await import('./replay');
      setExit(replayCommand({
        file,
        properties: flags.property,
        trace: flags.trace === true,
        report: flags.report ?? null,
        pcap: flags.pcap ?? null,
      }, print));
    });
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('mpcheck')
    .description('property-based verification of a DragonFly-style multiprocessor TCP/UDP stack')
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`mpcheck: ${oneLine(s.replace(/^error: /, ''))}\n`),
    });
  addFuzz(program, setExit);
  addReplay(program, setExit);
  program
    .command('list')
    .description('list the properties')
    .action(async () => {
      const { listLines } = await import('./list');
      print(...listLines());
    });
  program
    .command('bench')
    .description('measure throughput (see README "Performance")')
    .option('--json', 'print the figures as JSON')
    .action(async (flags: { json?: boolean }) => {
      const bench = await import('../../bench/main');
      setExit(await bench.runBench({ json: flags.json === true }));
    });
  return program;
}

function internalError(e: unknown): number {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`mpcheck: internal error: ${oneLine(message)}\n`);
  if (process.env['MPCHECK_DEBUG'] !== undefined && e instanceof Error) process.stderr.write(`${e.stack ?? ''}\n`);
  else process.stderr.write('mpcheck: (set MPCHECK_DEBUG=1 to see the stack)\n');
  return EXIT_INTERNAL;
}

/** Run `mpcheck` with these arguments (without node and the script); returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (e) {
    // Commander has already printed its one-line message (outputError above).
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    if (e instanceof UsageError) {
      process.stderr.write(`mpcheck: ${oneLine(e.message)}\n`);
      return EXIT_USAGE;
    }
    return internalError(e);
  }
}
