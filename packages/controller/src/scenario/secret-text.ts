// A secret the controller must hold (a TLS key, a key's passphrase) wrapped so
// that no accidental path shows it: JSON, util.inspect (pino, console) and
// string conversion print a mask. Only reveal() gives the text, for the plan.
import { inspect } from 'node:util';

const MASK = '[secret]';

export class SecretText {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The text itself: only for the wire plan sent to the agents. */
  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return MASK;
  }

  toString(): string {
    return MASK;
  }

  [inspect.custom](): string {
    return MASK;
  }
}
