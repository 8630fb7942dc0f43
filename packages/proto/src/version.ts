// Protocol and software versions. A Hello whose protocol_version differs from
// PROTOCOL_VERSION is refused with PROTO_VERSION_MISMATCH, never half-understood.
export const PROTOCOL_VERSION = 1;
export const SOFTWARE_VERSION = '0.1.0';
/** Largest frame either side accepts (ws maxPayload); a Report of 50 names fits easily. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;
/** WebSocket path agents connect to. */
export const AGENTS_PATH = '/agents';
