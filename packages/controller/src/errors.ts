// Coded errors of the controller package (CTRL_* and SCENARIO_*). Every code
// is listed in docs/errors.md; a test keeps the two in step.
import { createError } from '@barrage/proto';

export const ControllerErrors = {
  SCENARIO_NOT_FOUND: createError('SCENARIO_NOT_FOUND', 'no built-in scenario or file named %s', 400),
  SCENARIO_PARSE: createError('SCENARIO_PARSE', 'cannot parse %s: %s', 400),
  SCENARIO_INVALID: createError('SCENARIO_INVALID', 'scenario is invalid:\n%s', 400),
  THRESHOLD_INVALID: createError('CTRL_THRESHOLD_INVALID', 'threshold %s is invalid: %s', 400),
  SCENARIO_ENV_MISSING: createError(
    'SCENARIO_ENV_MISSING',
    'the scenario needs environment variable(s) that are not set: %s',
    400,
  ),
  SETUP_FAILED: createError('CTRL_SETUP_FAILED', 'setup step %s failed: %s', 502),
  MONITOR_PREFLIGHT: createError(
    'CTRL_MONITOR_PREFLIGHT',
    'a monitor failed its first poll, so no load was sent (fix it, or mark it optional: true to run without it):\n%s',
    502,
  ),
  NO_AGENTS: createError('CTRL_NO_AGENTS', '%s', 503),
  AGENT_REJECTED_PLAN: createError('CTRL_AGENT_REJECTED_PLAN', 'agent %s rejected its assignment: %s', 500),
  BAD_ARGUMENT: createError('CTRL_BAD_ARGUMENT', '%s', 400),
  HELLO_INVALID: createError('CTRL_HELLO_INVALID', 'Hello rejected: %s', 400),
  REPORT_INVALID: createError('CTRL_REPORT_INVALID', 'report rejected: %s', 400),
  READY_INVALID: createError('CTRL_READY_INVALID', 'agent %s sent an invalid Ready: %s', 400),
  AGENTS_NOT_READY: createError('CTRL_AGENTS_NOT_READY', '%s', 504),
  UNAUTHORIZED: createError('CTRL_UNAUTHORIZED', 'missing or wrong token', 401),
  TARGET_NOT_ALLOWED: createError('CTRL_TARGET_NOT_ALLOWED', 'target not allowed: %s', 403),
  OVER_LIMIT: createError('CTRL_OVER_LIMIT', "the scenario asks for %s, over this controller's limit (%s)", 403),
  API_RATE_LIMITED: createError(
    'CTRL_API_RATE_LIMITED',
    'too many changes: at most %s per minute from one address',
    429,
  ),
  BUSY: createError('CTRL_BUSY', 'run %s is still going: one run at a time', 409),
  RUN_NOT_FOUND: createError('CTRL_RUN_NOT_FOUND', 'no run %s', 404),
  RUN_ID_AMBIGUOUS: createError(
    'CTRL_RUN_ID_AMBIGUOUS',
    'run id %s matches several runs: %s (give more characters)',
    400,
  ),
  RUN_ID_TOO_SHORT: createError(
    'CTRL_RUN_ID_TOO_SHORT',
    'run id %s is too short: give the full id or at least %s of its first characters',
    400,
  ),
  RUN_NOT_FINISHED: createError('CTRL_RUN_NOT_FINISHED', 'run %s has no summary yet (status %s)', 409),
  RUN_NOT_RUNNING: createError('CTRL_RUN_NOT_RUNNING', 'run %s is not going', 409),
  TOO_MANY_STREAMS: createError(
    'CTRL_TOO_MANY_STREAMS',
    '%s event streams are open, the most this controller serves at once',
    503,
  ),
  NOT_FOUND: createError('CTRL_NOT_FOUND', '%s', 404),
  CONTROLLER_UNREACHABLE: createError('CTRL_CONTROLLER_UNREACHABLE', 'no barrage controller answers at %s: %s', 502),
  TLS_INVALID: createError('CTRL_TLS_INVALID', '%s', 400),
  TLS_UNVERIFIED: createError('CTRL_TLS_UNVERIFIED', 'the certificate of %s is not trusted: %s (%s)', 502),
  BAD_REQUEST: createError('CTRL_BAD_REQUEST', '%s', 400),
  INTERNAL: createError('CTRL_INTERNAL', 'internal error: %s', 500),
} as const;
