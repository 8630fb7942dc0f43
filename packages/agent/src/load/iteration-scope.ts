// What one iteration's templates see: the flow variables its steps capture,
// and the generated values (${vu}, ${iteration}, ${seq}, ${uuid}, ${random…},
// ${now}) computed from the iteration's global indexes when a request is
// formed. Captures shadow generators, as run variables do.
import {
  type Clock,
  type Draw,
  type Generator,
  generatedValue,
  globalIteration,
  type PartIndexes,
  parseGenerator,
  seededDraw,
  seqOf,
} from '@barrage/core';

/** How a part of a scenario numbers its iterations and draws random values. */
export interface GenerationPlan {
  indexes: PartIndexes;
  /** Random generators: "" draws unseeded values. */
  seed: string;
  scenarioIndex: number;
  scenarioCount: number;
  /** The most steps of any entry of the scenario (${seq} leaves room for each). */
  maxSteps: number;
  clock: Clock;
}

/** Global indexes of one iteration (0-based). */
export interface IterationIndex {
  vu: number;
  iteration: number;
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

  constructor(plan: GenerationPlan, index: IterationIndex) {
    super();
    this.plan = plan;
    this.index = index;
  }

  /** Step `i` of the iteration is being formed: ${seq} and random draws are keyed by it. */
  beginStep(i: number): void {
    this.step = i;
    this.occurrence = 0;
  }

  override get(name: string): string | undefined {
    const captured = super.get(name);
    if (captured !== undefined) return captured;
    const g = generatorOf(name);
    if (g === undefined) return undefined;
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
  // Open models have no VUs: each arrival is its own user.
  return { vu: ix.kind === 'open' ? iteration : ix.vuOffset + localVu, iteration };
}
