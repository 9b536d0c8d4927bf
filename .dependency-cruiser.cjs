/**
 * shoal's layers, one way (see the README's architecture):
 *   src/domain, src/util  ←  streams/  ←  actors/  ←  src/{engine,exchange,venue,store,config,report,data,backtest,record,http}  ←  src/cli
 * Checked by `npm run lint:deps` inside `npm test`.
 */
const lower = {
  domain: '^src/(domain|util)/',
  streams: '^streams/',
  actors: '^actors/',
  services: '^src/(engine|exchange|venue|store|config|report|data|backtest|record|http)/|^src/log\\.ts$',
  cli: '^src/cli(/|\\.ts$)',
}
module.exports = {
  forbidden: [
    { name: 'domain-is-the-bottom', severity: 'error', comment: 'src/domain and src/util import nothing of shoal above them', from: { path: lower.domain }, to: { path: [lower.streams, lower.actors, lower.services, lower.cli] } },
    { name: 'streams-below-actors', severity: 'error', comment: 'streams/ (Rx plumbing, operators, strategies) imports only the domain', from: { path: lower.streams }, to: { path: [lower.actors, lower.services, lower.cli] } },
    { name: 'actors-below-services', severity: 'error', comment: 'actors/ imports streams/ and the domain, never the engine, adapters or store', from: { path: lower.actors }, to: { path: [lower.services, lower.cli] } },
    { name: 'cli-on-top', severity: 'error', comment: 'only src/cli.ts and src/cli/ import the CLI', from: { path: lower.services }, to: { path: lower.cli } },
    { name: 'no-circular', severity: 'error', comment: 'no import cycles', from: { path: '^(src|streams|actors)/' }, to: { circular: true } },
    { name: 'tests-are-leaves', severity: 'error', comment: 'shipped code never imports tests', from: { path: '^(src|streams|actors)/' }, to: { path: '^(test|marbles)/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
}
