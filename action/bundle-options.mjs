// esbuild options of the action and CLI bundles. action/build.mjs and the benchmark's
// --from-source build share them, so the benchmark measures the bundle that ships.
import path from 'node:path';

// Dependencies such as tunnel (used by @actions/http-client) are CommonJS and call require(),
// which an ES module bundle lacks unless it defines one.
const banner = "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);";

/** Returns the esbuild options of the bundles, with paths resolved from `repositoryRoot`. */
export function bundleOptions(repositoryRoot) {
  return {
    absWorkingDir: repositoryRoot,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    sourcemap: false,
    legalComments: 'eof',
    logLevel: 'warning',
    banner: { js: banner },
    // @actions/http-client pins undici 6 for the ProxyAgent of its OIDC token requests, which this
    // action never makes. Resolving it to the core's undici 7 keeps one copy in the bundle.
    alias: { undici: path.join(repositoryRoot, 'node_modules/undici') },
    // undici alone is about 1 MB unminified, and esbuild cannot drop its unused CommonJS modules.
    // Minifying keeps the action's bundle under 1 MB, and keepNames keeps function names in stack
    // traces.
    minify: true,
    keepNames: true,
  };
}
