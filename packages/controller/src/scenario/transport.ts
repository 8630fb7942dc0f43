// Each load model's transport as the agents get it: the HTTP version of every
// request it sends (the request's own, else the model's, else the defaults'),
// HTTP/2 streams, keepAlive, pipelining and per-VU connections; and the
// combinations that cannot work, refused with their path (HTTP/2 multiplexes:
// it has no pipelining and no connection per request).
import type { ScenarioInput } from './input.ts';
import { type HttpVersion, type ModelTransport, TRANSPORT_DEFAULTS } from './schema-transport.ts';

/** What transport.ts reads of a normalised model: the requests it sends. */
interface ModelSteps {
  mix: ReadonlyArray<{ steps: readonly string[] }>;
  session?: { steps: readonly string[]; teardown: readonly string[] };
}

const version = (v: string | number | undefined): HttpVersion | undefined =>
  v === undefined ? undefined : String(v) === '2' ? 2 : 11;

/** One ModelTransport per load model, in order; problems pushed with their path. */
export function readTransport(
  input: ScenarioInput,
  models: readonly ModelSteps[],
  problems: string[],
): ModelTransport[] {
  const byName = new Map(input.requests.map((r, k) => [r.name, { ...r, k }]));
  const seen = new Map<string, HttpVersion>();
  return input.scenarios.map((s, i) => {
    const keepAlive = s.keepAlive ?? TRANSPORT_DEFAULTS.keepAlive;
    const pipelining = s.pipelining ?? TRANSPORT_DEFAULTS.pipelining;
    const perVU = s.connections === 'perVU';
    if (!keepAlive && pipelining > 1)
      problems.push(`/scenarios/${i}/pipelining: pipelining needs kept-alive connections (keepAlive: false)`);
    const m = models[i];
    const used = new Set([
      ...(m?.mix ?? []).flatMap((e) => e.steps),
      ...(m?.session?.steps ?? []),
      ...(m?.session?.teardown ?? []),
    ]);
    const http: ModelTransport['http'] = {};
    for (const n of used) {
      const r = byName.get(n);
      const v = version(r?.http) ?? version(s.http) ?? version(input.defaults?.http) ?? 11;
      const maxStreams = r?.maxStreams ?? s.maxStreams ?? input.defaults?.maxStreams ?? 0;
      http[n] = { version: v, maxStreams: v === 2 ? maxStreams : 0 };
      if (r?.maxStreams !== undefined && v !== 2)
        problems.push(`/requests/${r.k}/maxStreams: streams are HTTP/2's; ${n} speaks HTTP/1.1 in model ${s.name}`);
      if (v === 2 && pipelining > 1)
        problems.push(
          `/scenarios/${i}/pipelining: request ${n} speaks HTTP/2, which multiplexes instead of pipelining`,
        );
      if (v === 2 && !keepAlive)
        problems.push(`/scenarios/${i}/keepAlive: request ${n} speaks HTTP/2; keepAlive: false is HTTP/1.1 only`);
      const before = seen.get(n);
      if (before !== undefined && before !== v)
        problems.push(
          `/scenarios/${i}: request ${n} speaks HTTP/${v === 2 ? '2' : '1.1'} here and another version in an earlier model; give each its own request`,
        );
      seen.set(n, v);
    }
    if (s.maxStreams !== undefined && !Object.values(http).some((h) => h.version === 2))
      problems.push(`/scenarios/${i}/maxStreams: streams are HTTP/2's, and no request of this model speaks it`);
    return { keepAlive, pipelining, perVU, http };
  });
}
