// Coded errors of the protocol package. Errors that cross the wire travel as
// ErrorReport{code, message}; users and tests match on `code`, never on text.
export class BarrageError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  constructor(code: string, message: string, httpStatus = 500, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BarrageError';
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

/** Declares a coded error constructor: `const E = createError('X', 'bad %s', 400); throw new E('y')`. */
export function createError(code: string, template: string, httpStatus = 500) {
  return class extends BarrageError {
    static readonly code = code;
    constructor(...args: Array<string | number>) {
      let i = 0;
      super(
        code,
        template.replace(/%s/g, () => String(args[i++] ?? '')),
        httpStatus,
      );
    }
  };
}

export const ProtoErrors = {
  FRAME_TOO_LARGE: createError('PROTO_FRAME_TOO_LARGE', 'frame of %s bytes exceeds the limit of %s', 413),
  FRAME_INVALID: createError('PROTO_FRAME_INVALID', 'frame is not a valid Envelope: %s', 400),
  FRAME_EMPTY: createError('PROTO_FRAME_EMPTY', 'Envelope carries no message', 400),
  VERSION_MISMATCH: createError(
    'PROTO_VERSION_MISMATCH',
    'protocol version %s is not supported (this side speaks %s)',
    400,
  ),
  HISTOGRAM_INVALID: createError('PROTO_HISTOGRAM_INVALID', 'histogram rejected: %s', 400),
} as const;

/**
 * Codes an agent sends (non-fatal ErrorReport) when part of its load stopped mid-run: a
 * worker thread died, or the agent was told to stop by its host. The controller marks the
 * run degraded and notes them.
 */
export const AGENT_WORKER_FAILED = 'AGENT_WORKER_FAILED';
export const AGENT_STOPPED = 'AGENT_STOPPED';
export const PARTIAL_LOAD_CODES: ReadonlySet<string> = new Set([AGENT_WORKER_FAILED, AGENT_STOPPED]);
