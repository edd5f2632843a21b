import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { EngineClient, EngineDownError, type EngineBackoffNotice, type EngineRestartNotice } from '../../src-main/engine/process/client'
import type { EngineExit, EngineHost } from '../../src-main/engine/process/host'

/** An engine process without a process: ready at once, answers pings, dies when told. */
interface FakeHost extends EngineHost {
  die(exit?: EngineExit): void
  killed: boolean
}

function fakeHosts(): { factory: () => FakeHost; hosts: FakeHost[] } {
  const hosts: FakeHost[] = []
  const factory = (): FakeHost => {
    const messageListeners: ((m: unknown) => void)[] = []
    const exitListeners: ((e: EngineExit) => void)[] = []
    let gone = false
    const host: FakeHost = {
      pid: 1000 + hosts.length,
      killed: false,
      send(m) {
        const { id } = m as { id: number }
        queueMicrotask(() => messageListeners.forEach((l) => l({ id, ok: true, result: { pid: host.pid, backend: null, training: null } })))
      },
      onMessage(l) {
        messageListeners.push(l)
        queueMicrotask(() => l({ event: 'engine/ready', payload: { pid: host.pid } }))
      },
      onExit(l) {
        exitListeners.push(l)
      },
      kill() {
        host.killed = true
        host.die({ code: null, signal: 'SIGKILL' })
      },
      die(exit = { code: 1, signal: null }) {
        if (gone) return
        gone = true
        exitListeners.forEach((l) => l(exit))
      }
    }
    hosts.push(host)
    return host
  }
  return { factory, hosts }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('EngineClient restarts', () => {
  it('restarts a dying engine at once, then paced with doubling pauses, and never gives up', async () => {
    const { factory, hosts } = fakeHosts()
    const client = new EngineClient({ host: factory, maxRestartsPerMinute: 2, backoffMs: 1000 })
    const backoffs: EngineBackoffNotice[] = []
    const restarts: EngineRestartNotice[] = []
    client.on('engine/backoff', (n) => backoffs.push(n))
    client.on('engine/restarted', (n) => restarts.push(n))

    hosts.at(-1)!.die()
    hosts.at(-1)!.die()
    expect(hosts).toHaveLength(3)
    expect(backoffs).toEqual([])

    hosts.at(-1)!.die()
    expect(hosts).toHaveLength(3)
    expect(backoffs).toEqual([{ reason: 'The engine process exited with code 1, 3 times within a minute', code: 1, signal: null, deathsInMinute: 3, retryInMs: 1000 }])
    await expect(client.request('engine/ping', {})).rejects.toBeInstanceOf(EngineDownError)
    await expect(client.request('engine/ping', {})).rejects.toThrow(/exited with code 1, 3 times within a minute.*Restart engine/)

    vi.advanceTimersByTime(1000)
    expect(hosts).toHaveLength(4)
    expect(restarts.at(-1)?.reason).toMatch(/restarted after a pause/)
    expect((await client.request('engine/ping', {})).pid).toBe(hosts[3].pid)

    hosts.at(-1)!.die()
    expect(backoffs.map((b) => b.retryInMs)).toEqual([1000, 2000])
    vi.advanceTimersByTime(1999)
    expect(hosts).toHaveLength(4)
    vi.advanceTimersByTime(1)
    expect(hosts).toHaveLength(5)
    client.dispose()
  })

  it('restart() brings a fresh engine at once, during a pause too, and fails what the old one was doing', async () => {
    const { factory, hosts } = fakeHosts()
    const client = new EngineClient({ host: factory, maxRestartsPerMinute: 0, backoffMs: 60_000 })
    hosts[0].die()
    expect(hosts).toHaveLength(1)
    await expect(client.request('engine/ping', {})).rejects.toBeInstanceOf(EngineDownError)

    client.restart()
    expect(hosts).toHaveLength(2)
    expect((await client.request('engine/ping', {})).pid).toBe(hosts[1].pid)
    // The pause that was running must not start a third engine later.
    vi.advanceTimersByTime(60_000)
    expect(hosts).toHaveLength(2)

    const inFlight = client.request('train/run', {} as never)
    client.restart()
    await expect(inFlight).rejects.toThrow(/restarted at your request/)
    expect(hosts[1].killed).toBe(true)
    expect(hosts).toHaveLength(3)
    client.dispose()
  })
})
