// The runs: GET /api/v1/runs (newest first), POST /api/v1/runs (submit one;
// 202 with its URL), GET /api/v1/runs/:id (its record, with live totals while
// it goes here) and POST /api/v1/runs/:id/stop.
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { Cluster } from '../../cluster/cluster.ts';
import { ControllerErrors } from '../../errors.ts';
import { percentileMs } from '../../merge/request-figures.ts';
import { admitScenario, type TargetPolicy } from '../../plan/target-policy.ts';
import type { RunManager } from '../../runs/run-service.ts';
import { INLINE_DATA_BYTES } from '../../scenario/schema-data.ts';
import type { RunStore } from '../../store/run-store.ts';
import { auditRun } from '../guard.ts';
import { anyObject, errorBody, idParam, runBody } from '../schemas.ts';
import { runUrl, storedRun } from '../stored-run.ts';
import { submittedScenario } from '../submission.ts';

export interface RunRoutesOptions {
  cluster: Cluster;
  manager: RunManager;
  store: RunStore;
  policy: TargetPolicy;
}

const listQuery = {
  type: 'object',
  properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
} as const;

const submitBody = {
  type: 'object',
  required: ['scenario'],
  additionalProperties: false,
  properties: {
    scenario: {
      description: 'a built-in name, a YAML/JSON text, or the scenario document itself',
      anyOf: [{ type: 'string', minLength: 1, maxLength: 1024 * 1024 }, { type: 'object' }],
    },
    target: { type: 'string', maxLength: 2048, description: "replaces the scenario's baseUrl" },
    agents: {
      type: 'integer',
      minimum: 1,
      maximum: 10_000,
      description: 'use this many connected agents (default: all)',
    },
    env: {
      type: 'object',
      maxProperties: 100,
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 100 },
      additionalProperties: { type: 'string', maxLength: 65_536 },
      description: '${env:NAME} values for this run (secrets: never logged or stored), over the controller environment',
    },
  },
} as const;

export const runRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: RunRoutesOptions }> = async (app, o) => {
  app.get(
    '/runs',
    { schema: { querystring: listQuery, response: { 200: { type: 'array', items: runBody } } } },
    async (req) => o.store.listRuns(req.query.limit).map((r) => ({ ...r, url: runUrl(req, r.id) })),
  );

  app.post(
    '/runs',
    {
      // A scenario brings its data sources with it (the controller reads no file for it).
      bodyLimit: INLINE_DATA_BYTES,
      schema: { body: submitBody, response: { 202: runBody, '4xx': errorBody, '5xx': errorBody } },
    },
    async (req, reply) => {
      const { scenario, baseUrl, env } = submittedScenario(req.body);
      await admitScenario(scenario, baseUrl, o.policy);
      const connected = [...o.cluster.agents.values()];
      const want = req.body.agents ?? connected.length;
      if (connected.length < Math.max(1, want))
        throw new ControllerErrors.NO_AGENTS(`${connected.length} agent(s) connected, ${Math.max(1, want)} wanted`);
      const active = o.manager.launch({ scenario, baseUrl, agents: connected.slice(0, want), env });
      active.done.catch(() => {}); // recorded in the store as an error
      auditRun(reply, active.id);
      return reply.code(202).send({ ...o.store.getRun(active.id)!, url: runUrl(req, active.id) });
    },
  );

  app.get('/runs/:id', { schema: { params: idParam, response: { 200: runBody, '4xx': errorBody } } }, async (req) => {
    const { id } = req.params;
    const r = storedRun(o.store, id);
    const active = o.manager.active;
    const live =
      active?.id === id && active.run
        ? (() => {
            const t = active.run.aggregate.total;
            return {
              requests: t.requests,
              ok: t.ok,
              rateLimited: t.rateLimited,
              failed: t.failed,
              dropped: t.dropped,
              p95Ms: percentileMs(t.latency, 95) || 0,
              agents: active.run.participants.size,
            };
          })()
        : undefined;
    return { ...r, url: runUrl(req, id), ...(live ? { live } : {}) };
  });

  app.post(
    '/runs/:id/stop',
    { schema: { params: idParam, response: { 202: anyObject, '4xx': errorBody } } },
    async (req, reply) => {
      const { id } = req.params;
      storedRun(o.store, id);
      const active = o.manager.active;
      if (active?.id !== id) throw new ControllerErrors.RUN_NOT_RUNNING(id);
      active.stop('stopped through the API');
      return reply.code(202).send({ id, stopping: true });
    },
  );
};
