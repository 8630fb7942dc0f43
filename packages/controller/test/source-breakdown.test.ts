// Per-address counts of agents with --source-ips: the Hello's list bounded and
// checked, reports naming only declared addresses with counts that add up,
// merged once per report into the agent's totals, shown in the summary's form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barrage } from '@barrage/proto';
import {
  type AddressTotals,
  addBySource,
  bySourceJson,
  MAX_SOURCE_IPS,
  validateBySource,
  validateSourceIps,
} from '../src/merge/source-breakdown.ts';

const declared = ['10.9.0.1', '10.9.0.2'];
const report = (bySource: barrage.v1.AddressCount.$Properties[]) =>
  barrage.v1.Report.create({ runId: 'r', seq: 1, bySource });

test('Hello.source_ips: IP addresses, each once, bounded', () => {
  validateSourceIps([]);
  validateSourceIps(declared);
  validateSourceIps(['fd00::a']);
  const bad = (list: string[], re: RegExp) =>
    assert.throws(() => validateSourceIps(list), { code: 'CTRL_HELLO_INVALID', message: re });
  bad(['10.9.0.1', '10.9.0.1'], /twice/);
  bad(['example.com'], /no IP address/);
  bad(
    Array.from({ length: MAX_SOURCE_IPS + 1 }, (_, i) => `10.${i >> 8}.${i & 255}.1`),
    /1025 source addresses/,
  );
});

test('Report.by_source: declared addresses only, once each, statuses and errors adding up', () => {
  validateBySource(report([]), []);
  validateBySource(
    report([{ address: '10.9.0.1', requests: 5, errors: 1, status: [{ status: 200, count: 4 }] }]),
    declared,
  );
  const bad = (c: barrage.v1.AddressCount.$Properties[], re: RegExp) =>
    assert.throws(() => validateBySource(report(c), declared), { code: 'CTRL_REPORT_INVALID', message: re });
  bad([{ address: '10.9.0.9', requests: 1, status: [{ status: 200, count: 1 }] }], /undeclared source address/);
  bad(
    [
      { address: '10.9.0.1', requests: 1, status: [{ status: 200, count: 1 }] },
      { address: '10.9.0.1', requests: 1, status: [{ status: 200, count: 1 }] },
    ],
    /twice/,
  );
  bad([{ address: '10.9.0.1', requests: 3, status: [{ status: 200, count: 1 }] }], /do not add up/);
  bad([{ address: '10.9.0.1', requests: 1, status: [{ status: 42, count: 1 }] }], /status 42/);
  // An agent without a list reports none.
  assert.throws(() => validateBySource(report([{ address: '10.9.0.1', requests: 1, errors: 1 }]), []), /undeclared/);
});

test('merged per report; the summary lists every declared address in order', () => {
  const totals = new Map<string, AddressTotals>();
  addBySource(
    totals,
    report([
      {
        address: '10.9.0.2',
        requests: 40,
        status: [
          { status: 200, count: 30 },
          { status: 429, count: 10 },
        ],
      },
    ]),
  );
  addBySource(totals, report([{ address: '10.9.0.2', requests: 5, status: [{ status: 429, count: 5 }] }]));
  assert.deepEqual(bySourceJson(totals, declared), {
    '10.9.0.1': { requests: 0, errors: 0, status: {} },
    '10.9.0.2': { requests: 45, errors: 0, status: { 200: 30, 429: 15 } },
  });
});
