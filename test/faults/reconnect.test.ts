// Nothing lost, nothing counted twice across dropped links, placed exactly
// with an in-process controller: after a report was merged but before its ack
// arrived, and right after Ready (so the Start broadcast is missed).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemClock } from '@barrage/core';
import { inProcessCluster } from '../helpers/in-process-cluster.ts';
import { startTarget } from '../helpers/processes.ts';

const steady = `
name: steady
baseUrl: http://127.0.0.1:1
requests: [{ name: health, path: /health }]
scenarios: [{ name: s, executor: constant-vus, vus: 4, duration: 3s }]
`;

test('a link dropped before an ack: the report is resent and merged once', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  let faulted = false;
  const c = await inProcessCluster(steady, target.url, [systemClock, systemClock], {
    intercept: (session, env, deliver) => {
      if (!faulted && session.name === 'a1' && env.body === 'report' && env.report!.seq === 2) {
        faulted = true;
        const send = session.send.bind(session);
        session.send = () => {}; // the ack for #2 is lost ...
        deliver(); // ... after #2 was merged
        session.send = send;
        session.close(4001, 'fault injection');
        return;
      }
      deliver();
    },
  });
  t.after(() => c.close());
  const result = await c.run.execute();
  const seen = await target.stats();
  assert.ok(faulted, 'the fault was injected');
  assert.equal(result.status, 'passed', result.notes.join('; '));
  assert.equal(result.participants.find((p) => p.name === 'a1')!.disconnects, 1);
  assert.ok(result.aggregate.duplicates >= 1, 'report #2 came again and was not merged again');
  assert.equal(result.aggregate.total.requests, seen.total, 'nothing lost, nothing counted twice');
  assert.deepEqual(Object.fromEntries(result.aggregate.total.status), { 200: seen.routes['GET /health']!['200'] });
});

test('a link dropped right after Ready: the agent still gets Start and fires its share', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  let faulted = false;
  const c = await inProcessCluster(steady, target.url, [systemClock, systemClock], {
    intercept: (session, env, deliver) => {
      deliver();
      if (!faulted && session.name === 'a2' && env.body === 'ready') {
        faulted = true;
        // Dropped before the run can broadcast Start to it.
        session.close(4001, 'fault injection');
      }
    },
  });
  t.after(() => c.close());
  const result = await c.run.execute();
  const seen = await target.stats();
  assert.ok(faulted);
  assert.equal(result.status, 'passed', result.notes.join('; '));
  const a2 = result.participants.find((p) => p.name === 'a2')!;
  assert.ok(a2.startedAt > 0, 'a2 started');
  assert.ok((result.aggregate.agents.get(a2.id)?.requests ?? 0) > 0, 'a2 fired');
  assert.equal(result.aggregate.total.requests, seen.total);
});
