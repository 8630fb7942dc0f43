// TLS end to end with certificates made here by openssl: a CA, a server
// certificate it signs (127.0.0.1 and localhost), and an unrelated CA. A run
// over wss:// with local agents that verify the controller; an https:// API
// that refuses plain http; agents with the wrong CA, or plain ws://, that never
// join; `start --controller https://` verified with --ca; bad flags refused.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { localAgentUrl } from '../../packages/controller/src/cluster/tls-options.ts';
import { bins, runCli, startCli, startTarget } from '../helpers/processes.ts';

const TOKEN = 'tls-test-token';
const skip = spawnSync('openssl', ['version']).error === undefined ? false : 'openssl is not installed';

const scenario = `
name: tls-200
baseUrl: http://127.0.0.1:1
requests:
  - { name: health, path: /health }
scenarios:
  - { name: burst, executor: shared-iterations, vus: 4, iterations: 200 }
`;

/** Our own minimal openssl configs: nothing depends on the host's openssl.cnf. */
function makePki() {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-tls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return name;
  };
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const selfSigned = (name: string, cn: string, ext: string) => {
    const cnf = file(
      `${name}.cnf`,
      `[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = ext\n[dn]\nCN = ${cn}\n[ext]\n${ext}\n`,
    );
    ssl('req', '-x509', ...key, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-config', cnf);
  };
  const ca =
    'basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash';
  selfSigned('ca', 'barrage test CA', ca);
  selfSigned('other-ca', 'another CA', ca);
  const req = file('server-req.cnf', '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = barrage controller\n');
  ssl('req', '-new', ...key, '-keyout', 'server.key', '-out', 'server.csr', '-config', req);
  const ext = file(
    'server-ext.cnf',
    'subjectAltName = IP:127.0.0.1,DNS:localhost\nbasicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\nextendedKeyUsage = serverAuth\n',
  );
  ssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-set_serial',
    '2',
    '-days',
    '2',
    '-out',
    'server.pem',
    '-extfile',
    ext,
  );
  // Leaf certificates that name one thing each, for the choice of what local agents dial.
  const leaf = 'basicConstraints = CA:FALSE\nsubjectAltName = ';
  selfSigned('only-localhost', 'x', `${leaf}DNS:localhost`);
  selfSigned('only-name', 'x', `${leaf}DNS:controller.example.test`);
  return { dir, path: (name: string) => join(dir, name) };
}

const pki = skip === false ? makePki() : undefined;
const p = (name: string) => pki!.path(name);

