// Nothing lost, nothing counted twice across a dropped link. Controller and
// agents run in this process over real sockets so the fault can be placed
// exactly: the controller merges report #2 of one agent, the ack is lost and
// the link is cut; the agent reconnects, resends #2 (and what it produced
// while away), and the controller merges #2 only once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import pino from 'pino';
import { Agent, systemClock } from '@barrage/agent';
import { parseScenario } from '@barrage/controller';
import type { barrage } from '@barrage/proto';
import { Cluster } from '../packages/controller/src/cluster.ts';
import { Run } from '../packages/controller/src/run.ts';
import type { AgentSession } from '../packages/controller/src/agent-session.ts';
import { startTarget } from './helpers/processes.ts';

const TOKEN = 'reconnect-test-token';

test('a link dropped before an ack: the report is resent and merged once', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const logger = pino({ level: 'silent' });
  const cluster = new Cluster({ host: '127.0.0.1', port: 0, token: TOKEN, clock: systemClock, logger });
  const { url } = await cluster.listen();
  const agents = ['a1', 'a2'].map((name) => new Agent({ controller: url, token: TOKEN, name, logger }));
  t.after(async () => { agents.forEach((a) => a.exit(0)); await cluster.close(); });
  for (const a of agents) a.start();
  while (cluster.agents.size < 2) await once(cluster, 'agent');

  const scenario = parseScenario(`
name: steady
baseUrl: http://127.0.0.1:1
requests: [{ name: health, path: /health }]
scenarios: [{ name: s, executor: constant-vus, vus: 4, duration: 3s }]
`);
  const run = new Run({ runId: 'run-1', scenario, baseUrl: target.url, vars: [], agents: [...cluster.agents.values()], cluster, clock: systemClock, logger });
  let faulted = false;
  const deliver = run.message.bind(run);
  run.message = (session: AgentSession, env: barrage.v1.Envelope) => {
    if (!faulted && session.name === 'a1' && env.body === 'report' && env.report!.seq === 2) {
      faulted = true;
      const send = session.send.bind(session);
      session.send = () => {}; // the ack for #2 is lost ...
      deliver(session, env);   // ... after #2 was merged
      session.send = send;
      session.close(4001, 'fault injection');
      return;
    }
    deliver(session, env);
  };

  const result = await run.execute();
  const seen = await target.stats();
  assert.ok(faulted, 'the fault was injected');
  assert.equal(result.status, 'passed', result.notes.join('; '));
  assert.equal(result.participants.find((p) => p.name === 'a1')!.disconnects, 1);
  assert.ok(result.aggregate.duplicates >= 1, 'report #2 came again and was not merged again');
  assert.equal(result.aggregate.total.requests, seen.total, 'nothing lost, nothing counted twice');
  assert.deepEqual(Object.fromEntries(result.aggregate.total.status), { 200: seen.routes['GET /health']!['200'] });
});
