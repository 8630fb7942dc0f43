// Loaded with --import into every Node process `barrage` starts (NODE_OPTIONS,
// so local agents and worker threads get it too): Node strips TypeScript types
// itself, except under node_modules, which is where an installed barrage's
// packages live. This hook strips them there the same way (node:module's
// stripTypeScriptTypes, the same rules: erasable syntax only).
import { readFileSync } from 'node:fs';
import { registerHooks, stripTypeScriptTypes } from 'node:module';
import { fileURLToPath } from 'node:url';

// Its one-time "experimental" warning is ours to know, not the user's to read.
const emitWarning = process.emitWarning;
process.emitWarning = () => {};
stripTypeScriptTypes('');
process.emitWarning = emitWarning;

registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith('file:') && url.includes('/node_modules/') && /\.m?ts$/.test(new URL(url).pathname)) {
      const source = stripTypeScriptTypes(readFileSync(fileURLToPath(url), 'utf8'));
      return { format: 'module', source, shortCircuit: true };
    }
    return nextLoad(url, context);
  },
});
