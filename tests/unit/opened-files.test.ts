import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { imagePathsFromArgv, OpenedFileQueue } from '../../src-main/electron/opened-files'
import { MAX_IMAGE_FILE_BYTES } from '../../src-main/shared/contract'

describe('imagePathsFromArgv', () => {
  it('takes image arguments after the app, absolute against the launch folder', () => {
    expect(imagePathsFromArgv(['/opt/ConvLab/convlab', 'shirt.PNG', '/data/boot.jpeg'], 1, '/home/u')).toEqual(['/home/u/shirt.PNG', '/data/boot.jpeg'])
    // `electron .`: the app folder is the first argument and is no image.
    expect(imagePathsFromArgv(['electron', '/src/convlab', 'a.webp'], 2, '/w')).toEqual(['/w/a.webp'])
  })

  it('ignores options, Chromium switches and files that are no images', () => {
    expect(imagePathsFromArgv(['convlab', '--no-sandbox', '--flag=x.png', 'notes.txt', 'model.json', 'x.bmp'], 1, '/w')).toEqual(['/w/x.bmp'])
  })
})

describe('OpenedFileQueue', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convlab-opened-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('hands out each file once, as base64, and reports the ones it cannot read', async () => {
    const queue = new OpenedFileQueue()
    const arrived: number[] = []
    const problems: string[] = []
    queue.onArrive((n) => arrived.push(n))
    queue.onProblem((n) => problems.push(n.message))
    writeFileSync(join(dir, 'a.png'), Buffer.from([1, 2, 3]))
    mkdirSync(join(dir, 'folder.png'))
    writeFileSync(join(dir, 'huge.png'), Buffer.alloc(MAX_IMAGE_FILE_BYTES + 1))

    queue.add([join(dir, 'a.png'), join(dir, 'missing.png'), join(dir, 'folder.png'), join(dir, 'huge.png')])
    expect(arrived).toEqual([4])
    const files = await queue.take()
    expect(files).toEqual([{ name: 'a.png', base64: Buffer.from([1, 2, 3]).toString('base64') }])
    expect(problems).toHaveLength(3)
    expect(problems[0]).toMatch(/missing\.png: no such file/)
    expect(problems[1]).toMatch(/folder\.png: it is not a file/)
    expect(problems[2]).toMatch(/huge\.png: 50\.0 MB is over the 50 MB limit/)
    expect(await queue.take()).toEqual([])
  })

  it('keeps at most 64 files waiting and says how many were left out', () => {
    const queue = new OpenedFileQueue()
    const problems: string[] = []
    queue.onProblem((n) => problems.push(n.message))
    queue.add(Array.from({ length: 70 }, (_, i) => `/x/${i}.png`))
    queue.add(['/x/late.png'])
    expect(problems).toEqual(['Only 64 images can be opened at once; 6 were left out.', 'Only 64 images can be opened at once; 1 were left out.'])
  })
})