/** GET over https with `ca` (undefined: Node's default CAs); resolves with status and body, rejects on a TLS failure. */
function httpsGet(url: string, ca: Buffer | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, ca === undefined ? {} : { ca }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** Polls an HTTP check (not a timing guess) until it holds, up to `ms`. */
async function until(f: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('start --local-agents 2 with --tls-cert: the agents verify the controller over wss:// and the run reconciles', {
  skip,
}, async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  writeFileSync(p('tls.yaml'), scenario);
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    p('tls.yaml'),
    '--target',
    target.url,
    '--local-agents',
    '2',
    '--tls-cert',
    p('server.pem'),
    '--tls-key',
    p('server.key'),
    '--out',
    p('start.json'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /run \S+: https:\/\/127\.0\.0\.1:\d+\/api\/v1\/runs\//);
  const s = JSON.parse(readFileSync(p('start.json'), 'utf8')) as Summary;
  assert.equal(s.run.status, 'passed');
  assert.equal(s.run.agents.length, 2);
  assert.equal(s.totals.requests, 200);
  assert.equal(s.totals.requests, (await target.stats()).total);
});

test('serve with --tls-cert: https API, wrong-CA and plain agents never join, start --controller https:// with --ca', {
  skip,
}, async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const c = startCli(
    bins.controller,
    ['serve', '--port', '0', '--db', p('serve.db'), '--tls-cert', p('server.pem'), '--tls-key', p('server.key')],
    { BARRAGE_TOKEN: TOKEN },
  );
  t.after(() => c.kill());
  const m = await c.waitForStderr(
    /API (https:\/\/127\.0\.0\.1:\d+)\/api\/v1 · agents: agent --controller (wss:\/\/127\.0\.0\.1:\d+)/,
  );
  const [origin, wss] = [m[1]!, m[2]!];
  const ca = readFileSync(p('ca.pem'));
  const agentsNow = async () =>
    JSON.parse((await httpsGet(`${origin}/api/v1/agents`, ca)).body) as Array<{ name: string }>;

  assert.equal((await httpsGet(`${origin}/api/v1/health`, ca)).status, 200);
  await assert.rejects(fetch(`${origin.replace('https:', 'http:')}/api/v1/health`), 'plain http is refused');
  await assert.rejects(
    httpsGet(`${origin}/api/v1/health`, undefined),
    (e: NodeJS.ErrnoException) => e.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'not trusted without the CA',
  );

  // Another CA: refused with a coded error at once, not after a minute of retries.
  const wrong = await runCli(
    bins.agent,
    ['--controller', wss, '--ca', p('other-ca.pem'), '--name', 'wrong-ca', '--once'],
    { env: { BARRAGE_TOKEN: TOKEN }, timeoutMs: 20_000 },
  );
  assert.equal(wrong.code, 1, wrong.stderr);
  assert.match(wrong.stderr, /"code":"AGENT_TLS_UNVERIFIED"/);
  assert.doesNotMatch(wrong.stderr, /could not connect|disconnected from controller/, 'no retry');
  // Plain ws:// to the TLS port: the controller drops it and says why; the agent keeps failing.
  const plain = startCli(bins.agent, ['--controller', wss.replace('wss:', 'ws:'), '--name', 'plain'], {
    BARRAGE_TOKEN: TOKEN,
  });
  t.after(() => plain.kill());
  await c.waitForStderr(/"err":"plain http:\/\/ or ws:\/\/ sent to the TLS port"[^\n]*"msg":"TLS handshake failed"/);
  // It never connected, so it says so, and what to write instead.
  await plain.waitForStderr(/could not connect to ws:[^\n]*then write wss:\/\/[\s\S]*could not connect to ws:/);
  assert.deepEqual(await agentsNow(), []);
  plain.kill();

  // The right CA: the agent joins, and a run submitted over https:// with --ca reconciles.
  const good = startCli(
    bins.agent,
    ['--controller', wss, '--ca', p('ca.pem'), '--name', 'good', '--log-level', 'warn'],
    { BARRAGE_TOKEN: TOKEN },
  );
  t.after(() => good.kill());
  await until(async () => (await agentsNow()).length === 1);
  assert.equal((await agentsNow())[0]!.name, 'good');
  writeFileSync(p('remote.yaml'), scenario);
  const untrusted = await runCli(
    bins.controller,
    ['start', '--controller', origin, '--scenario', p('remote.yaml'), '--target', target.url],
    { env: { BARRAGE_TOKEN: TOKEN } },
  );
  assert.equal(untrusted.code, 1);
  assert.match(untrusted.stderr, /error CTRL_TLS_UNVERIFIED: .*UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  const r = await runCli(
    bins.controller,
    [
      'start',
      '--controller',
      origin,
      '--ca',
      p('ca.pem'),
      '--scenario',
      p('remote.yaml'),
      '--target',
      target.url,
      '--out',
      p('remote.json'),
    ],
    { env: { BARRAGE_TOKEN: TOKEN } },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /run \S+: https:\/\/127\.0\.0\.1:\d+\/api\/v1\/runs\//);
  const s = JSON.parse(readFileSync(p('remote.json'), 'utf8')) as Summary;
  assert.equal(s.totals.requests, 200);
  assert.equal(s.totals.requests, (await target.stats()).total);
});

test('TLS flags are checked where they enter, with coded errors', { skip }, async () => {
  const cases: Array<[string, string[], RegExp]> = [
    [
      'cert without key',
      ['controller', 'start', '--scenario', 'health-100', '--tls-cert', p('server.pem')],
      /error CTRL_TLS_INVALID: --tls-cert and --tls-key go together/,
    ],
    [
      'unreadable',
      [
        'controller',
        'serve',
        '--port',
        '0',
        '--db',
        p('flags.db'),
        '--tls-cert',
        p('missing.pem'),
        '--tls-key',
        p('server.key'),
      ],
      /error CTRL_TLS_INVALID: cannot read --tls-cert/,
    ],
    [
      'key of another certificate',
      [
        'controller',
        'serve',
        '--port',
        '0',
        '--db',
        p('flags.db'),
        '--tls-cert',
        p('server.pem'),
        '--tls-key',
        p('other-ca.key'),
      ],
      /error CTRL_TLS_INVALID: .*not a usable PEM certificate and its key/,
    ],
    [
      '--ca on a plain controller URL',
      ['controller', 'start', '--scenario', 'health-100', '--controller', 'http://127.0.0.1:1', '--ca', p('ca.pem')],
      /error CTRL_TLS_INVALID: --ca needs an https:\/\//,
    ],
    [
      'agent --ca unreadable',
      ['agent', '--controller', 'wss://127.0.0.1:1', '--ca', p('missing.pem')],
      /"code":"AGENT_BAD_ARGUMENT".*--ca: cannot read/,
    ],
    [
      'agent --ca on ws://',
      ['agent', '--controller', 'ws://127.0.0.1:1', '--ca', p('ca.pem')],
      /"code":"AGENT_BAD_ARGUMENT".*--ca needs a wss:\/\/ controller URL/,
    ],
  ];
  for (const [what, [bin, ...args], expected] of cases) {
    const r = await runCli(bin === 'agent' ? bins.agent : bins.controller, args, {
      env: { BARRAGE_TOKEN: TOKEN },
      timeoutMs: 20_000,
    });
    assert.equal(r.code, 1, `${what}: ${r.stderr}`);
    assert.match(r.stderr, expected, what);
  }
});

test('local agents dial a name the certificate covers', { skip }, () => {
  const cert = (name: string) => new X509Certificate(readFileSync(p(`${name}.pem`)));
  assert.equal(localAgentUrl('wss://127.0.0.1:7400', '127.0.0.1', cert('server')), 'wss://127.0.0.1:7400');
  assert.equal(localAgentUrl('wss://127.0.0.1:7400', '127.0.0.1', cert('only-localhost')), 'wss://localhost:7400');
  assert.equal(localAgentUrl('wss://0.0.0.0:7400', '0.0.0.0', cert('server')), 'wss://127.0.0.1:7400');
  assert.equal(localAgentUrl('wss://[::]:7400', '::', cert('only-localhost')), 'wss://localhost:7400');
  assert.equal(localAgentUrl('wss://[::1]:7400', '::1', cert('server')), 'wss://localhost:7400');
  assert.equal(
    localAgentUrl('wss://10.1.2.3:7400', 'controller.example.test', cert('only-name')),
    'wss://controller.example.test:7400',
  );
  assert.equal(localAgentUrl('wss://0.0.0.0:7400', '0.0.0.0', cert('only-name')), 'wss://controller.example.test:7400');
});
