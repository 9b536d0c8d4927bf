/**
 * Waits until `done()` holds, checking every `everyMs`, and fails with `what` at the deadline: a
 * wait on a condition, never a fixed sleep that a loaded machine outruns.
 */
export async function until(done: () => boolean | Promise<boolean>, what: string | (() => string), deadlineMs = 20_000, everyMs = 10): Promise<void> {
  const until = Date.now() + deadlineMs
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`timed out after ${deadlineMs} ms waiting for ${typeof what === 'string' ? what : what()}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
