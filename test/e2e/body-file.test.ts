// A bodyFile uploaded by 4 VUs of one agent process to a small node:http server
// in the test that counts and hashes every byte it receives: each request brings
// the file exactly (Content-Length, bytes, SHA-256), and the agent never holds
// it whole. That is shown by scale, not by an absolute figure: the same run with
// a 20 MB and with an 80 MB file, the agent's resident-memory growth (VmHWM, the
// kernel's own high-water mark, from /proc) must not follow the file. Held whole
// by 4 VUs at once, 60 MB more file would be 240 MB more memory. (Read buffers
// are garbage until V8 collects them, so the growth itself is tens of MB either
// way.) Nothing here depends on this machine's speed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, cliEnv, startCli } from '../helpers/processes.ts';

/** A figure of /proc/PID/status in bytes (Linux), or 0 once the process is gone. */
function procFigure(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

/** Uploads a `size`-byte file `uploads` times with 4 VUs of one agent; the agent's idle and peak memory. */
async function upload(t: TestContext, size: number, uploads: number): Promise<{ idle: number; peak: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-bodyfile-'));
  const content = randomBytes(size);
  const sha = createHash('sha256').update(content).digest('hex');
  writeFileSync(join(dir, 'big.bin'), content);
  const received: Array<{ length: string | undefined; type: string | undefined; bytes: number; sha: string }> = [];
  const srv = createServer((req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      hash.update(c);
    });
    req.on('end', () => {
      received.push({
        length: req.headers['content-length'],
        type: req.headers['content-type'],
        bytes,
        sha: hash.digest('hex'),
      });
      res.writeHead(201).end();
    });
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.after(() => srv.close());
  const file = join(dir, 'upload.yaml');
  writeFileSync(
    file,
    `
name: body-file
baseUrl: http://127.0.0.1:${(srv.address() as AddressInfo).port}
requests:
  - { name: upload, method: PUT, path: /objects/big.bin, bodyFile: big.bin, headers: { content-type: application/x-blob }, expect: [201] }
scenarios: [{ name: s, executor: shared-iterations, vus: 4, iterations: ${uploads} }]
`,
  );
  const token = randomBytes(16).toString('hex');
  const out = join(dir, 'summary.json');
  const controller = startCli(bins.controller, [
    'start',
    '--scenario',
    file,
    '--agents',
    '1',
    '--local-agents',
    '0',
    '--port',
    '0',
    '--token',
    token,
    '--out',
    out,
  ]);
  t.after(() => controller.kill());
  const [, url] = await controller.waitForStderr(/agent --controller (ws:\/\/\S+)/);
  const agent = spawn(process.execPath, [bins.agent, '--controller', url!, '--once', '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: cliEnv({ BARRAGE_TOKEN: token }),
  });
  const exited = once(agent, 'exit');
  await controller.waitForStderr(/agent\(s\) connected/);
  const idle = procFigure(agent.pid!, 'VmRSS');
  let peak = 0;
  const poll = setInterval(() => {
    peak = Math.max(peak, procFigure(agent.pid!, 'VmHWM'));
  }, 20);
  const [code] = (await exited) as [number | null];
  clearInterval(poll);
  assert.equal(code, 0);
  assert.equal(await controller.exited, 0, controller.stderr);
  const s = JSON.parse(readFileSync(out, 'utf8')) as Summary;
  assert.deepEqual(s.requests.upload!.status, { 201: uploads });
  assert.equal(s.totals.bytesSent, uploads * size, 'a file body has no framing: bytes sent are the file, each time');
  assert.equal(received.length, uploads);
  for (const r of received) assert.deepEqual(r, { length: String(size), type: 'application/x-blob', bytes: size, sha });
  assert.ok(idle > 0 && peak > 0, 'the agent was measured');
  t.diagnostic(
    `${mb(size)} x ${uploads}: agent idle RSS ${mb(idle)}, peak (VmHWM) ${mb(peak)}, growth ${mb(peak - idle)}`,
  );
  return { idle, peak };
}

test('a bodyFile arrives whole every time, and the agent memory does not grow with the file', {
  skip: process.platform !== 'linux',
}, async (t) => {
  const small = await upload(t, 20 * 1024 * 1024, 12);
  const large = await upload(t, 80 * 1024 * 1024, 8);
  const more = large.peak - large.idle - (small.peak - small.idle);
  t.diagnostic(`growth with an 80 MB file minus growth with a 20 MB one: ${mb(more)} (held whole by 4 VUs: +240 MB)`);
  assert.ok(more < 60 * 1024 * 1024, `the agent's memory followed the file: ${mb(more)} more for 60 MB more file`);
});
