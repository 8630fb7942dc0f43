// The agent's check of an Assign's TLS settings and connection overrides: bytes
// from the network are bounded and must load, overrides are judged by the
// allowlists on their own address, and requests are grouped into profiles.
// Key material never appears in a refusal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TargetAllowlist } from '@barrage/core';
import type { barrage } from '@barrage/proto';
import { matchRule } from '../src/http/connection-profile.ts';
import { tlsFailureReason } from '../src/http/tls-failure.ts';
import { prepareConnections } from '../src/run/connection-plan.ts';

const spec = (name: string, extra: Partial<barrage.v1.RequestSpec.$Properties> = {}) => ({
  name,
  method: 'GET',
  url: 'https://api.test.invalid/x',
  ...extra,
});
const assign = (extra: Partial<barrage.v1.Assign.$Properties>): barrage.v1.Assign.$Properties => ({
  runId: 'r',
  scenarios: [{ name: 's', requests: [spec('a'), spec('b', { tls: 1 }), spec('c', { tls: 1 })] }],
  ...extra,
});

test('requests share a profile per distinct settings; overrides judged by address', () => {
  const plan = prepareConnections(
    assign({
      tls: [{ insecureSkipVerify: true, serverName: 'API.test.invalid' }],
      connectTo: [{ host: 'api.test.invalid', port: 0, address: '127.0.0.1', toPort: 8443 }],
    }),
    ['a', 'b', 'c'],
    [new TargetAllowlist()],
  );
  assert.deepEqual(plan.profileOf, [0, 1, 1]);
  assert.equal(plan.profiles[1]!.tls!.rejectUnauthorized, false);
  assert.equal(plan.profiles[1]!.tls!.servername, 'api.test.invalid');
  assert.equal(matchRule(plan.profiles[0]!.rules, 'api.test.invalid', 443)?.toPort, 8443);
  assert.throws(
    () =>
      prepareConnections(
        assign({ connectTo: [{ host: 'api.test.invalid', address: '10.0.0.5' }] }),
        [],
        [new TargetAllowlist(['api.test.invalid', '127.0.0.1'])],
      ),
    { code: 'AGENT_TARGET_NOT_ALLOWED', message: /overridden to 10\.0\.0\.5/ },
  );
});

test('untrusted TLS bytes are bounded and checked, and never echoed', () => {
  const bad = (a: Partial<barrage.v1.Assign.$Properties>, re: RegExp) =>
    assert.throws(
      () => prepareConnections(assign(a), ['a', 'b', 'c'], []),
      (e: Error) => {
        assert.equal((e as { code?: string }).code, 'AGENT_BAD_ASSIGN');
        assert.match(e.message, re);
        assert.doesNotMatch(e.message, /SECRETKEYBYTES/);
        return true;
      },
    );
  bad({ tls: [{ ca: Buffer.alloc(300_000, 65) }] }, /ca larger than/);
  bad({ tls: [{ ca: Buffer.from('nope') }] }, /no PEM certificate/);
  const key = Buffer.from('-----BEGIN PRIVATE KEY-----\nSECRETKEYBYTES\n-----END PRIVATE KEY-----\n');
  bad({ tls: [{ key }] }, /needs its key/);
  bad(
    { tls: [{ cert: Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), key }] },
    /do not load/,
  );
  bad({ tls: [{ serverName: 'not a name' }] }, /serverName/);
  bad({ tls: [] }, /tls 1/);
  bad({ connectTo: [{ host: 'x.test', address: 'example.com' }] }, /no IP address/);
  bad({ connectTo: [{ host: 'x.test', address: '127.0.0.1', toPort: 70000 }] }, /port 70000/);
});

test('TLS failures are named by their code; other errors are not TLS', () => {
  assert.equal(tlsFailureReason({ code: 'CERT_HAS_EXPIRED' }), 'CERT_HAS_EXPIRED');
  assert.equal(
    tlsFailureReason({ code: 'UND_ERR_SOCKET', cause: { code: 'ERR_TLS_CERT_ALTNAME_INVALID' } }),
    'ERR_TLS_CERT_ALTNAME_INVALID',
  );
  assert.equal(
    tlsFailureReason({ code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' }),
    'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  );
  assert.equal(tlsFailureReason({ code: 'ECONNRESET' }), undefined);
});
