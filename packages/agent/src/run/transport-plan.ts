// How one scenario uses its connections (ScenarioPlan 60-62): keepAlive off
// (a new connection per request), HTTP/1.1 pipelining, and connections per VU
// rather than one shared pool per origin. Checked as untrusted bytes: bounded,
// and refused where they cannot apply (HTTP/2 requests multiplex instead).
import type { barrage } from '@barrage/proto';
import { AgentErrors } from '../errors.ts';

export interface Transport {
  /** false: a new connection per request. */
  keepAlive: boolean;
  /** HTTP/1.1 requests in flight per connection. */
  pipelining: number;
  /** Each VU (open models: in-flight slot) has connections of its own. */
  perVU: boolean;
}

export const MAX_PIPELINING = 100;

/** The scenario's transport; throws BAD_ASSIGN. */
export function prepareTransport(s: barrage.v1.ScenarioPlan.$Properties, where: string): Transport {
  const bad = (why: string) => new AgentErrors.BAD_ASSIGN(`${where}: ${why}`);
  const pipelining = s.pipelining || 1;
  if (!Number.isInteger(pipelining) || pipelining < 1 || pipelining > MAX_PIPELINING)
    throw bad(`pipelining ${pipelining} (1..${MAX_PIPELINING})`);
  const keepAlive = s.keepAliveOff !== true;
  if (!keepAlive && pipelining > 1) throw bad('pipelining needs kept-alive connections');
  if (!keepAlive || pipelining > 1)
    for (const r of s.requests ?? [])
      if (r.http === 2)
        throw bad(
          `request ${JSON.stringify(r.name ?? '')}: HTTP/2 has no ${keepAlive ? 'pipelining' : 'keepAlive: false'}`,
        );
  return { keepAlive, pipelining, perVU: s.connectionsPerVu === true };
}
