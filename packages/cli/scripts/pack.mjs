// Packs the installable `barrage` package: `npm run pack:barrage [-- DIR]`
// writes barrage-VERSION.tgz to DIR (default: the working directory), for
// `npm install -g ./barrage-VERSION.tgz`. The workspace packages are not on any
// registry, so they travel inside the tarball (bundleDependencies: their
// package.json and runtime files, no tests), and with them their registry
// dependencies, as npm installs them here (npm takes a bundled package's
// dependencies to be in the bundle too). Only the `node` package (Node 24, a
// binary for the installing machine) is fetched by `npm install -g`. Plain JS,
// like the bin: it runs on any Node that runs npm.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..', '..');
const read = (file) => JSON.parse(readFileSync(join(root, file), 'utf8'));
/** The workspace packages the bundle carries, and what of each runs (beside package.json). */
const BUNDLED = {
  proto: ['src', 'barrage.proto'],
  core: ['src'],
  agent: ['src'],
  controller: ['src', 'scenarios'],
  'sample-target': ['src'],
};

const dest = resolve(process.argv[2] ?? '.');
const cli = read('packages/cli/package.json');
const stage = mkdtempSync(join(tmpdir(), 'barrage-pack-'));
try {
  const dependencies = { node: read('package.json').dependencies.node };
  for (const [name, parts] of Object.entries(BUNDLED)) {
    const pkg = read(`packages/${name}/package.json`);
    dependencies[pkg.name] = pkg.version;
    const into = join(stage, 'node_modules', '@barrage', name);
    mkdirSync(into, { recursive: true });
    writeFileSync(join(into, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    for (const part of parts) cpSync(join(root, 'packages', name, part), join(into, part), { recursive: true });
    for (const [dep, range] of Object.entries(pkg.dependencies ?? {}))
      dependencies[dep] = dep.startsWith('@barrage/') ? pkg.version : range;
  }
  // The registry dependencies first (npm would look for @barrage/* on the registry), then the bundle.
  const registry = Object.fromEntries(
    Object.entries(dependencies).filter(([d]) => !d.startsWith('@barrage/') && d !== 'node'),
  );
  const bundle = join(stage, 'node_modules', '@barrage');
  const aside = `${stage}-barrage`;
  cpSync(bundle, aside, { recursive: true });
  rmSync(join(stage, 'node_modules'), { recursive: true, force: true });
  writeFileSync(
    join(stage, 'package.json'),
    JSON.stringify({ name: 'barrage-stage', private: true, dependencies: registry }),
  );
  execFileSync(
    'npm',
    ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'],
    {
      cwd: stage,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  cpSync(aside, bundle, { recursive: true });
  rmSync(aside, { recursive: true, force: true });
  cpSync(join(root, 'packages', 'cli', 'src'), join(stage, 'src'), { recursive: true });
  cpSync(join(root, 'README.md'), join(stage, 'README.md'));
  cpSync(join(root, 'docs', 'cli.md'), join(stage, 'docs', 'cli.md'));
  const manifest = {
    name: 'barrage',
    version: cli.version,
    description: read('package.json').description,
    license: read('package.json').license,
    type: 'module',
    // npm itself is all the system Node runs; the programs run on the Node 24 of the `node` dependency.
    engines: { node: '>=18' },
    bin: { barrage: 'src/barrage.mjs' },
    dependencies: Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b))),
    bundleDependencies: Object.keys(dependencies)
      .filter((d) => d !== 'node')
      .sort(),
  };
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  mkdirSync(dest, { recursive: true });
  const out = execFileSync('npm', ['pack', '--pack-destination', dest, '--loglevel=error'], {
    cwd: stage,
    encoding: 'utf8',
  });
  process.stdout.write(`${join(dest, out.trim().split('\n').at(-1))}\n`);
} finally {
  if (process.env.BARRAGE_PACK_KEEP) process.stderr.write(`kept ${stage}\n`);
  else rmSync(stage, { recursive: true, force: true });
}
