// Unique rows survive an agent loss: three agent processes fire 500 logins at
// 50/s, each with its own row of a 500-row unique source, and one agent is
// killed with SIGKILL mid-run under onAgentLoss: rebalance. The others take
// over its arrivals still to come, with the same global indexes and so the
// same rows: the target (which counts per user) sees no user twice, and the
// summary reports the rows used per agent and the rows nobody used (those the
// lost agent had when it died, and those it fired but never reported).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildSummary } from '@barrage/controller';
import { clusterWithAgentProcesses } from '../helpers/in-process-cluster.ts';
import { startTarget } from '../helpers/processes.ts';

const USERS_CSV = fileURLToPath(new URL('../../packages/controller/scenarios/data/users-500.csv', import.meta.url));
const indent = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');

const scenario = `
name: unique-rebalance
baseUrl: http://127.0.0.1:1
onAgentLoss: rebalance
agentTimeout: 2s
interval: 1s
data:
  users:
    mode: unique
    secret: [password]
    csv: |
${indent(readFileSync(USERS_CSV, 'utf8'))}
requests:
  - name: login
    method: POST
    path: /api/auth/login
    json: { username: '\${users.username}', password: '\${users.password}' }
    expect: [200]
scenarios: [{ name: logins, executor: constant-arrival-rate, rate: 50, duration: 10s }]
`;

test('rebalance with unique rows: an agent killed mid-run, no row used twice, the unused ones reported', async (t) => {
  const target = await startTarget(['--api-limit', '100000']);
  t.after(() => target.stop());
  let killedAt = 0;
  const c = await clusterWithAgentProcesses(scenario, target.url, 3, {
    onProgress: (run) => {
      if (killedAt > 0 || run.completeInterval < 2) return;
      killedAt = Date.now();
      c.children[2]!.kill('SIGKILL');
    },
  });
  t.after(() => c.close());
  const result = await c.run.execute();
  assert.ok(killedAt > 0, 'the agent was killed');
  const p3 = result.participants.find((p) => p.name === 'p3')!;
  assert.deepEqual([...p3.lost!.takenBy].sort(), ['p1', 'p2'], 'the others took its arrivals over');
  const users = ((await target.stats()) as { users: Record<string, { logins: number }> }).users;
  const twice = Object.entries(users).filter(([, u]) => u.logins !== 1);
  assert.deepEqual(twice, [], 'no user logged in twice');
  const s = buildSummary('unique-rebalance', result, [], { data: [{ name: 'users', mode: 'unique', rows: 500 }] });
  const d = s.data!.users!;
  const seen = Object.keys(users).length;
  assert.equal(d.used, result.aggregate.total.requests, 'one row per login barrage counted');
  assert.ok(d.used <= seen, `rows reported used (${d.used}) <= users the target saw (${seen})`);
  assert.equal(d.unused, 500 - d.used);
  assert.ok(d.unused! > 0, 'the arrivals between the loss and the takeover used no row');
  assert.equal(
    Object.values(d.byAgent).reduce((a, b) => a + b, 0),
    d.used,
  );
  assert.ok((d.byAgent.p3 ?? 0) > 0, 'p3 used rows before it died, and its reports of them count');
  t.diagnostic(
    `target saw ${seen} users once each; barrage: used ${d.used} (${JSON.stringify(d.byAgent)}), unused ${d.unused}; p3 taken over from +${((p3.lost!.takenFrom - result.plannedStartAt) / 1000).toFixed(1)} s`,
  );
});
