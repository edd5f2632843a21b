/**
 * The engine dying over and over in web mode: restarts pause, the notice says so and offers
 * Restart engine, and the button brings the engine back.
 */
import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasChromium, openWebSession, screenshot, type WebSession } from './support/web-app'

/** The engine process web mode runs now (its child running the worker), if any. */
function enginePid(webPid: number): number | undefined {
  try {
    const out = execFileSync('pgrep', ['-P', String(webPid), '-f', 'engine/process/worker'], { encoding: 'utf8' })
    return Number(out.trim().split('\n')[0]) || undefined
  } catch {
    return undefined
  }
}

async function nextEngine(webPid: number, not: number | undefined): Promise<number> {
  for (;;) {
    const pid = enginePid(webPid)
    if (pid && pid !== not) return pid
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe.skipIf(!hasChromium)('restarting the engine from the notice', () => {
  let session: WebSession | undefined

  beforeAll(async () => {
    session = await openWebSession()
  })
  afterAll(() => session?.close())

  it('pauses restarts after six deaths in a minute, says so, and Restart engine brings it back', async () => {
    const { web, page } = session!
    await page.goto(`${web.url}/#/build`)
    const webPid = web.child.pid!
    let pid: number | undefined
    for (let death = 1; death <= 6; death++) {
      pid = await nextEngine(webPid, pid)
      process.kill(pid, 'SIGKILL')
    }
    const notice = page.getByTestId('notices')
    await expect.poll(() => notice.textContent(), { timeout: 60_000 }).toMatch(/6 times within a minute\. It starts again in \d+ s; Restart engine starts it now\./)
    await screenshot(page, 'engine-restart-notice')
    await page.getByTestId('restart-engine').click()
    await expect.poll(() => notice.textContent()).toContain('The engine was restarted at your request')
    expect(await notice.textContent()).not.toContain('times within a minute')
    const fresh = await nextEngine(webPid, pid)
    expect(fresh).not.toBe(pid)
    const backends = await page.evaluate(async () => (await (await fetch('/api/backends/list', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).json()) as { ok: boolean })
    expect(backends.ok).toBe(true)
  })
})
