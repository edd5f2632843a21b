import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { existingFolder, joinNegativeValues, parseDataOption, runOutFolder } from '../../src-main/cli/args'
import { tempDir, type TempDir } from '../fixtures/data/builders'

describe('joinNegativeValues', () => {
  it("joins a negative number to the option before it, as the README's `shift --from -5 --to 5` needs", () => {
    expect(joinNegativeValues(['--run', 'r', '--from', '-5', '--to', '5'])).toEqual(['--run', 'r', '--from=-5', '--to', '5'])
    expect(joinNegativeValues(['--lr', '-.5', '--x', '-1e3'])).toEqual(['--lr=-.5', '--x=-1e3'])
  })

  it('leaves options, short flags and values with their own = alone', () => {
    expect(joinNegativeValues(['--from=-5', '-5'])).toEqual(['--from=-5', '-5'])
    expect(joinNegativeValues(['--force', '--json'])).toEqual(['--force', '--json'])
    expect(joinNegativeValues(['--from', '-x'])).toEqual(['--from', '-x'])
  })
})

describe('run and data folders', () => {
  let tmp: TempDir
  beforeEach(async () => {
    tmp = await tempDir('convlab-args-')
  })
  afterEach(() => tmp.remove())

  it('creates the run folder, and missing folders under the current one, but not a missing parent elsewhere', async () => {
    const cwd = join(tmp.path, 'cwd')
    await mkdir(cwd)
    expect(await runOutFolder('runs/mlp', cwd)).toBe(join(cwd, 'runs', 'mlp'))
    expect(await runOutFolder(join(tmp.path, 'mlp'), cwd)).toBe(join(tmp.path, 'mlp'))
    // As a drive that is not mounted: its mount point exists, the folders on it do not.
    await expect(runOutFolder(join(tmp.path, 'drive', 'runs', 'mlp'), cwd)).rejects.toThrow(
      `--out ${join(tmp.path, 'drive', 'runs', 'mlp')}: ${join(tmp.path, 'drive', 'runs')} does not exist. Create it first`
    )
    await writeFile(join(tmp.path, 'file'), 'x')
    await expect(runOutFolder(join(tmp.path, 'file', 'mlp'), cwd)).rejects.toThrow(/file is a file, not a folder/)
  })

  it('refuses a --data-dir that is missing or a file, naming it', async () => {
    await expect(existingFolder(join(tmp.path, 'nope'), 'data-dir')).rejects.toThrow(`--data-dir ${join(tmp.path, 'nope')} does not exist.`)
    await writeFile(join(tmp.path, 'f'), 'x')
    await expect(existingFolder(join(tmp.path, 'f'), 'data-dir')).rejects.toThrow(/is a file, not a folder/)
    await expect(existingFolder(join(tmp.path, 'f', 'x'), 'data-dir')).rejects.toThrow(/is inside a file, not a folder/)
    expect(await existingFolder(tmp.path, 'data-dir')).toBe(tmp.path)
  })

  it('says a --data folder does not exist, or is a file, rather than that it is none of the choices', async () => {
    await expect(parseDataOption(join(tmp.path, 'no-such-folder'))).rejects.toThrow(`--data ${join(tmp.path, 'no-such-folder')}: the folder does not exist.`)
    const file = join(tmp.path, 'pets.txt')
    await writeFile(file, 'x')
    await expect(parseDataOption(file)).rejects.toThrow(`--data ${file} is a file, not a folder.`)
    expect(await parseDataOption(tmp.path)).toEqual({ kind: 'folder', dir: tmp.path })
  })
})
