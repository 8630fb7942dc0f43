// TLS to targets and host overrides, end to end with certificates made here by
// openssl: an https target signed by a test CA, one that also requires a client
// certificate (an encrypted key), real agents. With the right files every
// request is ok; without them each counts as errors.tls with its reason. `hosts`
// and `connectTo` send api.test.invalid to the test server (Host kept), and an
// override to a forbidden address is refused. No key or passphrase byte shows
// in output, summary or store.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, runCli } from '../helpers/processes.ts';

const skip = spawnSync('openssl', ['version']).error === undefined ? false : 'openssl is not installed';
const PASSPHRASE = 'pass-Zq7-never-shown';

/** A CA, a server certificate (127.0.0.1, api.test.invalid) and a client certificate with an encrypted key. */
function makePki(dir: string) {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const cnf = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return name;
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  const ca = cnf(
    'ca.cnf',
    '[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = ext\n[dn]\nCN = target test CA\n[ext]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n',
  );
  ssl('req', '-x509', ...ec, '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-config', ca);
  const req = cnf('req.cnf', '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = leaf\n');
  const sign = (name: string, ext: string, serial: string) =>
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-set_serial',
      serial,
      '-days',
      '2',
      '-out',
      `${name}.pem`,
      '-extfile',
      cnf(`${name}.ext`, ext),
    );
  ssl('req', '-new', ...ec, '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-config', req);
  sign('server', 'subjectAltName = IP:127.0.0.1,DNS:api.test.invalid\nextendedKeyUsage = serverAuth\n', '2');
  ssl(
    'req',
    '-new',
    ...ec,
    '-passout',
    `pass:${PASSPHRASE}`,
    '-keyout',
    'client.key',
    '-out',
    'client.csr',
    '-config',
    req,
  );
  sign('client', 'extendedKeyUsage = clientAuth\n', '3');
  return (name: string) => readFileSync(join(dir, name));
}

