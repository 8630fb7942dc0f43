// Faults around the edges of a run: an agent that vanishes before an abort,
// an agent sending implausible figures, a failed start with --once agents.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSummary } from '@barrage/controller';
import { systemClock } from '@barrage/core';
import { barrage } from '@barrage/proto';
import { inProcessCluster } from '../helpers/in-process-cluster.ts';
import { startTarget } from '../helpers/processes.ts';

// gracefulStop 5m: a run that waited for a vanished agent's final report would outlive the test timeout.
const long = `
name: long
baseUrl: http://127.0.0.1:1
requests: [{ name: health, path: /health }]
scenarios: [{ name: s, executor: constant-vus, vus: 4, duration: 60s, gracefulStop: 5m }]
`;

test('abort after an agent vanished: the run ends without waiting for it', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  let phase = 0;
  const c = await inProcessCluster(long, target.url, [systemClock, systemClock], {
    intercept: (session, env, deliver) => {
      deliver();
      if (env.body !== 'report') return;
      if (phase === 0 && session.name === 'a2' && env.report!.seq === 2) {
        phase = 1;
        c.agents[1]!.exit(0);
      } else if (phase === 1 && session.name === 'a1') {
        phase = 2;
        c.run.abort('test');
      }
    },
  });
  t.after(() => c.close());
  const result = await c.run.execute();
  assert.equal(result.status, 'aborted');
  assert.equal(result.participants.find((p) => p.name === 'a1')!.final, true);
  assert.equal(result.participants.find((p) => p.name === 'a2')!.final, false);
  assert.match(result.notes.join('\n'), /agent a2 .* sent no final report/);
  assert.ok(result.aggregate.total.requests <= (await target.stats()).total, 'never more than the target saw');
});

test('implausible figures from an agent are dropped, not trusted', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  let injected = false;
  const c = await inProcessCluster(
    `
name: short
baseUrl: http://127.0.0.1:1
requests: [{ name: health, path: /health }]
scenarios: [{ name: s, executor: constant-vus, vus: 2, duration: 2s }]
`,
    target.url,
    [systemClock, systemClock],
    {
      intercept: (session, env, deliver) => {
        if (env.body === 'finished' && session.name === 'a1') {
          env.finished!.endedAt = 1e20; // would make every date in the summary throw
          env.finished!.completedBeforeFirstRateLimited = [{ name: 'not-a-request', count: 7 }];
        }
        deliver();
        if (!injected && env.body === 'report' && session.name === 'a1') {
          injected = true;
          // A Ready after Start (hostile, or re-sent over a slow link) must not end the run.
          const ready = barrage.v1.Envelope.decode(
            barrage.v1.Envelope.encode({ ready: { runId: 'run-1', clockOffsetMs: 0, clockRttMs: 1e9 } }).finish(),
          );
          c.run.message(session, ready);
        }
      },
    },
  );
  t.after(() => c.close());
  const result = await c.run.execute();
  assert.ok(injected);
  assert.equal(result.status, 'passed', result.notes.join('; '));
  assert.ok(result.participants.every((p) => p.final));
  assert.equal(result.aggregate.total.requests, (await target.stats()).total);
  assert.match(result.notes.join('\n'), /agent a1: implausible figures in its Finished were dropped/);
  const summary = buildSummary('short', result);
  assert.ok(Date.parse(summary.run.endedAt) < Date.now() + 60_000);
});

test('a failed start lets --once agents exit cleanly at once', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const c = await inProcessCluster(long, target.url, [systemClock, systemClock], {
    once: true,
    readyTimeoutMs: 1_000,
    intercept: (session, env, deliver) => {
      if (!(session.name === 'a2' && env.body === 'ready')) deliver();
    },
  });
  t.after(() => c.close());
  await assert.rejects(c.run.execute(), { code: 'CTRL_AGENTS_NOT_READY' });
  assert.deepEqual(await Promise.all(c.agents.map((a) => a.done)), [0, 0], 'both agents left with exit code 0');
  assert.equal((await target.stats()).total, 0);
});
