import { expect, test } from 'vitest';
import { tcpBench } from '../../../bench/tcp';

/** The TCP bench runs end to end on a small transfer (its figures are never asserted). */
test('tcpBench: impl and model transfers complete, with TSO on and off', () => {
  const figures = tcpBench({ bytes: 1 << 20, modelBytes: 256 << 10, warmupBytes: 64 << 10 });
  expect(figures.map((f) => f.name)).toEqual([
    'impl↔impl segments, TSO on', 'model↔model segments, TSO on', 'impl_model_ratio, TSO on',
    'impl↔impl segments, TSO off', 'model↔model segments, TSO off', 'impl_model_ratio, TSO off',
  ]);
  for (const f of figures) expect(f.value).toBeGreaterThan(0);
});
