// Coded errors of the agent package (AGENT_*). Users match on `code`.
import { AGENT_STOPPED, AGENT_WORKER_FAILED, createError } from '@barrage/proto';

export const AgentErrors = {
  UNAUTHORIZED: createError('AGENT_UNAUTHORIZED', 'controller refused the token (HTTP %s)', 401),
  REFUSED: createError('AGENT_REFUSED', 'controller refused this agent: %s: %s', 400),
  BAD_ARGUMENT: createError('AGENT_BAD_ARGUMENT', '%s', 400),
  BAD_ASSIGN: createError('AGENT_BAD_ASSIGN', 'assignment rejected: %s', 400),
  BUSY: createError('AGENT_BUSY', 'already running %s', 409),
  CONTROLLER_GONE: createError('AGENT_CONTROLLER_GONE', 'controller unreachable: %s', 503),
  TLS_UNVERIFIED: createError('AGENT_TLS_UNVERIFIED', "the controller's certificate is not trusted: %s (%s)", 502),
  TARGET_NOT_ALLOWED: createError('AGENT_TARGET_NOT_ALLOWED', 'target not allowed: %s', 403),
  BODY_FILE: createError('AGENT_BODY_FILE', 'body file %s: %s', 409),
  STOPPED: createError(AGENT_STOPPED, 'agent stopped by %s before the run ended: it fired nothing after that', 503),
  WORKER_FAILED: createError(
    AGENT_WORKER_FAILED,
    'worker thread %s died (%s): its reports so far are kept, its part of the load stopped',
    500,
  ),
} as const;
