// Logging in and proving who you are: the login routes (the token in the
// body, the same token as an HttpOnly `sid` cookie, or an OAuth2 password
// grant that takes only a form, as FastAPI's token route does), the check every
// protected route runs first (a Bearer token or that cookie), and which user a
// request belongs to, for the per-user counts in /__stats.
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { checkJwt, signJwt } from './jwt.ts';
import type { ServerStats } from './stats.ts';

export interface AuthOptions {
  /** username -> password; nobody else logs in or gets counted. */
  accounts: Map<string, string>;
  secret: string;
  /** How long an issued token (and so the cookie) is accepted. */
  tokenTtlMs: number;
  now: () => number;
  stats: ServerStats;
}

export const SESSION_COOKIE = 'sid';

/** The value of one cookie in a Cookie header (its first occurrence), or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

export class Auth {
  private readonly o: AuthOptions;
  private readonly owners = new WeakMap<FastifyRequest, string>();

  constructor(o: AuthOptions) {
    this.o = o;
  }

  /** The username when these credentials are an account's, else undefined. */
  login(body: unknown): string | undefined {
    const { username, password } = (body ?? {}) as { username?: unknown; password?: unknown };
    if (typeof username !== 'string' || typeof password !== 'string') return undefined;
    if (this.o.accounts.get(username) !== password) return undefined;
    this.o.stats.user(username, 'logins');
    return username;
  }

  /** A token for the user, expiring tokenTtlMs from now (exp to the millisecond, as JWT's NumericDate allows). */
  issue(username: string): string {
    const nowMs = this.o.now();
    return signJwt(
      { sub: username, iat: Math.floor(nowMs / 1000), exp: (nowMs + this.o.tokenTtlMs) / 1000 },
      this.o.secret,
    );
  }

  /** Who the (authenticated) request is from. */
  userOf(req: FastifyRequest): string {
    return this.owners.get(req) ?? '';
  }

  /** onRequest hook: 401 unless a valid Bearer token (or, without one, the sid cookie) names an account. */
  readonly authenticated: onRequestHookHandler = async (req: FastifyRequest, reply: FastifyReply) => {
    const h = req.headers.authorization;
    const token = h?.startsWith('Bearer ') ? h.slice(7) : readCookie(req.headers.cookie, SESSION_COOKIE);
    const check = token === undefined ? undefined : checkJwt(token, this.o.secret, this.o.now() / 1000);
    if (check?.ok !== true) {
      // As OAuth 2.0 bearer resources answer (RFC 6750 §3): an expired token says so, so a client can refresh.
      if (check?.reason === 'expired') {
        reply.header('www-authenticate', 'Bearer error="invalid_token", error_description="token expired"');
        return reply.code(401).send({ detail: 'Token expired' });
      }
      return reply.code(401).send({ detail: 'Not authenticated' });
    }
    const sub = check.payload.sub;
    if (typeof sub !== 'string' || !this.o.accounts.has(sub))
      return reply.code(401).send({ detail: 'Not authenticated' });
    this.owners.set(req, sub);
    this.o.stats.user(sub, 'requests');
  };
}

/**
 * POST /api/auth/login (token in the body), POST /api/auth/cookie-login (token as the sid cookie)
 * and POST /api/auth/token (OAuth2 password grant: a form body only, else 415).
 */
export function registerLogin(app: FastifyInstance, auth: Auth, limited: onRequestHookHandler): void {
  // FastAPI's OAuth2 login takes a form, so a form body is read as well as JSON.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  app.post('/api/auth/login', { onRequest: limited }, async (req, reply) => {
    const user = auth.login(req.body);
    if (user === undefined) return reply.code(401).send({ detail: 'Invalid credentials' });
    return { access_token: auth.issue(user), token_type: 'bearer' };
  });
  app.post('/api/auth/token', { onRequest: limited }, async (req, reply) => {
    if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? ''))
      return reply.code(415).send({ detail: 'send the credentials as application/x-www-form-urlencoded' });
    const grant = (req.body as { grant_type?: unknown }).grant_type;
    if (grant !== undefined && grant !== 'password') return reply.code(400).send({ detail: 'unsupported_grant_type' });
    const user = auth.login(req.body);
    if (user === undefined) return reply.code(401).send({ detail: 'Invalid credentials' });
    return { access_token: auth.issue(user), token_type: 'bearer' };
  });
  app.post('/api/auth/cookie-login', { onRequest: limited }, async (req, reply) => {
    const user = auth.login(req.body);
    if (user === undefined) return reply.code(401).send({ detail: 'Invalid credentials' });
    // A session cookie (no Max-Age): the server, not the jar, decides when it has expired.
    reply.header('set-cookie', `${SESSION_COOKIE}=${auth.issue(user)}; Path=/; HttpOnly; SameSite=Lax`);
    return { status: 'logged in', username: user };
  });
}
