/**
 * The CLI's exit codes (ARCHITECTURE §9) and the error that means "the user asked for something
 * we cannot do": printed as one line, exit 2, never with a stack trace.
 */

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

/** Bad usage or a bad input file: one line, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** One line of an error message: the first line, trimmed, never a stack. */
export const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();
