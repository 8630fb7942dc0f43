// What barrage's logs (controller and agents) never print, whatever a log call
// passes in: tokens, authorization headers, passwords and run variables
// (secrets from ${env:...} and setup captures). pino prints [Redacted].
export const REDACT = [
  'token',
  '*.token',
  'apiToken',
  '*.apiToken',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'password',
  '*.password',
  'vars',
  '*.vars',
  'secret',
  '*.secret',
];
