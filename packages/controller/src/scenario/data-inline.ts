// A scenario file made ready to send to a serving controller: its data files
// read here and put inline (a CSV as csv:, a JSON array as rows:), because the
// controller reads no file for a scenario it is sent. A scenario without data
// files travels as written.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ControllerErrors } from '../errors.ts';
import { jsonErrorPlace } from './data-sources.ts';
import type { DataSourceInput, ScenarioInput } from './input.ts';

/** The scenario text as written, or, when it names data files, the document with them inline. */
export function withInlineData(text: string, file: string): string | ScenarioInput {
  let doc: ScenarioInput;
  try {
    doc = parseYaml(text, { maxAliasCount: 50, uniqueKeys: true, logLevel: 'error' }) as ScenarioInput;
  } catch {
    return text; // the controller reports the syntax error, with its line
  }
  const sources = doc?.data;
  if (sources === null || typeof sources !== 'object' || !Object.values(sources).some((d) => d?.file !== undefined))
    return text;
  for (const [name, d] of Object.entries(sources)) {
    if (d?.file === undefined) continue;
    const path = isAbsolute(d.file) ? d.file : resolve(dirname(file), d.file);
    let body: string;
    try {
      body = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ControllerErrors.SCENARIO_INVALID(
        `/data/${name}/file: cannot read ${d.file} (${(err as NodeJS.ErrnoException).code})`,
      );
    }
    if (/\.json$/i.test(d.file)) {
      try {
        d.rows = JSON.parse(body) as DataSourceInput['rows'];
      } catch (err) {
        throw new ControllerErrors.SCENARIO_INVALID(
          `/data/${name}/file: ${d.file} is not JSON${jsonErrorPlace(err, body)}`,
        );
      }
    } else d.csv = body;
    delete d.file;
  }
  return doc;
}
