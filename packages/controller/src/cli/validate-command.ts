// `controller validate FILE|NAME`: the checks `start` makes on a scenario
// before any agent is asked for (parse, schema, meaning, thresholds), without
// running it. A valid scenario gets one line saying what it would do; an
// invalid one its coded error. ${env:} values are not needed here (CI may
// validate without the secrets), only named.
import { variablesIn } from '@barrage/core';
import { loadScenario } from '../scenario/read.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { substitutedTexts } from '../scenario/templated-fields.ts';
import { humanMs } from './config.ts';
import { printError } from './error-output.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import { plannedLoadMs } from './progress-display.ts';

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** `scenario health-100 is valid: 1 load model (constant-vus), 1 request, 2 thresholds, 0 monitors, load 1 s`. */
export function validSummary(s: Scenario): string {
  const executors = [...new Set(s.scenarios.map((m) => m.executor))].join(', ');
  const env = [
    ...new Set(
      substitutedTexts(s.source)
        .flatMap((t) => variablesIn(t))
        .filter((v) => v.startsWith('env:'))
        .map((v) => v.slice(4).split(':-')[0]!),
    ),
  ].sort();
  return [
    `scenario ${s.name} is valid: ${plural(s.scenarios.length, 'load model')} (${executors})`,
    plural(s.requests.length, 'request'),
    plural(s.thresholds.length, 'threshold'),
    plural(s.monitors.length, 'monitor'),
    `load up to ${humanMs(plannedLoadMs(s))}`,
    ...(env.length > 0 ? [`reads \${env:} ${env.join(', ')}`] : []),
  ].join(', ');
}

export function validateCommand(ref: string): ExitCode {
  try {
    process.stdout.write(`${validSummary(loadScenario(ref))}\n`);
    return EXIT.passed;
  } catch (e) {
    printError(e);
    return EXIT.error;
  }
}
