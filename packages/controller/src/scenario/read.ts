// Reading scenarios: a built-in name or a YAML/JSON file, bounded in size and
// YAML aliases, then validated (validate.ts). A name nobody ships gets the
// nearest built-in; a syntax error gets FILE:LINE:COL and its line.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closestName } from '@barrage/core';
import { parse as parseYaml } from 'yaml';
import { ControllerErrors } from '../errors.ts';
import type { DataOrigin } from './data-sources.ts';
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

/** SCENARIO_NOT_FOUND for `ref`, with the built-in it is nearest to (a typo: helth-100) and the whole list. */
export function scenarioNotFound(ref: string): Error {
  const names = builtinScenarios();
  const near = closestName(ref.replace(/\.ya?ml$/, ''), names);
  const hint = near === undefined ? '' : `; did you mean ${near}?`;
  return new ControllerErrors.SCENARIO_NOT_FOUND(`${ref}${hint} (built-in: ${names.join(', ')}; or give a file path)`);
}

/** Resolves NAME|FILE to a validated scenario. Throws coded SCENARIO_* errors. */
export function loadScenario(ref: string): Scenario {
  const builtin = /^[a-z0-9-]+$/.test(ref) ? new URL(`${ref}.yaml`, BUILTIN_DIR) : undefined;
  const file = builtin && existsSync(builtin) ? builtin : ref;
  if (!existsSync(file)) throw scenarioNotFound(ref);
  if (statSync(file).size > MAX_SCENARIO_BYTES)
    throw new ControllerErrors.SCENARIO_PARSE(ref, `larger than ${MAX_SCENARIO_BYTES} bytes`);
  const text = readFileSync(file, 'utf8');
  // Data files are read beside the scenario file (a built-in's beside it, in scenarios/).
  return parseScenario(text, String(ref), { dir: dirname(file instanceof URL ? fileURLToPath(file) : resolve(file)) });
}

/** Parses YAML or JSON text (JSON is YAML) and validates it. */
export function parseScenario(text: string, label = 'scenario', origin: DataOrigin = {}): Scenario {
  if (Buffer.byteLength(text) > MAX_SCENARIO_BYTES)
    throw new ControllerErrors.SCENARIO_PARSE(label, `larger than ${MAX_SCENARIO_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 50, uniqueKeys: true, prettyErrors: false, logLevel: 'error' });
  } catch (err) {
    throw yamlError(err as Error, text, label);
  }
  return validateScenario(doc, origin);
}

/** What to write instead, for the YAML mistakes people make most (by the yaml package's error code). */
const YAML_HINTS: Record<string, string> = {
  TAB_AS_INDENT: 'indent with spaces',
  DUPLICATE_KEY: 'give each key once',
  BAD_INDENT: 'line it up with the keys it belongs with, using spaces',
  MISSING_CHAR: 'close every [ with ] and every { with }',
  BLOCK_AS_IMPLICIT_KEY: 'put a space after each colon and start nested keys on their own line',
  MULTILINE_IMPLICIT_KEY: 'put a space after each colon, or quote text that holds a colon',
};

/** SCENARIO_PARSE for a YAML (or JSON) syntax error: FILE:LINE:COL, what yaml said, then the line with a caret under the spot. */
function yamlError(err: Error, text: string, label: string): Error {
  const code = (err as { code?: string }).code ?? '';
  const first = err.message.split('\n')[0]!;
  const close = /end with an? ([\]}])/.exec(first)?.[1];
  const hint = close === undefined ? YAML_HINTS[code] : `close it with ${close} (or indent it under its key)`;
  const what = first + (hint ? `; ${hint}` : '');
  let offset = (err as { pos?: [number, number] }).pos?.[0];
  if (offset === undefined || offset < 0 || offset > text.length)
    return new ControllerErrors.SCENARIO_PARSE(label, what);
  // An error found at the end of the text (an unclosed bracket) is shown at the end of the last line written.
  if (text.slice(offset).trim() === '' && text.slice(0, offset).trim() !== '') offset = text.trimEnd().length;
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const end = text.indexOf('\n', start);
  const line = text.slice(start, end === -1 ? undefined : end).replace(/\r$/, '');
  const lineNo = text.slice(0, start).split('\n').length;
  const col = offset - start + 1;
  // The caret keeps the line's tabs, so it lands under the spot in a terminal too; long lines are cut.
  const shown = line.length > 160 ? `${line.slice(0, 160)}...` : line;
  const pad = line.slice(0, Math.min(col - 1, 160)).replace(/[^\t]/g, ' ');
  const gutter = ' '.repeat(String(lineNo).length);
  return new ControllerErrors.SCENARIO_PARSE(
    `${label}:${lineNo}:${col}`,
    `${what}\n ${lineNo} | ${shown}\n ${gutter} | ${pad}^`,
  );
}
