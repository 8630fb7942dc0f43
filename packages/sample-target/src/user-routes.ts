// Per-user data behind authentication: who am I, my own session list, and
// items created under a client-chosen key that must be unique (a second
// create with the same key is 409, as a unique index in a database answers),
// so tests can show that every user, row or ${seq} value was used once.
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import type { Auth } from './auth.ts';
import type { ServerStats } from './stats.ts';

/** Keys longer than this are refused (422); past MAX_ITEMS the store is full (507). */
const MAX_KEY_LENGTH = 200;
const MAX_ITEMS = 1_000_000;
const SESSIONS_PER_USER = 3;

/** A user's own sessions: the same every time, and nobody else's (each names its owner). */
export function ownSessions(username: string, index: number) {
  return Array.from({ length: SESSIONS_PER_USER }, (_v, k) => ({
    id: index * SESSIONS_PER_USER + k + 1,
    owner: username,
    session_date: new Date(Date.UTC(2024, 11, 1 + k)).toISOString(),
    status: 'processed',
  }));
}

export function registerUserRoutes(
  app: FastifyInstance,
  auth: Auth,
  stats: ServerStats,
  accountIndex: ReadonlyMap<string, number>,
  limited: onRequestHookHandler,
): void {
  const guarded = { onRequest: [limited, auth.authenticated] };
  app.get('/api/me', guarded, async (req) => ({ username: auth.userOf(req) }));
  app.get('/api/me/sessions/', guarded, async (req) => {
    const user = auth.userOf(req);
    return ownSessions(user, accountIndex.get(user) ?? 0);
  });

  const items = new Map<string, string>();
  app.post('/api/items/', guarded, async (req, reply) => {
    const user = auth.userOf(req);
    const key = ((req.body ?? {}) as { key?: unknown }).key;
    if (typeof key !== 'string' || key === '' || key.length > MAX_KEY_LENGTH) {
      return reply.code(422).send({ detail: `key: a string of 1 to ${MAX_KEY_LENGTH} characters is required` });
    }
    if (items.has(key)) {
      stats.user(user, 'duplicates');
      return reply.code(409).send({ detail: 'An item with this key already exists', key });
    }
    if (items.size >= MAX_ITEMS) return reply.code(507).send({ detail: 'item store full' });
    items.set(key, user);
    stats.user(user, 'created');
    return reply.code(201).send({ id: items.size, key, owner: user });
  });
}
