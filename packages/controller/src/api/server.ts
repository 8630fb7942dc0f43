// The REST API under /api/v1 (fastify, a JSON schema on every route, the
// OpenAPI document at /api/v1/openapi.json) and /metrics for Prometheus. It
// shares the agent endpoint's HTTP server. Errors are coded JSON bodies:
// { code, message, statusCode }.
import { admitScenario, targetPolicy, type TargetPolicy } from '../plan/target-policy.ts';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { Registry, Gauge } from 'prom-client';
import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { BarrageError, SOFTWARE_VERSION } from '@barrage/proto';
import type { AgentSession } from '../cluster/agent-session.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { ControllerErrors } from '../errors.ts';
import { renderReport, reportCsp, storedSeries, type ReportFormat } from '../report/report.ts';
import type { RunManager } from '../runs/run-service.ts';
import { variablesIn } from '@barrage/core';
import { builtinScenarios, isTargetUrl, loadScenario, parseScenario, substitutedTexts, usesPaths, validateScenario } from '../scenario/load.ts';
import { resolveEnv } from '../plan/setup.ts';
import type { Scenario } from '../scenario/scenario.ts';
import type { RunStore } from '../store/run-store.ts';
import { percentileMs } from '../results/summary.ts';
import { auditRun, installGuard, type AuditEntry } from './guard.ts';
import { registerDashboard } from '../dashboard/dashboard-routes.ts';
import { eventsHandler, type EventStreamLimits } from './event-stream.ts';

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

const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } } as const;
const anyObject = { type: 'object', additionalProperties: true } as const;
const errorBody = {
  type: 'object', required: ['code', 'message', 'statusCode'],
  properties: { code: { type: 'string' }, message: { type: 'string' }, statusCode: { type: 'integer' } },
} as const;
const runBody = {
  type: 'object',
  properties: {
    id: { type: 'string' }, scenario: { type: 'string' }, status: { type: 'string' }, createdAt: { type: 'string' },
    endedAt: { type: ['string', 'null'] }, target: { type: ['string', 'null'] }, error: { type: ['string', 'null'] },
    requests: { type: ['integer', 'null'] }, url: { type: 'string' },
    live: { type: 'object', additionalProperties: true },
  },
} as const;
const PERCENTILES = [0, 50, 75, 90, 95, 99, 99.9, 99.99, 100];
/** The only environment variables a scenario submitted through the API may read. */
export const API_ENV_PREFIX = 'BARRAGE_TARGET_';

