// agent --source-ips: the addresses resolved from a list, a CIDR or an interface
// and checked against the host's (refused by name when missing, bounded, one
// family); VUs dealt to them round-robin (VU k → address k mod N), each request
// leaving from its VU's address, and the requests counted per address.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { networkInterfaces } from 'node:os';
import { test } from 'node:test';
import type { Dispatcher } from 'undici';
import { VuCookies } from '../src/http/cookie-jar.ts';
import { UndiciDispatch } from '../src/http/dispatch.ts';
import { sourceSlot } from '../src/http/source-counts.ts';
import { settleOptions } from '../src/link/agent-options.ts';
import { MAX_SOURCE_IPS, resolveSourceIps } from '../src/link/source-addresses.ts';

const nic = (address: string) => ({
  address,
  netmask: '255.255.255.0',
  family: address.includes(':') ? 'IPv6' : 'IPv4',
  mac: '00:00:00:00:00:00',
  internal: false,
  cidr: null,
});
const host = {
  lo: [nic('127.0.0.1'), nic('::1')],
  eth0: [nic('10.9.0.1'), nic('10.9.0.2'), nic('10.9.0.3'), nic('10.9.0.4'), nic('fe80::1')],
  eth1: [nic('fd00::a'), nic('fd00::b')],
} as unknown as ReturnType<typeof networkInterfaces>;

test('--source-ips: a list, a CIDR or an interface, every address on this host', () => {
  assert.deepEqual(resolveSourceIps('10.9.0.1, 10.9.0.3', host), ['10.9.0.1', '10.9.0.3']);
  assert.deepEqual(resolveSourceIps('10.9.0.1,10.9.0.1', host), ['10.9.0.1'], 'duplicates once');
  // A /29's host addresses: network (.0) and broadcast (.7) left out; .5 and .6 are not here.
  assert.throws(() => resolveSourceIps('10.9.0.0/29', host), {
    code: 'AGENT_BAD_ARGUMENT',
    message: /10\.9\.0\.5 is not an address of this host/,
  });
  assert.deepEqual(resolveSourceIps('10.9.0.0/30', host), ['10.9.0.1', '10.9.0.2']);
  assert.deepEqual(resolveSourceIps('10.9.0.1/32', host), ['10.9.0.1']);
  assert.deepEqual(
    resolveSourceIps('eth0', host),
    ['10.9.0.1', '10.9.0.2', '10.9.0.3', '10.9.0.4'],
    'link-local left out',
  );
  assert.deepEqual(resolveSourceIps('eth1', host), ['fd00::a', 'fd00::b']);
  assert.deepEqual(resolveSourceIps('FD00:0::A', host), ['fd00::a'], 'IPv6 compared in canonical form');
  const bad = (spec: string, re: RegExp) =>
    assert.throws(() => resolveSourceIps(spec, host), { code: 'AGENT_BAD_ARGUMENT', message: re });
  bad('10.9.0.1,10.9.0.9', /--source-ips: 10\.9\.0\.9 is not an address of this host/);
  bad('wlan7', /"wlan7" is neither an IP address nor an interface/);
  bad('10.9.0.1,nope', /"nope" is no IP address/);
  bad('', /empty/);
  bad('10.0.0.0/8', /more than 1024 addresses/);
  bad('10.9.0.0/33', /bad prefix length/);
  bad('fd00::/120', /only IPv4 CIDRs/);
  bad('10.9.0.1,fd00::a', /mixes IPv4 and IPv6/);
  // Bounded: a list longer than the cap is refused before anything else.
  const many = Array.from({ length: MAX_SOURCE_IPS + 1 }, (_, i) => `10.${i >> 8}.${i & 255}.1`).join(',');
  bad(many, /1025 addresses \(at most 1024\)/);
});

test('--source-ips through the agent options: resolved on this host, refused with --workers', () => {
  const logger = { child: () => logger } as never;
  const base = { controller: 'ws://127.0.0.1:1', token: 't', logger };
  assert.deepEqual(settleOptions({ ...base, sourceIps: '127.0.0.1' }).sourceIps, ['127.0.0.1']);
  assert.equal(settleOptions(base).sourceIps, undefined);
  assert.throws(() => settleOptions({ ...base, sourceIps: '192.0.2.77' }), {
    code: 'AGENT_BAD_ARGUMENT',
    message: /192\.0\.2\.77 is not an address of this host/,
  });
  assert.throws(() => settleOptions({ ...base, sourceIps: '127.0.0.1', workers: 2 }), {
    code: 'AGENT_BAD_ARGUMENT',
    message: /--workers/,
  });
});

test('round-robin: VU k leaves from address k mod N, and requests are counted per address', async () => {
  assert.deepEqual(
    Array.from({ length: 7 }, (_, k) => sourceSlot(k, 3)),
    [0, 1, 2, 0, 1, 2, 0],
  );
  assert.equal(sourceSlot(5, 1), 0);
  // Linux answers from all of 127.0.0.0/8: three loopback addresses stand for three NICs.
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.url} ${req.socket.remoteAddress}`);
    res.statusCode = req.url === '/limited' ? 429 : 200;
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sources = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
  const d = new UndiciDispatch({ connections: 4, allowH2: false, sources });
  const send = (path: string, owner: object) =>
    new Promise<void>((resolve, reject) => {
      const handler: Dispatcher.DispatchHandler = {
        onResponseEnd: () => resolve(),
        onResponseError: (_c, e) => reject(e),
      };
      d.dispatch({ origin, path, method: 'GET' }, handler, 0, owner);
    });
  try {
    const vus = Array.from({ length: 5 }, (_, k) => new VuCookies(false, k));
    for (const [k, vu] of vus.entries()) await send(k === 4 ? '/limited' : `/vu${k}`, vu);
    await send('/vu0-again', vus[0]!);
    assert.deepEqual(seen, [
      '/vu0 127.0.0.1',
      '/vu1 127.0.0.2',
      '/vu2 127.0.0.3',
      '/vu3 127.0.0.1',
      '/limited 127.0.0.2',
      '/vu0-again 127.0.0.1',
    ]);
    assert.deepEqual(d.takeBySource(), [
      { address: '127.0.0.1', requests: 3, errors: 0, status: [{ status: 200, count: 3 }] },
      {
        address: '127.0.0.2',
        requests: 2,
        errors: 0,
        status: [
          { status: 200, count: 1 },
          { status: 429, count: 1 },
        ],
      },
      { address: '127.0.0.3', requests: 1, errors: 0, status: [{ status: 200, count: 1 }] },
    ]);
    assert.deepEqual(d.takeBySource(), [], 'taken once per interval');
  } finally {
    await d.close();
    server.close();
  }
});
