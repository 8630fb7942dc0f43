// What one iteration's templates see: the flow variables its steps capture,
// then its VU's session captures, then the generated values (${vu},
// ${iteration}, ${seq}, ${uuid}, ${random…}, ${now}) computed from the
// iteration's global indexes when a request is formed, and the columns of the
// data rows it was given (${users.username}: data-rows.ts). Captures shadow
// generators, as run variables do.
import {
  type Clock,
  type Draw,
  type Generator,
  generatedValue,
  globalIteration,
  type PartIndexes,
  parseDataReference,
  parseGenerator,
  rowIteration,
  seededDraw,
  seqOf,
} from '@barrage/core';
import type { IterationRows, RunTable } from './data-rows.ts';

/** How a part of a scenario numbers its iterations and draws random values. */
export interface GenerationPlan {
  indexes: PartIndexes;
  /** Random generators: "" draws unseeded values. */
  seed: string;
  scenarioIndex: number;
  scenarioCount: number;
  /** The most steps of any entry of the scenario (${seq} leaves room for each). */
  maxSteps: number;
  /** The data sources this scenario reads, and where each row taken is counted. */
  tables?: readonly RunTable[];
  countRow?: (source: string) => void;
  clock: Clock;
}

/** Global indexes of one iteration (0-based), and the data rows it reads. */
export interface IterationIndex {
  vu: number;
  iteration: number;
  /** The iteration's dense index (core's rowIteration): unique, circular and random rows follow it. */
  row?: number;
  /** The user it acts for, whose perVU row it reads: its VU's identity (or session slot's); open models without one: the arrival. */
  user?: number;
  /** Each data source's row for this iteration (data-rows.ts). */
  data?: IterationRows;
}

// Template references are few and fixed per run: parse each once.
const parsed = new Map<string, Generator | null>();
const generatorOf = (name: string): Generator | undefined => {
  let g = parsed.get(name);
  if (g === undefined) {
    g = parseGenerator(name) ?? null;
    if (parsed.size < 10_000) parsed.set(name, g);
  }
  return g ?? undefined;
};

const unseeded: Draw = Math.random;

export class IterationScope extends Map<string, string> {
  private readonly plan: GenerationPlan;
  private readonly index: IterationIndex;
  private step = 0;
  private occurrence = 0;
  /** The VU's session captures (session.ts): looked up after the iteration's own, before generators. */
  private readonly parent: ReadonlyMap<string, string> | undefined;

  constructor(plan: GenerationPlan, index: IterationIndex, parent?: ReadonlyMap<string, string>) {
    super();
    this.plan = plan;
    this.index = index;
    this.parent = parent;
  }

  /** Step `i` of the iteration is being formed: ${seq} and random draws are keyed by it. */
  beginStep(i: number): void {
    this.step = i;
    this.occurrence = 0;
  }

  override get(name: string): string | undefined {
    const captured = super.get(name) ?? this.parent?.get(name);
    if (captured !== undefined) return captured;
    const g = generatorOf(name);
    if (g === undefined) return this.index.data === undefined ? undefined : this.dataValue(name);
    const p = this.plan;
    // Each reference of a request draws its own value; keyed, so a seeded run repeats it.
    const key = `${p.scenarioIndex}:${this.index.iteration}:${this.step}:${this.occurrence++}`;
    return generatedValue(g, {
      vu: this.index.vu,
      iteration: this.index.iteration,
      seq: seqOf(this.index.iteration, this.step, p.maxSteps, p.scenarioIndex, p.scenarioCount),
      nowMs: p.clock.now(),
      draw: p.seed === '' ? unseeded : seededDraw(p.seed, key),
    });
  }

  /** ${source.column} from the iteration's row of that source. */
  private dataValue(name: string): string | undefined {
    const ref = parseDataReference(name);
    const r = ref === undefined ? undefined : this.index.data?.get(ref.source);
    if (r === undefined) return undefined;
    const k = r.table.column.get(ref!.column);
    return k === undefined ? undefined : r.values[k];
  }
}

/** The global indexes of an iteration from its part's numbering (see core's global-index.ts). */
export function indexOf(
  plan: GenerationPlan,
  localVu: number,
  vuIteration: number,
  partIteration: number,
): IterationIndex {
  const ix = plan.indexes;
  const iteration = globalIteration(ix, localVu, vuIteration, partIteration);
  const row = rowIteration(ix, localVu, vuIteration, partIteration);
  // Open models have no VUs: each arrival is its own user (a session slot's arrivals act for the slot's: open-model.ts).
  const vu = ix.kind === 'open' ? iteration : ix.vuOffset + localVu;
  const user = ix.kind === 'open' ? iteration : (ix.identityOffset ?? ix.vuOffset) + localVu;
  return { vu, iteration, row, user };
}
