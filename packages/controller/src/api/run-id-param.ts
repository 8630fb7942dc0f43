// Every API path with a run id (/api/v1/runs/:id…) takes the full id or a
// unique prefix of it: one hook turns the prefix into the full id before any
// handler reads it, so no route resolves ids itself. (The dashboard's run page
// passes what it was given to these paths, so a prefix works there too.)
import type { FastifyInstance } from 'fastify';
import { resolveRunId } from '../store/run-id.ts';
import type { RunStore } from '../store/run-store.ts';

export function installRunIdResolution(app: FastifyInstance, store: RunStore): void {
  app.addHook('preHandler', async (req) => {
    const params = req.params as { id?: unknown } | undefined;
    if (typeof params?.id === 'string' && req.routeOptions.url?.startsWith('/api/v1/'))
      params.id = resolveRunId(store, params.id);
  });
}
