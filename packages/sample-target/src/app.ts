// The sample target: a small API shaped like the seed report's backend
// (health/ready/live, JWT login, session list, multipart upload) with the
// same per-IP rate limits, answering 429 with Retry-After, and counting every
// response it sends at /__stats.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { signJwt, verifyJwt } from './jwt.ts';
import { FixedWindowLimiter } from './rate-limiter.ts';
import { ServerStats } from './stats.ts';

export interface TargetOptions {
  apiLimit?: number;
  apiWindowMs?: number;
  uploadLimit?: number;
  uploadWindowMs?: number;
  user?: string;
  password?: string;
  jwtSecret?: string;
  maxUploadBytes?: number;
  now?: () => number;
}

const SESSIONS = Array.from({ length: 20 }, (_v, i) => ({
  id: i + 1, patient_id: 100 + (i % 7), session_date: new Date(Date.UTC(2024, 11, 1 + i)).toISOString(), status: 'processed',
}));

export function buildTarget(o: TargetOptions = {}): FastifyInstance {
  const now = o.now ?? Date.now;
  const secret = o.jwtSecret ?? randomBytes(32).toString('hex');
  const api = new FixedWindowLimiter(o.apiLimit ?? 100, o.apiWindowMs ?? 60_000, now);
  const uploads = new FixedWindowLimiter(o.uploadLimit ?? 10, o.uploadWindowMs ?? 3_600_000, now);
  const maxUpload = o.maxUploadBytes ?? 100 * 1024 * 1024;
  const stats = new ServerStats();
  let inUse = 0;
  const app = Fastify({ logger: false, keepAliveTimeout: 72_000 });

  app.addHook('onResponse', async (req, reply) => {
    if (req.url === '/__stats') return;
    stats.count(`${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}`, reply.statusCode);
  });

  const limited = (limiter: FixedWindowLimiter) => async (req: FastifyRequest, reply: FastifyReply) => {
    const d = limiter.take(req.ip);
    if (!d.allowed) {
      return reply.code(429).header('retry-after', String(d.retryAfterSec)).send({ detail: 'Rate limit exceeded' });
    }
    reply.header('x-ratelimit-remaining', String(d.remaining));
  };
  const authenticated = async (req: FastifyRequest, reply: FastifyReply) => {
    const h = req.headers.authorization ?? '';
    const payload = h.startsWith('Bearer ') ? verifyJwt(h.slice(7), secret, Math.floor(now() / 1000)) : null;
    if (payload === null) return reply.code(401).send({ detail: 'Not authenticated' });
  };

  app.get('/health', async () => {
    // A pool-like gauge, as the seed's /health reports its DB pool.
    inUse++;
    try {
      return { status: 'healthy', database: 'connected', pool: { size: 5, max_overflow: 10, in_use: inUse } };
    } finally {
      inUse--;
    }
  });
  app.get('/ready', async () => ({ status: 'ready' }));
  app.get('/live', async () => ({ status: 'alive' }));
  app.get('/__stats', async () => stats.toJSON());

  app.post('/api/auth/login', { onRequest: limited(api) }, async (req, reply) => {
    const body = (req.body ?? {}) as { username?: unknown; password?: unknown };
    if (body.username !== (o.user ?? 'demo') || body.password !== (o.password ?? 'demo')) {
      return reply.code(401).send({ detail: 'Invalid credentials' });
    }
    const iat = Math.floor(now() / 1000);
    return { access_token: signJwt({ sub: body.username, iat, exp: iat + 3600 }, secret), token_type: 'bearer' };
  });

  app.get('/api/sessions/', { onRequest: [limited(api), authenticated] }, async () => SESSIONS);

  // Uploads are streamed and counted, never buffered: memory stays flat whatever the size.
  app.addContentTypeParser('multipart/form-data', (req, payload, done) => {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(req.headers['content-type'] ?? '');
    if (boundary === null) { done(Object.assign(new Error('multipart boundary missing'), { statusCode: 400 }), undefined); return; }
    const closing = Buffer.from(`--${boundary[1] ?? boundary[2]}--`);
    let size = 0;
    let tail = Buffer.alloc(0);
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxUpload) { payload.destroy(); done(Object.assign(new Error('upload too large'), { statusCode: 413 }), undefined); return; }
      tail = Buffer.concat([tail, chunk]).subarray(-closing.length - 4);
    });
    payload.on('end', () => {
      if (!tail.includes(closing)) { done(Object.assign(new Error('multipart body not terminated'), { statusCode: 400 }), undefined); return; }
      done(null, { size });
    });
    payload.on('error', (err) => done(err, undefined));
  });
  app.post('/api/sessions/upload', { onRequest: [limited(api), limited(uploads), authenticated] }, async (req, reply) => {
    const { size } = req.body as { size: number };
    return reply.code(201).send({ status: 'uploaded', bytes: size });
  });

  return app;
}