/** An https server counting requests and the Host headers it saw. */
async function target(file: (n: string) => Buffer, clientCert: boolean) {
  const hosts: string[] = [];
  const server = createServer(
    {
      key: file('server.key'),
      cert: file('server.pem'),
      ...(clientCert ? { ca: file('ca.pem'), requestCert: true, rejectUnauthorized: true } : {}),
    },
    (req, res) => {
      hosts.push(req.headers.host ?? '');
      res.end('ok');
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, hosts, close: () => server.close() };
}

const scenario = (base: string, extra: string) => `
name: target-tls
baseUrl: ${base}
${extra}
requests:
  - { name: get, path: /x }
scenarios:
  - { name: burst, executor: shared-iterations, vus: 2, iterations: 20 }
`;

async function run(dir: string, name: string, text: string, args: string[] = []) {
  writeFileSync(join(dir, `${name}.yaml`), text);
  const out = join(dir, `${name}.json`);
  const db = join(dir, `${name}.db`);
  const r = await runCli(
    bins.controller,
    ['start', '--scenario', join(dir, `${name}.yaml`), '--local-agents', '1', '--out', out, '--db', db, ...args],
    { env: { TARGET_KEY_PASS: PASSPHRASE } },
  );
  let s: Summary | undefined;
  try {
    s = JSON.parse(readFileSync(out, 'utf8')) as Summary;
  } catch {
    s = undefined;
  }
  return {
    ...r,
    s,
    bytes: () => Buffer.concat([Buffer.from(r.stdout + r.stderr), readFileSync(out), readFileSync(db)]),
  };
}

test('a target signed by a test CA: ok with tls.ca, errors.tls with its reason without', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-target-tls-'));
  const file = makePki(dir);
  const a = await target(file, false);
  t.after(() => a.close());
  const base = `https://127.0.0.1:${a.port}`;
  const good = await run(dir, 'ca', scenario(base, 'tls: { ca: ca.pem }'));
  assert.equal(good.code, 0, good.stderr);
  assert.equal(good.s!.totals.ok, 20);
  assert.equal(a.hosts.length, 20);
  const bad = await run(dir, 'no-ca', scenario(base, ''));
  const e = bad.s!.requests.get!;
  assert.equal(e.errors.tls, 20, bad.stderr);
  assert.equal(e.ok, 0);
  assert.deepEqual(Object.keys(e.tlsReasons ?? {}), ['UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
  assert.equal(a.hosts.length, 20, 'nothing reached the target without trust');
  assert.match(bad.stdout + bad.stderr, /tls:20\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
  const insecure = await run(dir, 'insecure', scenario(base, 'tls: { insecureSkipVerify: true }'));
  assert.equal(insecure.s!.totals.ok, 20);
  assert.ok(
    insecure.s!.run.notes.some((n) => /NOT verified/.test(n)),
    JSON.stringify(insecure.s!.run.notes),
  );
});

test('a target requiring a client certificate: ok with cert+key+passphrase, tls failure without; no secret shown', {
  skip,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-target-mtls-'));
  const file = makePki(dir);
  const b = await target(file, true);
  t.after(() => b.close());
  const base = `https://127.0.0.1:${b.port}`;
  const good = await run(
    dir,
    'mtls',
    scenario(base, 'tls: { ca: ca.pem, cert: client.pem, key: client.key, passphrase: "${env:TARGET_KEY_PASS}" }'),
  );
  assert.equal(good.code, 0, good.stderr);
  assert.equal(good.s!.totals.ok, 20);
  const literal = await run(
    dir,
    'mtls-literal',
    scenario(base, `tls: { ca: ca.pem, cert: client.pem, key: client.key, passphrase: "${PASSPHRASE}" }`),
  );
  assert.equal(literal.s!.totals.ok, 20, literal.stderr);
  const keyBody = file('client.key').toString().split('\n')[1]!;
  for (const r of [good, literal]) {
    const bytes = r.bytes();
    assert.ok(!bytes.includes(keyBody), 'no key material in output, summary or store');
    assert.ok(!bytes.includes(PASSPHRASE), 'no passphrase in output, summary or store');
  }
  const bad = await run(dir, 'no-cert', scenario(base, 'tls: { ca: ca.pem }'));
  const e = bad.s!.requests.get!;
  assert.equal(e.errors.tls, 20, bad.stderr);
  assert.match(Object.keys(e.tlsReasons ?? {}).join(), /CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE/);
  const wrong = await run(
    dir,
    'bad-pass',
    scenario(base, 'tls: { ca: ca.pem, cert: client.pem, key: client.key, passphrase: wrong-one }'),
  );
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /\/tls: the key does not decrypt with the passphrase/);
});

test('hosts and connectTo reach the test server with Host kept; an override to a forbidden address is refused', {
  skip,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-hosts-'));
  const file = makePki(dir);
  const a = await target(file, false);
  t.after(() => a.close());
  const hosts = await run(
    dir,
    'hosts',
    scenario(`https://api.test.invalid:${a.port}`, 'tls: { ca: ca.pem }\nhosts: { api.test.invalid: 127.0.0.1 }'),
    ['--allow-target', '127.0.0.1'],
  );
  assert.equal(hosts.code, 0, hosts.stderr);
  assert.equal(hosts.s!.totals.ok, 20);
  assert.deepEqual(new Set(a.hosts), new Set([`api.test.invalid:${a.port}`]), 'the Host header is the URL host');
  const moved = await run(
    dir,
    'connect-to',
    scenario(
      'https://api.test.invalid',
      `tls: { ca: ca.pem }\nconnectTo: { "api.test.invalid:443": "127.0.0.1:${a.port}" }`,
    ),
  );
  assert.equal(moved.s!.totals.ok, 20, moved.stderr);
  assert.ok(a.hosts.slice(20).every((h) => h === 'api.test.invalid'));
  const forbidden = await run(
    dir,
    'forbidden',
    scenario(`https://api.test.invalid:${a.port}`, 'hosts: { api.test.invalid: 10.0.0.5 }'),
    ['--allow-target', '127.0.0.1', '--allow-target', 'api.test.invalid'],
  );
  assert.equal(forbidden.code, 1);
  assert.match(forbidden.stderr, /TARGET_NOT_ALLOWED.*api\.test\.invalid is overridden to 10\.0\.0\.5/);
  const metadata = await run(
    dir,
    'metadata',
    scenario(`https://api.test.invalid:${a.port}`, 'hosts: { api.test.invalid: 169.254.169.254 }'),
  );
  assert.equal(metadata.code, 1);
  assert.match(metadata.stderr, /link-local or cloud metadata/);
  assert.equal(a.hosts.length, 40, 'the refused runs sent nothing');
});
