import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Crash-safe output for `fuzz` (issue 6: "resume after a kill without losing or corrupting a
 * saved counterexample"). A counterexample directory is written whole under a temporary name and
 * renamed into place: rename(2) of a directory is atomic, and it fails rather than replace a
 * directory that already has files, so a saved counterexample is never half-written and never
 * clobbered — not by this process, a later one, or another shard writing to the same place.
 */

let tempCounter = 0;

const tempName = (final: string): string =>
  join(dirname(final), `.${basename(final)}.${process.pid}.${tempCounter++}.tmp`);

/** Write one file atomically (temp file, then rename over the old one). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = tempName(path);
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}

export type DirWrite = 'saved' | 'exists';

/**
 * Create directory `final` holding `files` (name → content), atomically. 'exists' when a
 * non-empty directory is already there: it is left untouched.
 */
export function writeDirAtomic(final: string, files: Readonly<Record<string, string | Uint8Array>>): DirWrite {
  mkdirSync(dirname(final), { recursive: true });
  const temp = tempName(final);
  mkdirSync(temp);
  try {
    for (const [name, data] of Object.entries(files)) writeFileSync(join(temp, name), data);
    renameSync(temp, final);
    return 'saved';
  } catch (e) {
    rmSync(temp, { recursive: true, force: true });
    const code = (e as { code?: string }).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return 'exists';
    throw e;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

const TEMP_PATTERN = /^\..+\.(\d+)\.\d+\.tmp$/;

/**
 * Remove temporaries left by a killed campaign (their writer's pid is gone) in `dir` and one
 * level below (`DIR/<property>/`). Saved counterexamples are never touched.
 */
export function removeStaleTemps(dir: string, depth = 1): number {
  let removed = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of entries) {
    const m = TEMP_PATTERN.exec(name);
    if (m !== null && Number(m[1]) !== process.pid && !processAlive(Number(m[1]))) {
      rmSync(join(dir, name), { recursive: true, force: true });
      removed++;
    } else if (m === null && depth > 0 && !name.startsWith('.')) {
      removed += removeStaleTemps(join(dir, name), depth - 1);
    }
  }
  return removed;
}
