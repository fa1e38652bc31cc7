// The import boundaries of azfail, checked by `npm test` (scripts/check-boundaries.mjs runs dependency-cruiser):
// no import cycle; listr2 only in the CLI; Azure SDK clients only in the Azure layer; pure layers stay pure; the
// sandbox only through its public entries (#sandbox and #sandbox/client in package.json's imports).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {name: 'no-circular', severity: 'error', comment: 'Two modules that know each other: one layer must not import its caller.', from: {path: '^src/'}, to: {circular: true}},
    {name: 'listr2-only-in-cli', severity: 'error', comment: 'The engine emits events; only src/cli renders them.', from: {path: '^src/', pathNot: '^src/cli/'}, to: {path: 'node_modules/listr2/'}},
    {name: 'arm-clients-only-in-azure', severity: 'error', comment: 'Only src/azure constructs and calls Azure SDK clients.', from: {path: '^src/', pathNot: '^src/azure/'}, to: {path: 'node_modules/@azure/arm-'}},
    {name: 'guards-are-pure', severity: 'error', comment: 'Guards are predicates over live state: they import nothing but the estate and types.', from: {path: '^src/guards/'}, to: {path: '^src/(azure|steps|services|cli|commands|engine/(?!types))'}},
    {name: 'estate-imports-nothing', severity: 'error', comment: 'The live-state model sits in the middle: everything reads it, it reads nothing.', from: {path: '^src/estate/'}, to: {pathNot: '^src/estate/'}},
    {name: 'engine-knows-no-azure', severity: 'error', comment: 'The engine plans and runs steps; it knows nothing of Azure, steps or the CLI.', from: {path: '^src/engine/'}, to: {path: '^src/(azure|steps|services|cli|commands|guards)/|node_modules/@azure/'}},
    {name: 'no-sandbox-internals', severity: 'error', comment: 'The sandbox is used through its public entries (#sandbox, its built index; #sandbox/client, its client alone), never its source files.', from: {pathNot: '^packages/sandbox/'}, to: {path: '^packages/sandbox/(src|test)/'}},
    {name: 'sandbox-knows-no-azfail', severity: 'error', comment: 'The sandbox package stands alone.', from: {path: '^packages/sandbox/'}, to: {path: '^(src|test)/'}},
  ],
  options: {
    doNotFollow: {path: 'node_modules'},
    tsPreCompilationDeps: true,
    tsConfig: {fileName: 'tsconfig.json'},
    enhancedResolveOptions: {exportsFields: ['exports'], conditionNames: ['import', 'types', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.d.ts']},
  },
}
