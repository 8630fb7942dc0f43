// Runs a scenario's setup steps once, on the controller, before agents start
// (log in, capture $.access_token). Captured values become run variables that
// every agent substitutes; they are secrets: never logged, never stored.
import { request } from 'undici';
import { ControllerErrors } from './errors.ts';
import { readJsonPath } from '@barrage/agent';
import { requestUrl } from './scenario/load.ts';
import type { SetupStep } from './scenario/scenario.ts';

export interface RunVar {
  name: string;
  value: string;
  secret: boolean;
}

const MAX_SETUP_BODY = 1024 * 1024;

export async function runSetup(steps: readonly SetupStep[], baseUrl: string | undefined): Promise<RunVar[]> {
  const vars = new Map<string, string>();
  const fill = (text: string) => text.replace(/\$\{([A-Za-z_]\w*)\}/g, (m, n: string) => vars.get(n) ?? m);
  for (const step of steps) {
    const fail = (why: string) => new ControllerErrors.SETUP_FAILED(step.name, why);
    const headers = Object.fromEntries(Object.entries(step.headers).map(([k, v]) => [k, fill(v)]));
    let res;
    try {
      res = await request(fill(requestUrl(step, baseUrl)), {
        method: step.method as 'POST', headers, body: step.body === undefined ? undefined : fill(step.body),
        headersTimeout: step.timeoutMs, bodyTimeout: step.timeoutMs,
      });
    } catch (err) {
      throw fail((err as Error).message);
    }
    const buf = Buffer.from(await res.body.arrayBuffer());
    const ok = step.expect.length > 0 ? step.expect.includes(res.statusCode) : res.statusCode >= 200 && res.statusCode < 400;
    if (!ok) throw fail(`HTTP ${res.statusCode}`);
    if (Object.keys(step.capture).length === 0) continue;
    if (buf.length > MAX_SETUP_BODY) throw fail('response body too large to capture from');
    let doc: unknown;
    try { doc = JSON.parse(buf.toString('utf8')); } catch { throw fail('response is not JSON'); }
    for (const [name, path] of Object.entries(step.capture)) {
      const v = readJsonPath(doc, path);
      if (v === undefined || v === null || typeof v === 'object') throw fail(`${path} did not yield a value`);
      vars.set(name, String(v));
    }
  }
  return [...vars].map(([name, value]) => ({ name, value, secret: true }));
}
