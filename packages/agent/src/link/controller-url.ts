// The controller's agent endpoint from what `--controller` was given: the
// forms people write first (host:port, localhost:7000/agents, http://) are
// refused with the form to write instead, not a bare "Invalid URL".
import { AgentErrors } from '../errors.ts';

/** ws(s)://HOST:PORT/agents from `--controller`; throws AGENT_BAD_ARGUMENT that shows the right form. */
export function controllerUrl(raw: string): URL {
  const text = raw.trim();
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) {
    // No scheme at all (127.0.0.1:7000, localhost:7000/agents): say which to add.
    const rest = text.replace(/^[/:]+/, '');
    throw new AgentErrors.BAD_ARGUMENT(
      `--controller ${raw} has no ws:// in front; write --controller ws://${rest} (or wss://${rest} for a TLS controller)`,
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AgentErrors.BAD_ARGUMENT(
      `--controller ${raw} is not a URL; write ws://HOST:PORT, e.g. --controller ws://127.0.0.1:7000`,
    );
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    const ws = url.protocol === 'https:' ? 'wss' : 'ws';
    throw new AgentErrors.BAD_ARGUMENT(
      `--controller must be ws:// or wss://, got ${url.protocol}//; write --controller ${ws}://${url.host}${url.pathname === '/' ? '' : url.pathname}`,
    );
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
    throw new AgentErrors.BAD_ARGUMENT(
      `--controller must be ws:// or wss://, got ${url.protocol}//; write --controller ws://${url.host || 'HOST:PORT'}`,
    );
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/agents';
  return url;
}
