import { describe, expect, it } from 'vitest'
import { MAX_FILE_STEM, fileSafeName } from '../../src-main/shared/file-name'

describe('fileSafeName', () => {
  it.each<[string, Record<string, string>]>([
    ['keeps Unicode: a Chinese run name stays Chinese', { '卷积网络 CNN 2k': '卷积网络 CNN 2k', 'shift-train-24150-卷积网络 CNN 2k-vs-全连接 MLP': 'shift-train-24150-卷积网络 CNN 2k-vs-全连接 MLP' }],
    ['replaces only what file systems forbid: separators, Windows specials, control characters', { 'a/b\\c:d*e?f"g<h>i|j': 'a-b-c-d-e-f-g-h-i-j', 'tab\there\u0000nul\u007fdel': 'tab-here-nul-del', "it's (v2) [best] #1 & ok, 100%": "it's (v2) [best] #1 & ok, 100%" }],
    ['collapses white space and drops leading dots and trailing dots and spaces', { '  many   spaces  ': 'many spaces', '..hidden': 'hidden', 'name. . ': 'name' }],
    ["prefixes Windows' reserved device names", { CON: '_CON', 'nul.txt': '_nul.txt', console: 'console' }]
  ])('%s', (_, cases) => {
    for (const [name, safe] of Object.entries(cases)) expect(fileSafeName(name), name).toBe(safe)
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
