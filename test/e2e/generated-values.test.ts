// Generated values across real agent processes: shared-iterations, 300
// iterations over 3 local agents, each request carrying ${iteration}, ${seq}
// and ${vu} in its query and a header. A tiny HTTP server records what it
// received: every iteration 0..299 exactly once, 300 distinct ${seq}, exactly
// `vus` distinct ${vu}; and a seeded run gives the same ${randomInt} for each
// global iteration again, on 2 agents of 2 worker threads as on 3 agents.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bins, runCli } from '../helpers/processes.ts';

const VUS = 6;
const scenario = `
name: generated-values
baseUrl: http://127.0.0.1:1
seed: 1234
requests:
  - name: rec
    path: "/rec?it=\${iteration}&vu=\${vu}&seq=\${seq}&r=\${randomInt(1,1000000000)}"
    headers: { x-seq: "\${seq}", x-id: "\${uuid}" }
scenarios:
  - { name: burst, executor: shared-iterations, vus: ${VUS}, iterations: 300 }
`;

interface Seen {
  it: string;
  vu: string;
  seq: string;
  r: string;
  headerSeq: string;
  id: string;
}

async function recorder() {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    seen.push({
      it: q.get('it') ?? '',
      vu: q.get('vu') ?? '',
      seq: q.get('seq') ?? '',
      r: q.get('r') ?? '',
      headerSeq: String(req.headers['x-seq']),
      id: String(req.headers['x-id']),
    });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => server.close() };
}

async function run(agents: number, workers = 1): Promise<Seen[]> {
  const target = await recorder();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'barrage-gen-'));
    writeFileSync(join(dir, 'g.yaml'), scenario);
    const r = await runCli(bins.controller, [
      'start',
      '--scenario',
      join(dir, 'g.yaml'),
      '--target',
      target.url,
      '--local-agents',
      String(agents),
      '--agent-workers',
      String(workers),
    ]);
    assert.equal(r.code, 0, r.stderr);
    return target.seen;
  } finally {
    target.close();
  }
}

test('3 agents: 300 distinct iterations 0..299, 300 distinct seq, exactly vus distinct vu; a seed repeats randomInt on 2x2 workers', async () => {
  const three = await run(3);
  assert.equal(three.length, 300);
  assert.deepEqual(
    three.map((s) => Number(s.it)).sort((a, b) => a - b),
    Array.from({ length: 300 }, (_, i) => i),
  );
  assert.equal(new Set(three.map((s) => s.seq)).size, 300);
  for (const s of three) assert.equal(s.headerSeq, s.seq, 'one request, one seq in its query and header');
  assert.deepEqual(
    [...new Set(three.map((s) => Number(s.vu)))].sort((a, b) => a - b),
    Array.from({ length: VUS }, (_, i) => i + 1),
  );
  assert.equal(new Set(three.map((s) => s.id)).size, 300, 'a uuid per request');

  const byIteration = (seen: Seen[]) => new Map(seen.map((s) => [s.it, s.r]));
  const first = byIteration(three);
  assert.ok(new Set(first.values()).size > 250, 'randomInt draws differ between iterations');
  // 2 agents of 2 worker threads each: the same global numbering, split another way.
  const again = await run(2, 2);
  assert.equal(again.length, 300);
  assert.equal(new Set(again.map((s) => s.seq)).size, 300);
  assert.deepEqual(
    [...new Set(again.map((s) => Number(s.vu)))].sort((a, b) => a - b),
    Array.from({ length: VUS }, (_, i) => i + 1),
  );
  assert.deepEqual(byIteration(again), first, 'the same seed gives the same value for each global iteration');
});
