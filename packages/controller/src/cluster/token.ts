// Bearer tokens: generated when none is given, compared in constant time
// (hashing first makes the comparison length-independent too).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** True when the Authorization header carries exactly `Bearer <token>`. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = header?.startsWith('Bearer ') ? header.slice(7) : '';
  return timingSafeEqual(digest(presented), digest(token)) && presented.length > 0;
}

/** The API token: --api-token, else $BARRAGE_API_TOKEN, else the agents' token. */
export function apiTokenOf(given: string | undefined, agentToken: string): string {
  return given ?? process.env.BARRAGE_API_TOKEN ?? agentToken;
}
