// The architecture as rules (README, "Architecture"): platform → domain → oidc → web → flows → composition root.
// Lower layers never import higher ones, domain code never touches Koa, flows never import each other, and only
// src/oidc/internals.ts reaches into oidc-provider beyond its public API. `npm test` runs these (test/architecture.test.ts).
const LAYERS = {
  platform: '^src/platform/',
  domain: '^src/domain/',
  oidc: '^src/oidc/',
  web: '^src/web/',
  flows: '^src/flows/',
  top: '^src/(server|main)\\.ts$|^src/cli/',
};

/** A rule: files in `from` may not import files in any of `layers`. */
const below = (name, from, layers, comment) => ({
  name,
  severity: 'error',
  comment,
  from: { path: LAYERS[from] },
  to: { path: layers.map((l) => LAYERS[l]).join('|') },
});

module.exports = {
  forbidden: [
    below(
      'platform-is-the-bottom',
      'platform',
      ['domain', 'oidc', 'web', 'flows', 'top'],
      'platform/ knows nothing of what is built on it',
    ),
    below(
      'domain-below-oidc-web-flows',
      'domain',
      ['oidc', 'web', 'flows', 'top'],
      'domain/ is plain data in, plain data out',
    ),
    below(
      'oidc-below-web-flows',
      'oidc',
      ['web', 'flows', 'top'],
      'the provider wiring does not draw pages: pages are handed to it',
    ),
    below('web-below-flows', 'web', ['flows', 'top'], 'web/ is what every flow shares; it knows no flow'),
    below(
      'flows-below-the-root',
      'flows',
      ['top'],
      'flows get their services from the composition root, never import it',
    ),
    {
      name: 'flows-never-import-each-other',
      severity: 'error',
      comment: 'a flow is one folder; what two flows share belongs to web/ or domain/ (flows/index.ts lists them all)',
      from: { path: '^src/flows/([^/]+)/' },
      to: { path: '^src/flows/', pathNot: ['^src/flows/$1/'] },
    },
    {
      name: 'no-koa-below-web',
      severity: 'error',
      comment:
        'Koa contexts live in routes (web/ and flows/) and in the provider wiring, never in platform/ or domain/',
      from: { path: `${LAYERS.platform}|${LAYERS.domain}` },
      to: { path: '^node_modules/(koa|koa-[a-z-]+|@koa/[a-z-]+)/' },
    },
    {
      name: 'oidc-provider-internals-in-one-seam',
      severity: 'error',
      comment: 'deep imports of oidc-provider live in src/oidc/internals.ts only',
      from: { pathNot: '^src/oidc/internals\\.ts$' },
      to: { path: '^node_modules/oidc-provider/lib/' },
    },
    {
      name: 'src-never-imports-tests-or-bench',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'modules that import each other are one module in two files',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'a module nothing imports is dead code (entry points and tests excepted)',
      from: {
        orphan: true,
        pathNot: ['\\.test\\.ts$', '^src/(main|server)\\.ts$', '^src/cli/main\\.ts$', '\\.d\\.ts$'],
      },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|data|test-artifacts)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
