// Minimal HS256 JWTs for the sample target's login (node:crypto, no dependency).
import { createHmac, timingSafeEqual } from 'node:crypto';

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function signJwt(payload: Record<string, unknown>, secret: string): string {
  const head = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64(JSON.stringify(payload));
  const sig = b64(createHmac('sha256', secret).update(`${head}.${body}`).digest());
  return `${head}.${body}.${sig}`;
}

export type JwtCheck = { ok: true; payload: Record<string, unknown> } | { ok: false; reason: 'invalid' | 'expired' };

/** The payload when the signature checks out and `exp` is after nowSec (a fraction is fine), else why not. */
export function checkJwt(token: string, secret: string, nowSec: number): JwtCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'invalid' };
  const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2]!, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof payload.exp !== 'number') return { ok: false, reason: 'invalid' };
    return payload.exp > nowSec ? { ok: true, payload } : { ok: false, reason: 'expired' };
  } catch {
    return { ok: false, reason: 'invalid' };
  }
}

/** The payload when the signature and expiry check out, else null. */
export function verifyJwt(token: string, secret: string, nowSec: number): Record<string, unknown> | null {
  const c = checkJwt(token, secret, nowSec);
  return c.ok ? c.payload : null;
}
