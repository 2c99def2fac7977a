/**
 * `lwkt_msg` flags (dragonfly.md D.4, `sys/sys/msgport.h`). Kept in their own module so the
 * thread and port modules can share them without an import cycle.
 */
export const MSGF_DONE = 0x1;
export const MSGF_REPLY = 0x2;
export const MSGF_QUEUED = 0x4;
export const MSGF_SYNC = 0x8;
export const MSGF_DROPABLE = 0x40;
export const MSGF_PRIORITY = 0x100;
export const MSGF_RECEIPT = 0x200;
/** MSGF_USER0 as the network code uses it: do not chase `so_port` (redispatched datagrams). */
export const MSGF_IGNSOPORT = 0x10000;
