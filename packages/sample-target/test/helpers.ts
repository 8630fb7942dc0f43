// A sample target on port 0 for these tests, with the small HTTP calls they
// make (JSON posts, stats) named once.
import type { TestContext } from 'node:test';
import { buildTarget, type TargetOptions } from '../src/app.ts';
import type { StatsJson } from '../src/stats.ts';

export interface Running {
  url: string;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  stats(): Promise<StatsJson>;
}

/** Starts the target in-process (rate limits out of the way unless given) and closes it after the test. */
export async function startTarget(t: TestContext, o: TargetOptions = {}): Promise<Running> {
  const app = buildTarget({ apiLimit: 1_000_000, ...o });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  return {
    url,
    post: (path, body, headers = {}) =>
      fetch(url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        redirect: 'manual',
      }),
    get: (path, headers = {}) => fetch(url + path, { headers, redirect: 'manual' }),
    stats: async () => (await (await fetch(`${url}/__stats`)).json()) as StatsJson,
  };
}

/** Logs in with a token; the Authorization header for it. */
export async function bearer(r: Running, username: string, password: string): Promise<Record<string, string>> {
  const res = await r.post('/api/auth/login', { username, password });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
  const { access_token } = (await res.json()) as { access_token: string };
  return { authorization: `Bearer ${access_token}` };
}
