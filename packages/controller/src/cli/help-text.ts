// The examples `--help` ends with, per command: what a newcomer types first.
// Kept apart from the flag declarations in main.ts so both stay readable.

export const PROGRAM_EXAMPLES = `
Examples:
  controller start --scenario health-100 --target http://127.0.0.1:8080
  controller validate my-test.yaml
  controller runs && controller report 3f2a9c1e --format html --out run.html

Exit codes: 0 passed, 99 a threshold failed, 1 an error (also Ctrl-C). Store: --db (docs/cli.md).
`;

const EXAMPLES: Record<string, readonly string[]> = {
  start: [
    'controller start --scenario health-100 --target http://127.0.0.1:8080',
    'controller start --scenario my-test.yaml --local-agents 3 --report r.md --report r.html',
    'controller start --scenario sessions-50 --set BARRAGE_TARGET_TOKEN=$TOKEN --report reports/',
    'controller start --scenario stress-100 --agents 3 --local-agents 0 --host 0.0.0.0 --port 7400',
    'controller start --scenario health-100 --controller http://127.0.0.1:7400',
  ],
  serve: [
    'controller serve --port 7400',
    'BARRAGE_TOKEN=$(openssl rand -hex 24) controller serve --host 0.0.0.0 --allow-target 10.0.0.0/8',
  ],
  runs: ['controller runs', 'controller runs --limit 5 --db runs.db'],
  report: ['controller report 3f2a9c1e', 'controller report 3f2a9c1e --format junit --out junit.xml'],
  validate: ['controller validate my-test.yaml', 'controller validate stress-100'],
  scenarios: ['controller scenarios'],
};

/** `--help`'s closing block for one command. */
export function examples(command: string): string {
  return `\nExamples:\n${(EXAMPLES[command] ?? []).map((e) => `  ${e}`).join('\n')}\n`;
}
