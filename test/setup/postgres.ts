import type { TestProject } from 'vitest/node'
import { startCluster } from './pg-cluster.ts'

/**
 * vitest global set-up: a throwaway PostgreSQL cluster for the whole run, its URL given to the tests
 * through `inject('pgUrl')`, removed afterwards. No PostgreSQL is an error, never a skip: .ci/run
 * installs it; locally, `apt-get install postgresql` (or point SHOAL_PG_URL at a server).
 */
export default async function setup(project: TestProject): Promise<() => void> {
  if (process.env.SHOAL_PG_URL) {
    project.provide('pgUrl', process.env.SHOAL_PG_URL)
    return () => {}
  }
  const cluster = await startCluster()
  project.provide('pgUrl', cluster.url)
  return cluster.stop
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string
  }
}
