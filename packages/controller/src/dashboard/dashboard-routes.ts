// The dashboard's pages and assets, served by the controller itself (the
// machines may be offline: no CDN). The pages are shells holding no data: the
// browser reads runs through the API, under the API's own rules, so they are
// served without a token. The asset files are static-assets.ts.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { dashboardAssets } from './static-assets.ts';

/** Run ids are UUIDs, or a prefix of one (4+ characters, resolved by the API); anything else is not a run page. */
const RUN_ID = /^[0-9a-f][0-9a-f-]{3,35}$/;

/** Paths that serve no data and need no token: the pages and their assets. */
export function isDashboardPath(path: string): boolean {
  if (path === '/' || path.startsWith('/assets/')) return true;
  const m = /^\/runs\/([^/]+)$/.exec(path);
  return m !== null && RUN_ID.test(m[1]!);
}

function page(attrs: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>barrage</title>
<link rel="stylesheet" href="/assets/uplot.css"><link rel="stylesheet" href="/assets/dashboard.css">
</head><body ${attrs}><main id="app"></main>
<script src="/assets/uplot.js"></script><script src="/assets/units.js"></script><script src="/assets/charts.js"></script><script src="/assets/dashboard.js"></script>
</body></html>
`;
}

// Scripts only from here; uPlot sizes its canvases with inline styles.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The pages and assets, hidden from the OpenAPI document. */
export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  const assets = dashboardAssets();
  const html = (reply: FastifyReply, body: string) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .send(body);
  const hide = { schema: { hide: true } };
  app.get('/', hide, async (_req, reply) => html(reply, page('data-page="runs"')));
  app.get<{ Params: { id: string } }>('/runs/:id', hide, async (req, reply) => {
    const { id } = req.params;
    if (!RUN_ID.test(id)) return reply.code(404).type('text/plain').send('not a run id');
    return html(reply, page(`data-page="run" data-run="${id}"`));
  });
  for (const [url, a] of Object.entries(assets)) {
    app.get(url, hide, async (_req, reply) =>
      reply.type(a.type).header('x-content-type-options', 'nosniff').header('cache-control', 'no-cache').send(a.body),
    );
  }
};
