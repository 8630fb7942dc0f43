// The sample target: a small API shaped like the seed report's backend
// (health/ready/live, JWT login, session list, multipart upload) with the
// same per-IP rate limits, answering 429 with Retry-After, and counting every
// response it sends (and every uploaded file's size, and what each known user
// did) at /__stats. /stall/:key holds one request for a while, to show
// coordinated omission. Logins, per-user routes and FastAPI's trailing-slash
// redirect live in their own files (auth, user-routes, trailing-slash).

import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Auth, registerLogin } from './auth.ts';
import { MultipartCounter, type PartInfo } from './multipart-counter.ts';
import { FixedWindowLimiter } from './rate-limiter.ts';
import { ServerStats, type StatsJson } from './stats.ts';
import { registerTrailingSlashRedirect } from './trailing-slash.ts';
import { registerUserRoutes } from './user-routes.ts';
import { accountTable } from './users.ts';

export interface TargetOptions {
  apiLimit?: number;
  apiWindowMs?: number;
  uploadLimit?: number;
  uploadWindowMs?: number;
  user?: string;
  password?: string;
  jwtSecret?: string;
  /** How long issued tokens are accepted (default 1 h); after that, 401 "Token expired". */
  tokenTtlMs?: number;
  maxUploadBytes?: number;
  now?: () => number;
}

const SESSIONS = Array.from({ length: 20 }, (_v, i) => ({
  id: i + 1,
  patient_id: 100 + (i % 7),
  session_date: new Date(Date.UTC(2024, 11, 1 + i)).toISOString(),
  status: 'processed',
}));

