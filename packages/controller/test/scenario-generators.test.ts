// Generated values in a scenario: ${seq}, ${randomInt(a,b)} and the rest are
// accepted where a request is formed, refused where they cannot work (setup,
// the origin, upload fields), and a misspelled one gets a did-you-mean.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScenario } from '../src/scenario/read.ts';

const scenario = (path: string, extra = '') => `
name: gen
baseUrl: http://127.0.0.1:8080
${extra}
requests:
  - { name: a, method: POST, path: "${path}", headers: { x-id: "\${uuid}" }, json: { n: "\${randomInt(1,10)}", at: "\${now}" } }
scenarios:
  - { name: s, executor: shared-iterations, vus: 2, iterations: 4 }
`;

function problems(yaml: string): string {
  try {
    parseScenario(yaml, 'g.yaml');
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

test('every generator is accepted in a path, a header and a JSON body, with a seed', () => {
  assert.equal(
    problems(scenario('/items?i=${iteration}&v=${vu}&s=${seq}&r=${randomString(8)}&t=${nowMs}', 'seed: 42')),
    '',
  );
  assert.equal(problems(scenario('/items/${seq}', 'seed: run-a')), '');
});

test('a misspelled generator gets a did-you-mean; wrong arguments say what to write', () => {
  assert.match(problems(scenario('/x/${randInt(1,10)}')), /there is no generator randInt \(did you mean randomInt\?\)/);
  assert.match(
    problems(scenario('/x/${iteraton}')),
    /\$\{iteraton\} is not captured .* nor a generator \(did you mean iteration\?\)/,
  );
  assert.match(problems(scenario('/x/${randomInt(10,1)}')), /randomInt\(a,b\) needs a <= b/);
  assert.match(problems(scenario('/x/${randomString(5000)}')), /randomString\(n\) needs 1 <= n <= 1024/);
  assert.match(problems(scenario('/x/${randomInt(1)}')), /randomInt takes two whole numbers/);
  assert.match(problems(scenario('/x/${seq(3)}')), /seq takes no arguments/);
});

test('a generator cannot be used by a setup step, which runs once on the controller', () => {
  const yaml = `
name: gen
baseUrl: http://127.0.0.1:8080
setup:
  - { name: login, method: POST, path: "/login/\${seq}" }
requests:
  - { name: a, path: /a }
scenarios:
  - { name: s, executor: shared-iterations, vus: 1, iterations: 1 }
`;
  assert.match(problems(yaml), /\/setup\/0\/path: \$\{seq\} is generated per request by the agents/);
});
