// Reading scenarios: a built-in name or a YAML/JSON file, bounded in size and
// YAML aliases, then validated (validate.ts).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ControllerErrors } from '../errors.ts';
import type { Scenario } from './scenario.ts';
import { validateScenario } from './validate.ts';

const MAX_SCENARIO_BYTES = 1024 * 1024;
const BUILTIN_DIR = new URL('../../scenarios/', import.meta.url);

/** Built-in scenario names, from the files shipped in scenarios/. */
export function builtinScenarios(): string[] {
  return readdirSync(BUILTIN_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Resolves NAME|FILE to a validated scenario. Throws coded SCENARIO_* errors. */
export function loadScenario(ref: string): Scenario {
  const builtin = /^[a-z0-9-]+$/.test(ref) ? new URL(`${ref}.yaml`, BUILTIN_DIR) : undefined;
  const file = builtin && existsSync(builtin) ? builtin : ref;
  if (!existsSync(file))
    throw new ControllerErrors.SCENARIO_NOT_FOUND(`${ref} (built-in: ${builtinScenarios().join(', ')})`);
  if (statSync(file).size > MAX_SCENARIO_BYTES)
    throw new ControllerErrors.SCENARIO_PARSE(ref, `larger than ${MAX_SCENARIO_BYTES} bytes`);
  const text = readFileSync(file, 'utf8');
  return parseScenario(text, String(ref));
}

/** Parses YAML or JSON text (JSON is YAML) and validates it. */
export function parseScenario(text: string, label = 'scenario'): Scenario {
  if (Buffer.byteLength(text) > MAX_SCENARIO_BYTES)
    throw new ControllerErrors.SCENARIO_PARSE(label, `larger than ${MAX_SCENARIO_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 50, uniqueKeys: true, prettyErrors: false, logLevel: 'error' });
  } catch (err) {
    throw new ControllerErrors.SCENARIO_PARSE(label, (err as Error).message.split('\n')[0]!);
  }
  return validateScenario(doc);
}
