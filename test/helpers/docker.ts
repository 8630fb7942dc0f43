// Docker for the container suites (test/system/containers.test.ts, compose.test.ts): whether an
// engine, the offline Node 24 base image and (for Compose) Debian's docker-compose are here,
// and the barrage image built from deploy/docker/Dockerfile. No image registry is reachable,
// so the base image is made locally by deploy/docker/make-base-image.sh; .ci/run installs
// docker.io and docker-compose, starts dockerd and makes the base, then sets REQUIRE_DOCKER=1
// so that a skip there is a failure.
import { execFile } from 'node:child_process';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const BASE_IMAGE = process.env.BARRAGE_BASE_IMAGE ?? 'barrage-base:node24';

/** GET `path` on the Docker engine's API; the status code, or an Error. */
function engineGet(path: string): Promise<number | Error> {
  const host = process.env.DOCKER_HOST;
  const where =
    host === undefined || host.startsWith('unix://')
      ? { socketPath: host?.slice('unix://'.length) ?? '/var/run/docker.sock' }
      : (() => {
          const u = new URL(host.replace(/^tcp:/, 'http:'));
          return { host: u.hostname, port: Number(u.port) };
        })();
  return new Promise((resolve) => {
    const req = get({ ...where, path, timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => resolve(e));
  });
}

/** `docker-compose version`'s first line, or why it cannot be run. */
function composeVersion(): Promise<{ version: string } | { error: string }> {
  return new Promise((resolve) => {
    execFile('docker-compose', ['version', '--short'], { timeout: 30_000 }, (err, stdout) =>
      resolve(err ? { error: err.message } : { version: stdout.trim() }),
    );
  });
}

/**
 * Why the container tests cannot run here, or false. With `compose`, Debian's `docker-compose`
 * must be installed too. Under REQUIRE_DOCKER=1 a reason is thrown instead: CI must run them.
 */
export async function dockerUnavailable(opts: { compose?: boolean } = {}): Promise<string | false> {
  const reason = await whyNot(opts);
  if (reason !== false && process.env.REQUIRE_DOCKER === '1') throw new Error(`REQUIRE_DOCKER=1 but ${reason}`);
  return reason;
}

async function whyNot(opts: { compose?: boolean }): Promise<string | false> {
  const ping = await engineGet('/_ping');
  if (ping instanceof Error || ping !== 200) {
    return `no Docker engine reachable (${ping instanceof Error ? ping.message : `/_ping answered ${ping}`}); as root, .ci/run installs docker.io and starts dockerd`;
  }
  const base = await engineGet(`/images/${encodeURIComponent(BASE_IMAGE)}/json`);
  if (base !== 200)
    return `base image ${BASE_IMAGE} not present (no registry to pull from): run deploy/docker/make-base-image.sh`;
  if (opts.compose === true) {
    const v = await composeVersion();
    if ('error' in v)
      return `docker-compose cannot be run (${v.error}); as root, .ci/run installs Debian's docker-compose`;
  }
  return false;
}

/** Builds deploy/docker/Dockerfile on the local base image as `tag` (layers cached by the engine). */
export async function buildImage(tag: string): Promise<void> {
  const { GenericContainer } = await import('testcontainers');
  await GenericContainer.fromDockerfile(repoRoot, 'deploy/docker/Dockerfile')
    .withBuildArgs({ BASE: BASE_IMAGE })
    .build(tag, { deleteOnExit: false });
}