export function buildTarget(o: TargetOptions = {}): FastifyInstance {
  const now = o.now ?? Date.now;
  const secret = o.jwtSecret ?? randomBytes(32).toString('hex');
  const api = new FixedWindowLimiter(o.apiLimit ?? 100, o.apiWindowMs ?? 60_000, now);
  const uploads = new FixedWindowLimiter(o.uploadLimit ?? 10, o.uploadWindowMs ?? 3_600_000, now);
  const maxUpload = o.maxUploadBytes ?? 100 * 1024 * 1024;
  const stats = new ServerStats();
  const app = Fastify({ logger: false, keepAliveTimeout: 72_000 });
  const accounts = accountTable({ username: o.user ?? 'demo', password: o.password ?? 'demo' });
  const auth = new Auth({ accounts, secret, tokenTtlMs: o.tokenTtlMs ?? 3_600_000, now, stats });

  app.addHook('onResponse', async (req, reply) => {
    if (req.url === '/__stats' || req.url === '/metrics') return;
    stats.count(`${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}`, reply.statusCode, undefined, req.ip);
  });

  const limited = (limiter: FixedWindowLimiter) => async (req: FastifyRequest, reply: FastifyReply) => {
    const d = limiter.take(req.ip);
    if (!d.allowed) {
      return reply.code(429).header('retry-after', String(d.retryAfterSec)).send({ detail: 'Rate limit exceeded' });
    }
    reply.header('x-ratelimit-remaining', String(d.remaining));
  };
  const authenticated = auth.authenticated;

  // A connection pool like the seed's: 5 + 10 overflow = at most 15 in use; a request that
  // finds it full waits its turn (up to 5 s, then 503 "pool exhausted"). /health holds a
  // connection for a short "query"; the gauge and its peak are on /health and /metrics.
  const pool = { size: 5, overflow: 10, inUse: 0, peak: 0, exhausted: 0 };
  const waiting: Array<() => void> = [];
  const acquire = (): Promise<boolean> => {
    if (pool.inUse < pool.size + pool.overflow) {
      pool.inUse++;
      pool.peak = Math.max(pool.peak, pool.inUse);
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const grant = () => {
        clearTimeout(timer);
        pool.inUse++;
        pool.peak = Math.max(pool.peak, pool.inUse);
        resolve(true);
      };
      const timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(grant), 1);
        pool.exhausted++;
        resolve(false);
      }, 5_000);
      waiting.push(grant);
    });
  };
  const release = () => {
    pool.inUse--;
    waiting.shift()?.();
  };
  app.get('/health', async (_req, reply) => {
    if (!(await acquire())) return reply.code(503).send({ status: 'unhealthy', database: 'pool exhausted' });
    try {
      await new Promise((r) => setImmediate(r));
      return {
        status: 'healthy',
        database: 'connected',
        pool: { size: pool.size, max_overflow: pool.overflow, in_use: pool.inUse },
      };
    } finally {
      release();
    }
  });
  // Prometheus text: the target's own memory, CPU and pool, for barrage's monitors.
  app.get('/metrics', async (_req, reply) => {
    const cpu = process.cpuUsage();
    reply.header('content-type', 'text/plain; version=0.0.4');
    return [
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${process.memoryUsage.rss()}`,
      '# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.',
      '# TYPE process_cpu_seconds_total counter',
      `process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`,
      '# HELP db_pool_in_use Connections of the pool in use.',
      '# TYPE db_pool_in_use gauge',
      `db_pool_in_use ${pool.inUse}`,
      '# HELP db_pool_in_use_peak Most connections in use at once since start.',
      '# TYPE db_pool_in_use_peak gauge',
      `db_pool_in_use_peak ${pool.peak}`,
      '# HELP db_pool_exhausted_total Requests that gave up waiting for a connection.',
      '# TYPE db_pool_exhausted_total counter',
      `db_pool_exhausted_total ${pool.exhausted}`,
      `db_pool_size{kind="base"} ${pool.size}`,
      `db_pool_size{kind="overflow"} ${pool.overflow}`,
      '',
    ].join('\n');
  });
  // The (after+1)-th request to a key is held `ms` before its answer, once; every other answers at once.
  const stalls = new Map<string, number>();
  app.get('/stall/:key', async (req) => {
    const { key } = req.params as { key: string };
    const q = req.query as { ms?: string; after?: string };
    const ms = Math.min(Number(q.ms ?? 1000) || 0, 60_000);
    const after = Number(q.after ?? 0) || 0;
    const seen = stalls.get(key) ?? 0;
    stalls.set(key, seen + 1);
    if (seen === after) await new Promise((r) => setTimeout(r, ms));
    return { stalled: seen === after };
  });
  app.get('/ready', async () => ({ status: 'ready' }));
  app.get('/live', async () => ({ status: 'alive' }));
  app.get('/__stats', async () => stats.toJSON());

  registerLogin(app, auth, limited(api));
  app.get('/api/sessions/', { onRequest: [limited(api), authenticated] }, async () => SESSIONS);
  registerUserRoutes(app, auth, stats, new Map([...accounts.keys()].map((u, i) => [u, i])), limited(api));
  registerTrailingSlashRedirect(app);

  // Uploads are streamed and counted, never buffered: memory stays flat whatever the size.
  app.addContentTypeParser('multipart/form-data', (req, payload, done) => {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(req.headers['content-type'] ?? '');
    if (boundary === null) {
      done(Object.assign(new Error('multipart boundary missing'), { statusCode: 400 }), undefined);
      return;
    }
    const counter = new MultipartCounter((boundary[1] ?? boundary[2])!.trim());
    let size = 0;
    let failed = false;
    const fail = (err: Error, statusCode: number) => {
      if (failed) return;
      failed = true;
      payload.destroy();
      done(Object.assign(err, { statusCode }), undefined);
    };
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxUpload) {
        fail(new Error('upload too large'), 413);
        return;
      }
      try {
        counter.write(chunk);
      } catch (err) {
        fail(err as Error, 400);
      }
    });
    payload.on('end', () => {
      if (failed) return;
      if (!counter.done) {
        fail(new Error('multipart body not terminated'), 400);
        return;
      }
      done(null, { size, parts: counter.parts });
    });
    payload.on('error', (err) => fail(err, 400));
  });
  app.post(
    '/api/sessions/upload',
    { onRequest: [limited(api), limited(uploads), authenticated] },
    async (req, reply) => {
      const { size, parts } = req.body as { size: number; parts: PartInfo[] };
      const files = parts.filter((p) => p.filename !== null);
      if (files.length === 0) return reply.code(400).send({ detail: 'no file part' });
      for (const f of files) stats.upload(f);
      return reply.code(201).send({
        status: 'uploaded',
        bytes: size,
        files: files.map((f) => ({ field: f.field, filename: f.filename, bytes: f.bytes })),
      });
    },
  );

  app.decorate('targetStats', stats);
  return app;
}

/** The target's own count, also after it stopped listening (printed on exit by the CLI). */
export function targetStats(app: FastifyInstance): StatsJson {
  return (app as unknown as { targetStats: ServerStats }).targetStats.toJSON();
}
