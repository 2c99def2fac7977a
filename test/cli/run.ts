import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Helpers for the CLI tests: run `node bin/mpcheck.js …` exactly as a user would (a separate
 * process, real exit codes, real stdout and stderr), from the repository root.
 */

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function mpcheck(args: readonly string[], env: Record<string, string> = {}): Ran {
  const r = spawnSync(process.execPath, ['bin/mpcheck.js', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Start `mpcheck` in the background and send SIGINT `delayMs` after stdout shows `marker`. */
export function mpcheckInterrupted(args: readonly string[], marker: string, delayMs: number): Promise<Ran> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['bin/mpcheck.js', ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      if (!sent && stdout.includes(marker)) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), delayMs);
      }
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'mpcheck-cli-'));

export const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

export const hasTool = (tool: string): boolean => spawnSync(tool, ['--version']).error === undefined;
