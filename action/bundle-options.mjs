// esbuild options of the action and CLI bundles and of the demo. action/build.mjs and the
// benchmark's --from-source build share them, so the benchmark measures the bundle that ships.
import path from 'node:path';

// The demo is an ES module. Dependencies such as undici are CommonJS and call require(), which
// an ES module bundle lacks unless it defines one.
const esmBanner = "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);";

/**
 * Returns the esbuild options of the bundles in action/dist, with paths resolved from
 * `repositoryRoot`. They are CommonJS files named `.cjs`: Node runs a `.cjs` file as CommonJS in
 * any folder, while a copy renamed to `.js` fails in a package whose package.json sets
 * `"type": "module"`. Node started the same CLI bundle 5 to 11 ms slower as an ES module (series
 * of 15 to 20 runs of `--help`, 2 vCPUs), as its ES module loader adds work to every start.
 */
export function bundleOptions(repositoryRoot) {
  return {
    absWorkingDir: repositoryRoot,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    target: 'node24',
    sourcemap: false,
    legalComments: 'eof',
    logLevel: 'warning',
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

/** Returns the esbuild options of the demo behind `npm start`, an ES module in build/. */
export function demoBundleOptions(repositoryRoot) {
  return { ...bundleOptions(repositoryRoot), format: 'esm', outExtension: {}, banner: { js: esmBanner } };
}
