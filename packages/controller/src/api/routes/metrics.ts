// GET /metrics for Prometheus: the controller and its current run, read when
// scraped (agents connected, the run's requests by outcome, 429s, latency
// quantiles merged across agents, runs stored). Hidden from the OpenAPI document.
import type { FastifyPluginAsync } from 'fastify';
import { Gauge, Registry } from 'prom-client';
import type { Cluster } from '../../cluster/cluster.ts';
import { percentileMs } from '../../merge/request-figures.ts';
import type { RunManager } from '../../runs/run-service.ts';
import type { RunStore } from '../../store/run-store.ts';

export interface MetricsRoutesOptions {
  cluster: Cluster;
  manager: RunManager;
  store: RunStore;
}

export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (app, o) => {
  // One registry per API: two controllers in one process (tests) must not share gauges.
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        collect(this);
      },
    });
  gauge('barrage_agents_connected', 'Agents connected to this controller.', [], (g) => g.set(o.cluster.agents.size));
  gauge('barrage_run_active', '1 while a run goes.', [], (g) => g.set(o.manager.active ? 1 : 0));
  gauge('barrage_run_requests', 'Requests of the current run so far, by outcome.', ['outcome'], (g) => {
    const t = o.manager.active?.run?.aggregate.total;
    g.set({ outcome: 'ok' }, t?.ok ?? 0);
    g.set({ outcome: 'rate_limited' }, t?.rateLimited ?? 0);
    g.set({ outcome: 'failed' }, t?.failed ?? 0);
    g.set({ outcome: 'dropped' }, t?.dropped ?? 0);
  });
  gauge('barrage_run_rate_limited', 'HTTP 429 answers of the current run so far.', [], (g) =>
    g.set(o.manager.active?.run?.aggregate.total.rateLimited ?? 0),
  );
  gauge(
    'barrage_run_latency_seconds',
    'Latency quantiles of the current run so far, merged across agents.',
    ['quantile'],
    (g) => {
      const h = o.manager.active?.run?.aggregate.total.latency;
      for (const q of [0.5, 0.95, 0.99])
        g.set({ quantile: String(q) }, h && h.totalCount > 0 ? percentileMs(h, q * 100) / 1000 : 0);
    },
  );
  gauge('barrage_runs_stored', 'Runs in the store.', [], (g) => g.set(o.store.countRuns()));
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
};
