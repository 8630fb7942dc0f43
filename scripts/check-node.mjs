// Plain JS on purpose: it must run (and explain) even on an old system Node.
// npm scripts put node_modules/.bin first on PATH, where the `node` package
// installs Node 24; if that install was skipped we end up here on Node 20.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `barrage needs Node >= 24, this is ${process.version}. Run "npm ci" (it installs Node 24 into node_modules/.bin) and use npm scripts or npx.`,
  );
  process.exit(1);
}
