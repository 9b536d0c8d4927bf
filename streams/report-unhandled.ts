/**
 * Rethrows `err` on a fresh stack, as RxJS reports an error nobody handles: it never unwinds into the
 * caller (a router's dispatch loop, another key's lane), and the process's own handler still sees it.
 */
export function reportUnhandled(err: unknown): void {
  setTimeout(() => {
    throw err
  })
}
