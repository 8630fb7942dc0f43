// GET /api/v1/health: liveness for load balancers and orchestrators (the guard
// lets it through without a token): the version, agents connected, the run going.

import { SOFTWARE_VERSION } from '@barrage/proto';
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { Cluster } from '../../cluster/cluster.ts';
import type { RunManager } from '../../runs/run-service.ts';
import { anyObject } from '../schemas.ts';

export interface HealthRoutesOptions {
  cluster: Cluster;
  manager: RunManager;
}

export const healthRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: HealthRoutesOptions }> = async (app, o) => {
  app.get('/health', { schema: { response: { 200: anyObject } } }, async () => ({
    status: 'ok',
    version: SOFTWARE_VERSION,
    agents: o.cluster.agents.size,
    run: o.manager.active?.id ?? null,
  }));
};
