import { assert } from './assert';

/**
 * Virtual time. The simulator's clock counts integer microseconds; TCP timers count ticks of
 * `hz` per second as DragonFly does (dragonfly.md §0: hz = 100, one tick = 10 ms).
 */
export type Instant = number & { readonly __brand: 'Instant' };
export type Duration = number & { readonly __brand: 'Duration' };
export type Ticks = number & { readonly __brand: 'Ticks' };

export const instant = (us: number): Instant => {
  assert(Number.isSafeInteger(us) && us >= 0, `instant: ${us} is not a non-negative integer`);
  return us as Instant;
};
export const duration = (us: number): Duration => {
  assert(Number.isSafeInteger(us) && us >= 0, `duration: ${us} is not a non-negative integer`);
  return us as Duration;
};
export const ticks = (n: number): Ticks => n as Ticks;

export const EPOCH: Instant = instant(0);
export const US_PER_MS = 1000;
export const US_PER_S = 1_000_000;
/** dragonfly.md §0: HZ_DEFAULT = 100. */
export const HZ_DEFAULT = 100;

export const ms = (n: number): Duration => duration(Math.round(n * US_PER_MS));
export const seconds = (n: number): Duration => duration(Math.round(n * US_PER_S));
export const addDuration = (t: Instant, d: Duration): Instant => (t + d) as Instant;
export const since = (later: Instant, earlier: Instant): Duration => {
  assert(later >= earlier, `since: ${later} < ${earlier}`);
  return (later - earlier) as Duration;
};

/** The tick counter `ticks` of a host at virtual time `t` (whole ticks elapsed since boot). */
export const ticksAt = (t: Instant, hz: number): Ticks => Math.floor((t * hz) / US_PER_S) as Ticks;
/** The first instant at which the tick counter reads `n`. */
export const instantOfTick = (n: Ticks, hz: number): Instant => Math.ceil((n * US_PER_S) / hz) as Instant;

export const formatInstant = (t: Instant): string => {
  const s = Math.floor(t / US_PER_S);
  const us = t % US_PER_S;
  return `${s}.${String(us).padStart(6, '0')}`;
};
