// The REST API under /api/v1 (fastify, a JSON schema on every route, the
// OpenAPI document at /api/v1/openapi.json), the dashboard, and /metrics for
// Prometheus. It shares the agent endpoint's HTTP server. Each route group is a
// plugin in routes/; the guard (guard.ts) and the coded error replies
// (error-replies.ts) apply to all of them.

import type { Server } from 'node:http';
import { SOFTWARE_VERSION } from '@barrage/proto';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Cluster } from '../cluster/cluster.ts';
import { dashboardRoutes } from '../dashboard/dashboard-routes.ts';
import { type TargetPolicy, targetPolicy } from '../plan/target-policy.ts';
import type { RunManager } from '../runs/run-service.ts';
import type { RunStore } from '../store/run-store.ts';
import { installErrorReplies } from './error-replies.ts';
import type { EventStreamLimits } from './event-stream.ts';
import { type AuditEntry, installGuard } from './guard.ts';
import { agentRoutes } from './routes/agents.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { reportRoutes } from './routes/reports.ts';
import { runDataRoutes } from './routes/run-data.ts';
import { runRoutes } from './routes/runs.ts';
import { installRunIdResolution } from './run-id-param.ts';

export interface ApiOptions {
  cluster: Cluster;
  manager: RunManager;
  store: RunStore;
  logger: Logger;
  /** The API token: every mutation needs it, and every read but health when `readsNeedToken`. */
  token: string;
  /** Off loopback: reads need the token too. */
  readsNeedToken: boolean;
  /** Mutations per minute per client address (default 60). */
  mutationsPerMinute?: number;
  /** One line per mutation: who, what, when (default: the logger at warn, so it is never filtered out). */
  audit?: (entry: AuditEntry) => void;
  /** Target allowlist and hard caps a submitted scenario must pass (default: any target but link-local and metadata, no caps). */
  policy?: TargetPolicy;
  /** Bounds of the event streams (default: event-stream.ts DEFAULT_LIMITS). */
  eventLimits?: Partial<EventStreamLimits>;
}

const PREFIX = '/api/v1';

/** Builds the API on the cluster's HTTP server (the agent upgrade stays the cluster's). */
export async function buildApi(o: ApiOptions): Promise<FastifyInstance> {
  let server!: Server;
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    serverFactory: (handler) => {
      o.cluster.setHttpHandler(handler);
      server = o.cluster.server;
      return server;
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'barrage controller API', version: SOFTWARE_VERSION },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  installErrorReplies(app, o.logger);
  installGuard(app, {
    token: o.token,
    readsNeedToken: o.readsNeedToken,
    mutationsPerMinute: o.mutationsPerMinute ?? 60,
    audit: o.audit ?? ((entry) => o.logger.warn({ audit: entry }, 'audit')),
  });
  installRunIdResolution(app, o.store);

  const { cluster, manager, store } = o;
  const policy = o.policy ?? targetPolicy({});
  // Awaited one by one: the OpenAPI document lists routes in the order they are declared.
  await app.register(healthRoutes, { prefix: PREFIX, cluster, manager });
  await app.register(agentRoutes, { prefix: PREFIX, cluster });
  await app.register(runRoutes, { prefix: PREFIX, cluster, manager, store, policy });
  await app.register(runDataRoutes, { prefix: PREFIX, store, events: manager.events, eventLimits: o.eventLimits });
  await app.register(reportRoutes, { prefix: PREFIX, store });
  app.get(`${PREFIX}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());
  await app.register(dashboardRoutes);
  await app.register(metricsRoutes, { cluster, manager, store });

  await app.ready();
  return app;
}
