// What a run recorded, one view per route: /summary (once it ended), its
// per-interval /timeseries and monitor samples, its live /events (event-stream.ts),
// its /agents and its merged latency /histogram (HdrHistogram, all requests or one).
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { ControllerErrors } from '../../errors.ts';
import { percentileMs } from '../../merge/request-figures.ts';
import type { RunEventHub } from '../../runs/run-events.ts';
import type { RunStore } from '../../store/run-store.ts';
import { type EventStreamLimits, eventsHandler } from '../event-stream.ts';
import { anyObject, errorBody, idParam } from '../schemas.ts';
import { finishedSummary, storedRun } from '../stored-run.ts';

export interface RunDataRoutesOptions {
  store: RunStore;
  events: RunEventHub;
  eventLimits?: Partial<EventStreamLimits>;
}

/** The percentiles /histogram answers with besides the histogram itself. */
const PERCENTILES = [0, 50, 75, 90, 95, 99, 99.9, 99.99, 100];

const histogramQuery = {
  type: 'object',
  properties: { name: { type: 'string', maxLength: 200, default: '' } },
} as const;

export const runDataRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: RunDataRoutesOptions }> = async (app, o) => {
  // Summaries are sent as shallow copies: the schema's type (any object) takes an object
  // literal's type but not an interface's, and the JSON is the same.
  app.get(
    '/runs/:id/summary',
    { schema: { params: idParam, response: { 200: anyObject, '4xx': errorBody } } },
    async (req) => ({ ...finishedSummary(o.store, req.params.id) }),
  );

  app.get(
    '/runs/:id/timeseries',
    { schema: { params: idParam, response: { 200: anyObject, '4xx': errorBody } } },
    async (req) => {
      const { id } = req.params;
      storedRun(o.store, id);
      const timing = o.store.getTiming(id)!;
      return {
        intervalMs: timing.intervalMs,
        plannedStartAt: timing.plannedStartAt === null ? null : new Date(timing.plannedStartAt).toISOString(),
        intervals: o.store.getIntervals(id),
        monitors: o.store.getMonitorSamples(id),
      };
    },
  );

  // Server-Sent Events; no HEAD twin (it would hold a connection open for nothing).
  app.get(
    '/runs/:id/events',
    {
      exposeHeadRoute: false,
      schema: {
        params: idParam,
        response: {
          200: {
            description: 'Server-Sent Events: start, interval, monitor, thresholds, end (docs/api.md)',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          '4xx': errorBody,
          '5xx': errorBody,
        },
      },
    },
    eventsHandler({ store: o.store, hub: o.events, limits: o.eventLimits }),
  );

  app.get(
    '/runs/:id/agents',
    { schema: { params: idParam, response: { 200: { type: 'array', items: anyObject }, '4xx': errorBody } } },
    async (req) => finishedSummary(o.store, req.params.id).run.agents.map((a) => ({ ...a })),
  );

  app.get(
    '/runs/:id/histogram',
    { schema: { params: idParam, querystring: histogramQuery, response: { 200: anyObject, '4xx': errorBody } } },
    async (req) => {
      const { id } = req.params;
      const { name } = req.query;
      const run = storedRun(o.store, id);
      const h = o.store.getHistogram(id, name);
      if (h === undefined && run.status === 'running') throw new ControllerErrors.RUN_NOT_FINISHED(id, run.status);
      if (h === undefined)
        throw new ControllerErrors.NOT_FOUND(
          `run ${id} has no histogram for ${name ? `request ${JSON.stringify(name)}` : 'all requests'}`,
        );
      return {
        name: name || null,
        count: h.totalCount,
        unit: 'us',
        encoding: 'HdrHistogram V2 compressed, base64 (HistogramLogReader and hdr-histogram-js decode it)',
        histogram: h.totalCount > 0 ? encodeIntoCompressedBase64(h) : '',
        percentiles:
          h.totalCount > 0
            ? PERCENTILES.map((p) => ({ percentile: p, ms: percentileMs(h, p === 0 ? 0.0001 : p) }))
            : [],
      };
    },
  );
};
