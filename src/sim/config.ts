import { TCP_DEFAULTS, UDP_DEFAULTS } from '../core/config';
import type { HostConfig } from '../core/config';
import { HZ_DEFAULT } from '../core/time';
import type { HostSpec } from '../scenario/types';

/**
 * The full configuration of a host: the scenario's overrides on top of DragonFly's defaults
 * (dragonfly.md §G). Model and impl hosts of a run receive exactly this value, so a switch means
 * the same on both sides and the refinement check replays with the same config.
 */
export function hostConfigOf(spec: HostSpec): HostConfig {
  return {
    stack: spec.stack,
    ncpus: spec.ncpus,
    hz: HZ_DEFAULT,
    tcp: { ...TCP_DEFAULTS, ...spec.tcp },
    udp: { ...UDP_DEFAULTS, ...spec.udp },
  };
}
