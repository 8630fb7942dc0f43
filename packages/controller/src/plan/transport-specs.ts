// The wire form of a load model's transport (scenario/transport.ts): the HTTP
// version and streams of each request spec (RequestSpec 30-31) and the model's
// connection use (ScenarioPlan 60-62). Pure.
import type { barrage } from '@barrage/proto';
import type { ModelTransport } from '../scenario/schema-transport.ts';

/** RequestSpec.http and max_streams of the request named `name` in a model; HTTP/1.1 when unset. */
export function requestTransport(
  t: ModelTransport | undefined,
  name: string,
): Pick<barrage.v1.RequestSpec.$Properties, 'http' | 'maxStreams'> {
  const h = t?.http[name];
  return { http: h?.version ?? 11, maxStreams: h?.maxStreams ?? 0 };
}

/** ScenarioPlan.keep_alive_off, pipelining and connections_per_vu of a model. */
export function scenarioTransport(
  t: ModelTransport | undefined,
): Pick<barrage.v1.ScenarioPlan.$Properties, 'keepAliveOff' | 'pipelining' | 'connectionsPerVu'> {
  return { keepAliveOff: t?.keepAlive === false, pipelining: t?.pipelining ?? 1, connectionsPerVu: t?.perVU === true };
}
