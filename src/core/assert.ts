/**
 * Assertions are for bugs, never for expected errors (STYLE P6). A failed assertion inside the
 * simulator is a crash-class finding: it propagates to the property runner with the scenario
 * attached and is never caught and retried.
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function assertNever(value: never, what = 'value'): never {
  throw new AssertionError(`unexpected ${what}: ${JSON.stringify(value)}`);
}

export function unreachable(message: string): never {
  throw new AssertionError(`unreachable: ${message}`);
}
