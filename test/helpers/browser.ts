// Debian's chromium driven by playwright-core, for the browser tests. Skips
// (with the reason) where chromium is missing; screenshots go to the artifacts
// directory (BARRAGE_ARTIFACTS, default test-artifacts/ in the repository).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

const CHROMIUM = process.env.BARRAGE_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserUnavailable(): string | undefined {
  return existsSync(CHROMIUM)
    ? undefined
    : `no chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

export const artifactsDir =
  process.env.BARRAGE_ARTIFACTS ?? fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/** Where to save an artifact named `name` (the directory is made). */
export function artifact(name: string): string {
  mkdirSync(artifactsDir, { recursive: true });
  return join(artifactsDir, name);
}
