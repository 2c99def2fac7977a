import type { Instant } from '../core/time';
import type { TraceBody, TraceEvent, TraceSink } from '../core/trace';

/**
 * The one global, ordered event log of a run (ARCHITECTURE §6). Hosts and the world emit bodies;
 * the recorder stamps each with the next sequence number and the current virtual time, so `seq`
 * is 0, 1, 2 … in emission order and `t` never decreases.
 */
export class TraceRecorder implements TraceSink {
  readonly events: TraceEvent[] = [];

  constructor(
    /** False in bench mode: hosts skip building access/object events (TraceSink contract). */
    readonly checkMode: boolean,
    private readonly clock: () => Instant,
  ) {}

  emit(body: TraceBody): void {
    const event: TraceEvent = { ...body, seq: this.events.length, t: this.clock() };
    this.events.push(event);
  }
}
