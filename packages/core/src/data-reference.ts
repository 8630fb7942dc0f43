// ${source.column}: a template's reference to a column of a data source's row
// (the row an iteration or VU was given: row-assignment.ts). The controller
// checks every reference against the sources it read; the agent looks the
// value up when a request is formed.

export interface DataReference {
  source: string;
  column: string;
}

const REF = /^([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$/;

/** The source and column `ref` names (`users.username`), or undefined when it is no data reference. */
export function parseDataReference(ref: string): DataReference | undefined {
  const m = REF.exec(ref);
  return m ? { source: m[1]!, column: m[2]! } : undefined;
}

/** A column name a template can reference: letters, digits and underscores, not starting with a digit. */
export const isReferableColumn = (column: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(column);