function agentView(s: AgentSession) {
  const st = s.status;
  return {
    id: s.id, name: s.name, host: s.remoteAddress, hostname: s.hello?.hostname ?? '', cpus: s.hello?.cpus ?? 0, weight: s.hello?.weight ?? 1, version: s.hello?.version ?? '',
    lastSeen: new Date(s.lastSeen).toISOString(),
    status: st === undefined ? null : { state: st.state, run: st.runId || null, inFlight: st.inFlight, activeVus: st.activeVus, rps: st.rps, cpuCores: st.cpuCores, eventLoopP99Ms: st.eventLoopP99Ms, at: new Date(st.at).toISOString() },
  };
}

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
    openapi: { info: { title: 'barrage controller API', version: SOFTWARE_VERSION }, components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } },
  });

  app.setErrorHandler((err: Error & { validation?: unknown; statusCode?: number }, _req, reply) => {
    if (err instanceof BarrageError) return reply.code(err.httpStatus).send({ code: err.code, message: err.message, statusCode: err.httpStatus });
    if (err.validation) return reply.code(400).send({ code: ControllerErrors.BAD_REQUEST.code, message: err.message, statusCode: 400 });
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) o.logger.error({ err: err.message }, 'API error');
    return reply.code(status).send({ code: status === 500 ? ControllerErrors.INTERNAL.code : ControllerErrors.BAD_REQUEST.code, message: status === 500 ? 'internal error' : err.message, statusCode: status });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ code: 'CTRL_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}`, statusCode: 404 }));

  const policy = o.policy ?? targetPolicy({});
  installGuard(app, {
    token: o.token, readsNeedToken: o.readsNeedToken, mutationsPerMinute: o.mutationsPerMinute ?? 60,
    audit: o.audit ?? ((entry) => o.logger.warn({ audit: entry }, 'audit')),
  });

  const urlOf = (req: FastifyRequest, id: string) => `${req.protocol}://${req.headers.host ?? 'localhost'}/api/v1/runs/${id}`;
  const storedRun = (id: string) => {
    const r = o.store.getRun(id);
    if (r === undefined) throw new ControllerErrors.RUN_NOT_FOUND(id);
    return r;
  };
  const summaryOf = (id: string) => {
    const r = storedRun(id);
    const s = o.store.getSummary(id);
    if (s === undefined) throw new ControllerErrors.RUN_NOT_FINISHED(id, r.status);
    return s;
  };

  app.get('/api/v1/health', { schema: { response: { 200: anyObject } } }, async () => ({
    status: 'ok', version: SOFTWARE_VERSION, agents: o.cluster.agents.size, run: o.manager.active?.id ?? null,
  }));

  app.get('/api/v1/agents', { schema: { response: { 200: { type: 'array', items: anyObject } } } }, async () => [...o.cluster.agents.values()].map(agentView));

  app.get('/api/v1/runs', {
    schema: { querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } }, response: { 200: { type: 'array', items: runBody } } },
  }, async (req) => o.store.listRuns((req.query as { limit: number }).limit).map((r) => ({ ...r, url: urlOf(req, r.id) })));

  app.post('/api/v1/runs', {
    schema: {
      body: {
        type: 'object', required: ['scenario'], additionalProperties: false,
        properties: {
          scenario: { description: 'a built-in name, a YAML/JSON text, or the scenario document itself', anyOf: [{ type: 'string', minLength: 1, maxLength: 1024 * 1024 }, { type: 'object' }] },
          target: { type: 'string', maxLength: 2048, description: 'replaces the scenario\'s baseUrl' },
          agents: { type: 'integer', minimum: 1, maximum: 10_000, description: 'use this many connected agents (default: all)' },
        },
      },
      response: { 202: runBody, '4xx': errorBody, '5xx': errorBody },
    },
  }, async (req: FastifyRequest, reply: FastifyReply) => {
    const body = req.body as { scenario: string | object; target?: string; agents?: number };
    let scenario: Scenario;
    if (typeof body.scenario === 'object') scenario = validateScenario(body.scenario);
    else if (/^[a-z0-9-]+$/.test(body.scenario)) {
      // Built-ins only: a name must never reach the controller's own files.
      if (!builtinScenarios().includes(body.scenario)) throw new ControllerErrors.SCENARIO_NOT_FOUND(`${body.scenario} (built-in: ${builtinScenarios().join(', ')})`);
      scenario = loadScenario(body.scenario);
    }
    else scenario = parseScenario(body.scenario, 'request body');
    if (body.target !== undefined && !isTargetUrl(body.target)) {
      throw new ControllerErrors.BAD_REQUEST(`target must be an http(s) URL without query or fragment, got ${body.target}`);
    }
    const baseUrl = body.target ?? scenario.baseUrl;
    // The same checks `controller start` makes before it begins, answered as 400s.
    if (baseUrl === undefined && usesPaths(scenario)) {
      throw new ControllerErrors.BAD_REQUEST('the scenario has requests with a path but no baseUrl: give target');
    }
    // A submitted scenario reads only the controller's BARRAGE_TARGET_* variables: whoever can
    // post a run must not be able to read the rest of its environment.
    const foreign = [...new Set(substitutedTexts(scenario.source).flatMap((t) => variablesIn(t)).filter((v) => v.startsWith('env:')).map((v) => v.slice(4).split(':-')[0]!))]
      .filter((n) => !n.startsWith(API_ENV_PREFIX));
    if (foreign.length > 0) throw new ControllerErrors.SCENARIO_INVALID(`a scenario submitted through the API may only read \${env:${API_ENV_PREFIX}*}; it reads ${foreign.join(', ')}`);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith(API_ENV_PREFIX)));
    resolveEnv(scenario, env);
    await admitScenario(scenario, baseUrl, policy);
    const connected = [...o.cluster.agents.values()];
    const want = body.agents ?? connected.length;
    if (connected.length < Math.max(1, want)) throw new ControllerErrors.NO_AGENTS(`${connected.length} agent(s) connected, ${Math.max(1, want)} wanted`);
    const active = o.manager.launch({ scenario, baseUrl, agents: connected.slice(0, want), env });
    active.done.catch(() => {}); // recorded in the store as an error
    auditRun(reply, active.id);
    return reply.code(202).send({ ...o.store.getRun(active.id)!, url: urlOf(req, active.id) });
  });

  app.get('/api/v1/runs/:id', { schema: { params: idParam, response: { 200: runBody, '4xx': errorBody } } }, async (req) => {
    const { id } = req.params as { id: string };
    const r = storedRun(id);
    const active = o.manager.active;
    const live = active?.id === id && active.run ? (() => {
      const t = active.run.aggregate.total;
      return { requests: t.requests, ok: t.ok, rateLimited: t.rateLimited, failed: t.failed, dropped: t.dropped, p95Ms: percentileMs(t.latency, 95) || 0, agents: active.run.participants.size };
    })() : undefined;
    return { ...r, url: urlOf(req, id), ...(live ? { live } : {}) };
  });

  app.post('/api/v1/runs/:id/stop', { schema: { params: idParam, response: { 202: anyObject, '4xx': errorBody } } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    storedRun(id);
    const active = o.manager.active;
    if (active?.id !== id) throw new ControllerErrors.RUN_NOT_RUNNING(id);
    active.stop('stopped through the API');
    return reply.code(202).send({ id, stopping: true });
  });

  app.get('/api/v1/runs/:id/summary', { schema: { params: idParam, response: { 200: anyObject, '4xx': errorBody } } }, async (req) => summaryOf((req.params as { id: string }).id));

  app.get('/api/v1/runs/:id/timeseries', { schema: { params: idParam, response: { 200: anyObject, '4xx': errorBody } } }, async (req) => {
    const { id } = req.params as { id: string };
    storedRun(id);
    const timing = o.store.getTiming(id)!;
    return {
      intervalMs: timing.intervalMs, plannedStartAt: timing.plannedStartAt === null ? null : new Date(timing.plannedStartAt).toISOString(),
      intervals: o.store.getIntervals(id), monitors: o.store.getMonitorSamples(id),
    };
  });

  // Server-Sent Events; no HEAD twin (it would hold a connection open for nothing).
  app.get('/api/v1/runs/:id/events', {
    exposeHeadRoute: false,
    schema: {
      params: idParam,
      response: {
        200: { description: 'Server-Sent Events: start, interval, monitor, thresholds, end (docs/api.md)', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        '4xx': errorBody, '5xx': errorBody,
      },
    },
  }, eventsHandler({ store: o.store, hub: o.manager.events, limits: o.eventLimits }));

  app.get('/api/v1/runs/:id/agents', { schema: { params: idParam, response: { 200: { type: 'array', items: anyObject }, '4xx': errorBody } } }, async (req) => summaryOf((req.params as { id: string }).id).run.agents);

  app.get('/api/v1/runs/:id/histogram', {
    schema: { params: idParam, querystring: { type: 'object', properties: { name: { type: 'string', maxLength: 200, default: '' } } }, response: { 200: anyObject, '4xx': errorBody } },
  }, async (req) => {
    const { id } = req.params as { id: string };
    const { name } = req.query as { name: string };
    const run = storedRun(id);
    const h = o.store.getHistogram(id, name);
    if (h === undefined && run.status === 'running') throw new ControllerErrors.RUN_NOT_FINISHED(id, run.status);
    if (h === undefined) throw new ControllerErrors.NOT_FOUND(`run ${id} has no histogram for ${name ? `request ${JSON.stringify(name)}` : 'all requests'}`);
    return {
      name: name || null, count: h.totalCount, unit: 'us',
      encoding: 'HdrHistogram V2 compressed, base64 (HistogramLogReader and hdr-histogram-js decode it)',
      histogram: h.totalCount > 0 ? encodeIntoCompressedBase64(h) : '',
      percentiles: h.totalCount > 0 ? PERCENTILES.map((p) => ({ percentile: p, ms: percentileMs(h, p === 0 ? 0.0001 : p) })) : [],
    };
  });

  const report = (format: ReportFormat, type: string) => async (req: FastifyRequest, reply: FastifyReply) => {
    const { id } = req.params as { id: string };
    const summary = summaryOf(id);
    let scenario: Scenario;
    try { scenario = validateScenario(o.store.getScenarioSource(id)); } catch (err) {
      throw new ControllerErrors.INTERNAL(`the stored scenario of run ${id} no longer validates (${(err as { code?: string }).code}); the summary is still at /summary`);
    }
    const run = o.store.getRun(id)!;
    const body = renderReport(format, { summary, scenario, target: run.target ?? undefined, monitorSamples: o.store.getMonitorSamples(id), series: storedSeries(o.store, id) });
    // Served from the API's origin: the page may run its own inline scripts and nothing else.
    if (format === 'html') reply.header('content-security-policy', reportCsp(body)).header('x-content-type-options', 'nosniff');
    return reply.type(type).send(body);
  };
  const reportSchema = { schema: { params: idParam, produces: ['text/plain'] } };
  app.get('/api/v1/runs/:id/report.md', reportSchema, report('md', 'text/markdown; charset=utf-8'));
  app.get('/api/v1/runs/:id/report.html', reportSchema, report('html', 'text/html; charset=utf-8'));
  app.get('/api/v1/runs/:id/report.json', reportSchema, report('json', 'application/json; charset=utf-8'));
  app.get('/api/v1/runs/:id/junit.xml', reportSchema, report('junit', 'application/xml; charset=utf-8'));

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerDashboard(app);

  // Prometheus: the controller and its current run, read when scraped.
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void) =>
    new Gauge({ name, help, labelNames, registers: [registry], collect() { this.reset(); collect(this); } });
  gauge('barrage_agents_connected', 'Agents connected to this controller.', [], (g) => g.set(o.cluster.agents.size));
  gauge('barrage_run_active', '1 while a run goes.', [], (g) => g.set(o.manager.active ? 1 : 0));
  gauge('barrage_run_requests', 'Requests of the current run so far, by outcome.', ['outcome'], (g) => {
    const t = o.manager.active?.run?.aggregate.total;
    g.set({ outcome: 'ok' }, t?.ok ?? 0); g.set({ outcome: 'rate_limited' }, t?.rateLimited ?? 0);
    g.set({ outcome: 'failed' }, t?.failed ?? 0); g.set({ outcome: 'dropped' }, t?.dropped ?? 0);
  });
  gauge('barrage_run_rate_limited', 'HTTP 429 answers of the current run so far.', [], (g) => g.set(o.manager.active?.run?.aggregate.total.rateLimited ?? 0));
  gauge('barrage_run_latency_seconds', 'Latency quantiles of the current run so far, merged across agents.', ['quantile'], (g) => {
    const h = o.manager.active?.run?.aggregate.total.latency;
    for (const q of [0.5, 0.95, 0.99]) g.set({ quantile: String(q) }, h && h.totalCount > 0 ? percentileMs(h, q * 100) / 1000 : 0);
  });
  gauge('barrage_runs_stored', 'Runs in the store.', [], (g) => g.set(o.store.countRuns()));
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));

  await app.ready();
  return app;
}
