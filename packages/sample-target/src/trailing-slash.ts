// FastAPI's redirect_slashes: a path that only exists with a trailing slash
// (/api/sessions for /api/sessions/) answers 307 to it, method kept, so a
// client that does not follow redirects "passes" without reaching the route.
// Anything else unknown is Fastify's usual 404.
import type { FastifyInstance, HTTPMethods } from 'fastify';

export function registerTrailingSlashRedirect(app: FastifyInstance): void {
  app.setNotFoundHandler(async (req, reply) => {
    const q = req.url.indexOf('?');
    const path = q < 0 ? req.url : req.url.slice(0, q);
    const slashed = `${path}/`;
    if (!path.endsWith('/') && app.hasRoute({ method: req.method as HTTPMethods, url: slashed })) {
      // Relative, as the path alone: no Host header is trusted to build an absolute URL.
      return reply
        .code(307)
        .header('location', slashed + (q < 0 ? '' : req.url.slice(q)))
        .send();
    }
    return reply
      .code(404)
      .send({ message: `Route ${req.method}:${req.url} not found`, error: 'Not Found', statusCode: 404 });
  });
}
