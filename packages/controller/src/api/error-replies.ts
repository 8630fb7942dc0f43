// How the API refuses: every error is a coded JSON body { code, message,
// statusCode }. Coded errors keep their code and status; schema violations are
// CTRL_BAD_REQUEST 400s; anything unexpected is a CTRL_INTERNAL 500 whose
// detail goes to the log, never to the client.

import { BarrageError } from '@barrage/proto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ControllerErrors } from '../errors.ts';

export function installErrorReplies(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((err: Error & { validation?: unknown; statusCode?: number }, _req, reply) => {
    if (err instanceof BarrageError)
      return reply.code(err.httpStatus).send({ code: err.code, message: err.message, statusCode: err.httpStatus });
    if (err.validation)
      return reply.code(400).send({ code: ControllerErrors.BAD_REQUEST.code, message: err.message, statusCode: 400 });
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) logger.error({ err: err.message }, 'API error');
    return reply.code(status).send({
      code: status === 500 ? ControllerErrors.INTERNAL.code : ControllerErrors.BAD_REQUEST.code,
      message: status === 500 ? 'internal error' : err.message,
      statusCode: status,
    });
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send({ code: 'CTRL_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}`, statusCode: 404 }),
  );
}
