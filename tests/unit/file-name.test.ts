import { describe, expect, it } from 'vitest'
import { MAX_FILE_STEM, fileSafeName } from '../../src-main/shared/file-name'

describe('fileSafeName', () => {
  it('keeps Unicode: a Chinese run name stays Chinese', () => {
    expect(fileSafeName('卷积网络 CNN 2k')).toBe('卷积网络 CNN 2k')
    expect(fileSafeName('shift-train-24150-卷积网络 CNN 2k-vs-全连接 MLP')).toBe('shift-train-24150-卷积网络 CNN 2k-vs-全连接 MLP')
  })

  it('replaces only what file systems forbid: separators, Windows specials, control characters', () => {
    expect(fileSafeName('a/b\\c:d*e?f"g<h>i|j')).toBe('a-b-c-d-e-f-g-h-i-j')
    expect(fileSafeName('tab\there\u0000nul\u007fdel')).toBe('tab-here-nul-del')
    expect(fileSafeName("it's (v2) [best] #1 & ok, 100%")).toBe("it's (v2) [best] #1 & ok, 100%")
  })

  it('collapses white space and drops leading dots and trailing dots and spaces', () => {
    expect(fileSafeName('  many   spaces  ')).toBe('many spaces')
    expect(fileSafeName('..hidden')).toBe('hidden')
    expect(fileSafeName('name. . ')).toBe('name')
  })

  it("prefixes Windows' reserved device names", () => {
    expect(fileSafeName('CON')).toBe('_CON')
    expect(fileSafeName('nul.txt')).toBe('_nul.txt')
    expect(fileSafeName('console')).toBe('console')
  })

  it('cuts long names at whole characters and falls back when nothing is left', () => {
    const long = '卷'.repeat(MAX_FILE_STEM + 10)
    expect(Array.from(fileSafeName(long))).toHaveLength(MAX_FILE_STEM)
    const emoji = '😀'.repeat(MAX_FILE_STEM + 1)
    expect(fileSafeName(emoji)).toBe('😀'.repeat(MAX_FILE_STEM))
    expect(fileSafeName('///')).toBe('---')
    expect(fileSafeName('   ', 'heatmap')).toBe('heatmap')
    expect(fileSafeName('...', 'run')).toBe('run')
  })
})
