// What an agent says when --controller is written wrong or the controller
// cannot be reached: the form to write, and what to check for each failure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { controllerUrl } from '../src/link/controller-url.ts';
import { dialFailure } from '../src/link/dial-failure.ts';

test('--controller: the /agents path is added; forms without ws:// are refused with the form to write', () => {
  assert.equal(controllerUrl('ws://127.0.0.1:7000').toString(), 'ws://127.0.0.1:7000/agents');
  assert.equal(controllerUrl('wss://c.example:443/agents').toString(), 'wss://c.example/agents');
  const refused = (raw: string) => {
    try {
      controllerUrl(raw);
    } catch (e) {
      assert.equal((e as { code?: string }).code, 'AGENT_BAD_ARGUMENT');
      return (e as Error).message;
    }
    assert.fail(`${raw} accepted`);
  };
  assert.equal(
    refused('127.0.0.1:7000'),
    '--controller 127.0.0.1:7000 has no ws:// in front; write --controller ws://127.0.0.1:7000 (or wss://127.0.0.1:7000 for a TLS controller)',
  );
  assert.match(refused('localhost:7000/agents'), /write --controller ws:\/\/localhost:7000\/agents /);
  assert.match(refused('https://c.example:8443'), /got https:\/\/; write --controller wss:\/\/c\.example:8443$/);
  assert.match(refused('ftp://h:1'), /must be ws:\/\/ or wss:\/\/, got ftp:\/\/; write --controller ws:\/\/h:1/);
  assert.match(refused('ws://exa mple:1'), /is not a URL; write ws:\/\/HOST:PORT/);
});

test('a failed dial says why and what to check', () => {
  const url = 'ws://127.0.0.1:9/agents';
  assert.equal(
    dialFailure(url, { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' }),
    'connection refused (is controller serve or controller start running there, on that port?)',
  );
  assert.match(dialFailure(url, { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND nohost' }), /host not found/);
  assert.match(dialFailure(url, { message: 'HTTP 404', status: 404 }), /agent endpoint is \/agents/);
  assert.match(dialFailure(url, { message: 'HTTP 502', status: 502 }), /answered HTTP 502 .*barrage controller/);
  assert.match(dialFailure(url, { code: 'ECONNRESET', message: 'socket hang up' }), /then write wss:\/\//);
  assert.match(
    dialFailure('wss://h:1/agents', { code: 'EPROTO', message: 'wrong version number' }),
    /does not speak TLS .*write ws:\/\//,
  );
  const early = { message: 'WebSocket was closed before the connection was established' };
  assert.match(
    dialFailure('ws://h:1/agent', early),
    /agent endpoint is \/agents \(write --controller ws:\/\/HOST:PORT\)/,
  );
  assert.match(dialFailure(url, early), /is it a barrage controller/);
  assert.equal(dialFailure(url, { code: 'EWHATEVER', message: 'odd' }), 'odd (EWHATEVER)');
  assert.equal(dialFailure(url, undefined), 'the connection closed before the WebSocket opened');
});
