// Why a link to the controller failed before it opened, in words with what to
// check, so "connection refused" reads as "is controller serve/start running
// there?" rather than a bare errno, and a wrong scheme or path says which to use.

/** A failed attempt: the socket's error (its errno code), or the HTTP status the server answered the upgrade with. */
export interface DialError {
  code?: string;
  message: string;
  status?: number;
}

/** What went wrong reaching `url`, and what to check: for the log and for AGENT_CONTROLLER_GONE. */
export function dialFailure(url: string, e: DialError | undefined): string {
  const tls = url.startsWith('wss:');
  if (e === undefined) return 'the connection closed before the WebSocket opened';
  if (e.status === 404)
    return `HTTP 404: nothing serves agents at that path; the controller's agent endpoint is /agents (write --controller ${tls ? 'wss' : 'ws'}://HOST:PORT)`;
  if (e.status !== undefined)
    return `the server answered HTTP ${e.status} instead of opening a WebSocket (is it a barrage controller?)`;
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is controller serve or controller start running there, on that port?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found (check the host name in --controller)';
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route or no answer (${e.code}: check the address, and any firewall between this host and the controller)`;
    case 'ECONNRESET':
      return tls
        ? 'the connection was reset during the TLS handshake (is the controller serving TLS? if not, write ws://)'
        : 'the connection was reset before the WebSocket opened (is the controller serving TLS? then write wss://)';
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return 'the TLS handshake failed: the controller does not speak TLS on that port (write ws:// instead of wss://)';
  }
  if (/handshake has timed out/i.test(e.message)) return 'no answer to the WebSocket handshake within 10 s';
  if (/closed before the connection was established/i.test(e.message))
    return new URL(url).pathname === '/agents'
      ? 'the server closed the connection before the WebSocket opened (is it a barrage controller, and no proxy in between?)'
      : `the server closed the connection before the WebSocket opened: the controller's agent endpoint is /agents (write --controller ${tls ? 'wss' : 'ws'}://HOST:PORT)`;
  if (/socket hang up/i.test(e.message) && !tls)
    return 'the server closed the connection before the WebSocket opened (is the controller serving TLS? then write wss://)';
  return e.code === undefined ? e.message : `${e.message} (${e.code})`;
}
