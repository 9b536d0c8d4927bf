import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'

/**
 * A throwaway PostgreSQL cluster on a loopback port (initdb + pg_ctl, as the `postgres` user when
 * we are root, since initdb refuses root), for tests and benchmarks. PostgreSQL from Debian's
 * packages; missing binaries are an error naming the fix.
 */
function binDir(): string {
  if (process.env.SHOAL_PG_BIN) return process.env.SHOAL_PG_BIN
  const base = '/usr/lib/postgresql'
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))) : []
  if (versions.length === 0) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql, or set SHOAL_PG_BIN)')
  return join(base, versions.sort((a, b) => Number(b) - Number(a))[0]!, 'bin')
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })

export async function startCluster(): Promise<{ url: string; stop: () => void }> {
  const bin = binDir()
  const dir = mkdtempSync(join(tmpdir(), 'shoal-pg-'))
  const data = join(dir, 'data')
  const asRoot = userInfo().uid === 0
  const run = (cmd: string, args: string[]) =>
    asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'pipe' }) : execFileSync(join(bin, cmd), args, { stdio: 'pipe' })
  if (asRoot) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim())
    chownSync(dir, id('-u'), id('-g'))
    chmodSync(dir, 0o700)
  }
  const port = await freePort()
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'])
    run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start'])
  } catch (err) {
    const e = err as { stderr?: Buffer }
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`could not start a throwaway PostgreSQL cluster: ${e.stderr?.toString() ?? String(err)}`)
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}
