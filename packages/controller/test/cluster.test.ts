// The agent endpoint against a raw WebSocket client: token at the upgrade,
// protocol-version refusal, garbage frames closing only their own connection.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { systemClock } from '@barrage/core';
import { type barrage, decodeEnvelope, encodeEnvelope, frameBytes, PROTOCOL_VERSION } from '@barrage/proto';
import pino from 'pino';
import WebSocket from 'ws';
import { Cluster } from '../src/cluster/cluster.ts';

const TOKEN = 'cluster-test-token';

async function withCluster(fn: (url: string, cluster: Cluster) => Promise<void>): Promise<void> {
  const cluster = new Cluster({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    clock: systemClock,
    logger: pino({ level: 'silent' }),
  });
  const { url } = await cluster.listen();
  try {
    await fn(`${url}/agents`, cluster);
  } finally {
    await cluster.close();
  }
}

/** Connects and collects every decoded message until the socket closes. */
async function connect(
  url: string,
  token = TOKEN,
): Promise<{ ws: WebSocket; messages: barrage.v1.Envelope[]; closed: Promise<number> }> {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
  const messages: barrage.v1.Envelope[] = [];
  ws.on('message', (d: Buffer) => messages.push(decodeEnvelope(frameBytes(d))));
  const closed = once(ws, 'close').then(([code]) => code as number);
  await once(ws, 'open');
  return { ws, messages, closed };
}

const hello = (over: Partial<barrage.v1.Hello.$Properties> = {}) =>
  encodeEnvelope({
    hello: {
      protocolVersion: PROTOCOL_VERSION,
      agentId: 'agent-1',
      name: 'a',
      cpus: 1,
      weight: 1,
      version: 't',
      hostname: 'h',
      ...over,
    },
  });

test('a protocol version mismatch is refused with a coded error', async () => {
  await withCluster(async (url, cluster) => {
    const c = await connect(url);
    c.ws.send(hello({ protocolVersion: PROTOCOL_VERSION + 1 }));
    assert.equal(await c.closed, 1008);
    assert.equal(c.messages[0]?.body, 'error');
    assert.equal(c.messages[0]!.error!.code, 'PROTO_VERSION_MISMATCH');
    assert.equal(c.messages[0]!.error!.fatal, true);
    assert.equal(cluster.agents.size, 0);
  });
});

test('garbage frames close only their connection; a good agent is still welcomed', async () => {
  await withCluster(async (url, cluster) => {
    const good = await connect(url);
    good.ws.send(hello({ agentId: 'good' }));
    await once(cluster, 'agent');
    for (const junk of [Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), Buffer.alloc(0), 'text frame']) {
      const bad = await connect(url);
      bad.ws.send(junk);
      assert.equal(await bad.closed, 1008);
      assert.match(bad.messages[0]!.error!.code ?? '', /^PROTO_FRAME_(INVALID|EMPTY)$/);
    }
    const invalid = await connect(url);
    invalid.ws.send(hello({ agentId: 'has spaces', weight: -1 }));
    assert.equal(await invalid.closed, 1008);
    assert.equal(invalid.messages[0]!.error!.code, 'CTRL_HELLO_INVALID');
    assert.deepEqual([...cluster.agents.keys()], ['good']);
    assert.equal(good.messages[0]?.body, 'welcome');
    good.ws.send(encodeEnvelope({ clockPing: { id: 1, t0: 5 } }));
    await new Promise<void>((resolve) => good.ws.once('message', () => resolve()));
    const pong = good.messages.at(-1)!;
    assert.equal(pong.body, 'clockPong');
    assert.equal(pong.clockPong!.t0, 5);
    assert.ok(pong.clockPong!.t2! >= pong.clockPong!.t1!);
    good.ws.close();
  });
});

test('a failure while a frame is handled closes only that connection, coded; the controller goes on', async () => {
  await withCluster(async (url, cluster) => {
    // A run whose handler throws a bare string, as hdr-histogram-js does past 2^53.
    cluster.attach({
      runId: 'r',
      resume: () => false,
      reattached() {},
      disconnected() {},
      holds: () => false,
      message() {
        throw 'boom';
      },
    });
    const bad = await connect(url);
    bad.ws.send(hello({ agentId: 'bad' }));
    bad.ws.send(encodeEnvelope({ report: { runId: 'r', seq: 1 } }));
    assert.equal(await bad.closed, 1008);
    const error = bad.messages.find((m) => m.body === 'error')!.error!;
    assert.equal(error.code, 'CTRL_INTERNAL');
    assert.equal(error.fatal, true);
    const good = await connect(url);
    good.ws.send(hello({ agentId: 'good' }));
    await once(good.ws, 'message');
    assert.equal(good.messages[0]?.body, 'welcome');
    assert.deepEqual([...cluster.agents.keys()], ['good']);
    good.ws.close();
  });
});

test('the upgrade demands the token; other paths are 404', async () => {
  await withCluster(async (url) => {
    for (const [target, token, status] of [
      [url, 'nope', 401],
      [url, '', 401],
      [url.replace('/agents', '/x'), TOKEN, 404],
    ] as const) {
      const ws = new WebSocket(target, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      ws.on('error', () => {});
      const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number; resume(): void }];
      assert.equal(res.statusCode, status);
      res.resume();
    }
  });
});
