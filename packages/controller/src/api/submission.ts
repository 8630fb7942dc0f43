// What POST /api/v1/runs turns into a runnable scenario: a built-in's name, a
// YAML/JSON text or the document itself; the target it replaces baseUrl with;
// and the only environment it may read. The same checks `controller start`
// makes before it begins, answered as 400s; admission (targets, caps) follows
// in the route, through the same admitScenario the CLI calls.
import { variablesIn } from '@barrage/core';
import { ControllerErrors } from '../errors.ts';
import { resolveEnv } from '../plan/setup.ts';
import { builtinScenarios, loadScenario, parseScenario, scenarioNotFound } from '../scenario/read.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { substitutedTexts } from '../scenario/templated-fields.ts';
import { isTargetUrl, usesPaths } from '../scenario/urls.ts';
import { validateScenario } from '../scenario/validate.ts';

/** The only environment variables a scenario submitted through the API may read. */
export const API_ENV_PREFIX = 'BARRAGE_TARGET_';

export interface Submission {
  scenario: Scenario;
  baseUrl: string | undefined;
  /** What the scenario's ${env:…} read: the controller's BARRAGE_TARGET_* variables, and the values the submission gave. */
  env: Record<string, string | undefined>;
}

export function submittedScenario(
  body: { scenario: string | object; target?: string; env?: Record<string, string> },
  processEnv: NodeJS.ProcessEnv = process.env,
): Submission {
  let scenario: Scenario;
  if (typeof body.scenario === 'object') scenario = validateScenario(body.scenario);
  else if (/^[a-z0-9-]+$/.test(body.scenario)) {
    // Built-ins only: a name must never reach the controller's own files.
    if (!builtinScenarios().includes(body.scenario)) throw scenarioNotFound(body.scenario);
    scenario = loadScenario(body.scenario);
  } else scenario = parseScenario(body.scenario, 'request body');
  if (body.target !== undefined && !isTargetUrl(body.target)) {
    throw new ControllerErrors.BAD_REQUEST(
      `target must be an http(s) URL without query or fragment, got ${body.target}`,
    );
  }
  const baseUrl = body.target ?? scenario.baseUrl;
  if (baseUrl === undefined && usesPaths(scenario)) {
    throw new ControllerErrors.BAD_REQUEST('the scenario has requests with a path but no baseUrl: give target');
  }
  // Whoever can post a run must not be able to read the rest of the controller's environment.
  const foreign = [
    ...new Set(
      substitutedTexts(scenario.source)
        .flatMap((t) => variablesIn(t))
        .filter((v) => v.startsWith('env:'))
        .map((v) => v.slice(4).split(':-')[0]!),
    ),
  ].filter((n) => !n.startsWith(API_ENV_PREFIX) && body.env?.[n] === undefined);
  if (foreign.length > 0)
    throw new ControllerErrors.SCENARIO_INVALID(
      `a scenario submitted through the API may only read \${env:${API_ENV_PREFIX}*} from the serving controller's environment; it reads ${foreign.join(', ')}: give ${foreign.length > 1 ? 'their values' : 'its value'} with the run instead (controller start --controller URL ${foreign.map((n) => `--set ${n}=…`).join(' ')}, or "env": {"${foreign[0]}": "…"} in POST /api/v1/runs)`,
    );
  // Values the submitter gave (`start --controller --set`) are theirs to give: any name, over the controller's.
  const env = {
    ...Object.fromEntries(Object.entries(processEnv).filter(([k]) => k.startsWith(API_ENV_PREFIX))),
    ...body.env,
  };
  try {
    resolveEnv(scenario, env);
  } catch (err) {
    throw whoseEnvironment(err as Error, scenario, env);
  }
  return { scenario, baseUrl, env };
}

/**
 * SCENARIO_ENV_MISSING as a run submitted from elsewhere (`start --controller`, a POST) needs
 * it: the variables are read where `controller serve` runs, not in the submitter's shell, which
 * is where a user looks first.
 */
function whoseEnvironment(err: Error, scenario: Scenario, env: Record<string, string | undefined>): Error {
  if ((err as { code?: string }).code !== ControllerErrors.SCENARIO_ENV_MISSING.code) return err;
  const missing = new Set<string>();
  for (const text of substitutedTexts(scenario.source))
    for (const ref of variablesIn(text)) {
      const m = /^env:([A-Za-z_][A-Za-z0-9_]*)(:-)?/.exec(ref);
      if (m !== null && m[2] === undefined && !env[m[1]!]) missing.add(m[1]!);
    }
  const names = [...missing].sort();
  const first = names[0] ?? `${API_ENV_PREFIX}NAME`;
  return new ControllerErrors.SCENARIO_ENV_MISSING(
    `${names.join(', ')}. This run was submitted to a serving controller, which reads \${env:…} from its own environment (where \`controller serve\` runs), not from the shell that submitted it: give the value with the run (controller start --controller URL --set ${first}=…, or "env" in POST /api/v1/runs), or set ${first}=… for the serve process and restart it, or give the scenario a default (\${env:${first}:-value})`,
  );
}
