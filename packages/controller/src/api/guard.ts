// Who may use the REST API, how often they may change things, and the record
// of what they changed. A load controller is a cannon: every mutation needs the
// API token and leaves an audit line; reads need it too off loopback, and on
// loopback a tokenless read must name a loopback host (a web page that rebinds
// its own name to 127.0.0.1 cannot drive or read the controller).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bearerMatches } from '../cluster/token.ts';
import { isDashboardPath } from '../dashboard/dashboard-routes.ts';
import { ControllerErrors } from '../errors.ts';

export interface AuditEntry {
  at: string;
  /** The caller: its address, and whether it presented the API token. */
  who: { ip: string; token: boolean };
  /** Method and route, e.g. `POST /api/v1/runs/:id/stop`, with the run id when there is one. */
  what: string;
  run?: string;
  status: number;
}

export interface GuardOptions {
  /** The API token (may differ from the agents'). */
  token: string;
  /** Off loopback, reads need the token too. */
  readsNeedToken: boolean;
  /** Mutations per minute per client address; beyond, 429 with Retry-After. */
  mutationsPerMinute: number;
  audit: (entry: AuditEntry) => void;
  now?: () => number;
}

/** Routes anyone may read: liveness for load balancers and orchestrators. */
const OPEN = new Set(['/api/v1/health', '/health']);
const READ = new Set(['GET', 'HEAD', 'OPTIONS']);
const WINDOW_MS = 60_000;
/** Client addresses remembered by the rate limiter; the oldest window is forgotten first. */
const MAX_CLIENTS = 10_000;

const loopbackHost = (host: string) => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

export function installGuard(app: FastifyInstance, o: GuardOptions): void {
  const now = o.now ?? Date.now;
  const windows = new Map<string, { start: number; count: number }>();

  const limit = (ip: string, reply: FastifyReply) => {
    const t = now();
    let w = windows.get(ip);
    if (w === undefined || t - w.start >= WINDOW_MS) {
      windows.delete(ip);
      if (windows.size >= MAX_CLIENTS) windows.delete(windows.keys().next().value!);
      windows.set(ip, (w = { start: t, count: 0 }));
    }
    if (++w.count > o.mutationsPerMinute) {
      reply.header('retry-after', String(Math.max(1, Math.ceil((w.start + WINDOW_MS - t) / 1000))));
      throw new ControllerErrors.API_RATE_LIMITED(o.mutationsPerMinute);
    }
  };

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0]!;
    // Health, and the dashboard's pages and assets (no data: the pages read through the API, under these rules).
    if (OPEN.has(path) || (READ.has(req.method) && isDashboardPath(path))) return;
    const mutation = !READ.has(req.method);
    const authorized = bearerMatches(req.headers.authorization, o.token);
    if (mutation || o.readsNeedToken) {
      if (!authorized) throw new ControllerErrors.UNAUTHORIZED();
    } else if (!authorized) {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      if (!loopbackHost(host)) throw new ControllerErrors.UNAUTHORIZED();
    }
    if (mutation) limit(req.ip, reply);
  });

  // After the answer, so the line says what came of it (refusals included: who tried matters).
  app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
    if (READ.has(req.method)) return;
    const id = (req.params as { id?: unknown } | undefined)?.id;
    const created =
      reply.statusCode === 202 && req.routeOptions.url === '/api/v1/runs'
        ? (reply as FastifyReply & { auditRun?: string }).auditRun
        : undefined;
    o.audit({
      at: new Date(now()).toISOString(),
      who: { ip: req.ip, token: bearerMatches(req.headers.authorization, o.token) },
      what: `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}`,
      ...(typeof id === 'string' ? { run: id.slice(0, 100) } : created !== undefined ? { run: created } : {}),
      status: reply.statusCode,
    });
  });
}

/** Lets the audit line of a POST /runs name the run it created. */
export function auditRun(reply: FastifyReply, id: string): void {
  (reply as FastifyReply & { auditRun?: string }).auditRun = id;
}
