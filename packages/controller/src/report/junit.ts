// JUnit XML for CI systems: one test case per threshold (a failure when it
// failed, its measured value printed by core's units.ts), and one for the run
// itself, an error when the run was aborted or degraded (a lost agent,
// rejected reports), ended in error or was interrupted (with why). Pure.
import { formatThresholdValue } from '@barrage/core';
import type { Summary } from '../results/summary.ts';

const xml = (s: string) =>
  s
    .replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)
    // Characters XML 1.0 cannot carry at all.
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');

export function junitReport(s: Summary): string {
  const r = s.run;
  const seconds = (r.activeWindowMs / 1000).toFixed(3);
  const suite = xml(r.scenario);
  const cases: string[] = [];
  for (const t of s.thresholds) {
    const name = `${t.expr}${t.scope === 'all' ? '' : ` [${t.scope}]`}`;
    const value = t.value === null || Number.isNaN(t.value) ? 'no value' : formatThresholdValue(t.expr, t.value);
    cases.push(
      `    <testcase classname="barrage.${suite}.${xml(t.scope)}" name="${xml(name)}" time="0">` +
        (t.ok
          ? ''
          : `\n      <failure type="threshold" message="${xml(`${t.expr} failed: measured ${value}`)}">${xml(`${t.expr} (${t.scope}): measured ${value}`)}</failure>\n    `) +
        '</testcase>',
    );
  }
  const runError =
    r.status === 'aborted' || r.status === 'degraded' || r.status === 'interrupted' || r.status === 'error';
  const why = [...(r.error === undefined ? [] : [r.error]), ...r.notes];
  cases.push(
    `    <testcase classname="barrage.${suite}" name="run" time="${seconds}">` +
      (runError
        ? `\n      <error type="${r.status}" message="${xml(r.error === undefined ? `run ${r.status}` : `run ${r.status}: ${r.error}`)}">${xml(why.join('\n') || `run ${r.status}`)}</error>\n    `
        : '') +
      '</testcase>',
  );
  const failures = s.thresholds.filter((t) => !t.ok).length;
  const errors = runError ? 1 : 0;
  const props = [
    ['run', r.id],
    ['status', r.status],
    ['agents', String(r.agents.length)],
    ['requests', String(s.totals.requests)],
    ['startSkewMs', String(r.startSkewMs)],
  ]
    .map(([k, v]) => `      <property name="${k}" value="${xml(v!)}"/>`)
    .join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="barrage" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${seconds}">`,
    `  <testsuite name="${suite}" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${seconds}" timestamp="${xml(r.startedAt)}">`,
    '    <properties>',
    props,
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
