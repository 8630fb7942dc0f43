// What `--version` prints: the version of each barrage package this controller
// runs with, read from their package.json files (as installed: in the
// repository's workspaces or bundled in the `barrage` package), and the agent
// protocol version, which decides who can talk to whom.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTOCOL_VERSION } from '@barrage/proto';

/** The version in the nearest package.json above `file` that is named `name`. */
function versionAbove(file: string, name: string): string {
  for (let dir = dirname(file); dirname(dir) !== dir; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version ?? '?';
    } catch {
      /* no package.json here: keep climbing */
    }
  }
  return '?';
}

const packageVersion = (name: string) => versionAbove(fileURLToPath(import.meta.resolve(name)), name);

/** `controller 0.1.0 (agent 0.1.0, core 0.1.0, proto 0.1.0; protocol v1)`. */
export function versionLine(): string {
  const controller = versionAbove(fileURLToPath(import.meta.url), '@barrage/controller');
  const others = ['agent', 'core', 'proto'].map((p) => `${p} ${packageVersion(`@barrage/${p}`)}`).join(', ');
  return `controller ${controller} (${others}; protocol v${PROTOCOL_VERSION})`;
}
