/**
 * Branded identifiers (STYLE P5). Each is a plain number at run time; the brand stops a CPU index
 * from being passed where a host index is expected.
 */
export type HostId = number & { readonly __brand: 'HostId' };
export type CpuId = number & { readonly __brand: 'CpuId' };
/** A thread within a host, unique over the host's lifetime. */
export type ThreadId = number & { readonly __brand: 'ThreadId' };
/** One transmission of a frame by a host (the NIC's output, after any TSO split). */
export type FrameId = number & { readonly __brand: 'FrameId' };
/** One arrival of a frame at a host; a duplicated frame arrives twice with two DeliveryIds. */
export type DeliveryId = number & { readonly __brand: 'DeliveryId' };
/** One application call; unique within a run. */
export type CallId = number & { readonly __brand: 'CallId' };
/** A file descriptor as the application sees it; allocated by the host, 3, 4, 5 … */
export type Fd = number & { readonly __brand: 'Fd' };

export const hostId = (n: number): HostId => n as HostId;
export const cpuId = (n: number): CpuId => n as CpuId;
export const threadId = (n: number): ThreadId => n as ThreadId;
export const frameId = (n: number): FrameId => n as FrameId;
export const deliveryId = (n: number): DeliveryId => n as DeliveryId;
export const callId = (n: number): CallId => n as CallId;
export const fd = (n: number): Fd => n as Fd;

/** The first descriptor a host hands out; 0–2 are the standard streams in a real process. */
export const FD_FIRST: Fd = fd(3);
