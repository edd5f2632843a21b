/**
 * Both locales say everything: the same keys, none empty, and every placeholder of an English
 * message present in its Chinese one (a dropped {name} would silently lose the run's name).
 */
import { describe, expect, it } from 'vitest'
import { en } from '../../../src-renderer/src/i18n/locales/en'
import { zhCN } from '../../../src-renderer/src/i18n/locales/zh-CN'

type Tree = { [key: string]: string | Tree }

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'string') out.set(path, value)
    else for (const [k, v] of leaves(value, path)) out.set(k, v)
  }
  return out
}

const placeholders = (message: string): string[] => [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

describe('interface messages', () => {
  const english = leaves(en as unknown as Tree)
  const chinese = leaves(zhCN as unknown as Tree)

  it('has the same keys in en and zh-CN', () => {
    expect([...chinese.keys()].sort()).toEqual([...english.keys()].sort())
    expect(english.size).toBeGreaterThan(400)
  })

  it('has no empty message in either locale', () => {
    const empty = [...english, ...chinese].filter(([, v]) => v.trim() === '').map(([k]) => k)
    expect(empty).toEqual([])
  })

  it('keeps every placeholder of the English message in the Chinese one', () => {
    const lost = [...english].filter(([k, v]) => placeholders(v).join() !== placeholders(chinese.get(k) ?? '').join()).map(([k]) => k)
    expect(lost).toEqual([])
  })

  it('keeps plural forms in step: as many | choices in zh-CN as in en', () => {
    const forms = (m: string): number => m.split(' | ').length
    const mismatched = [...english].filter(([k, v]) => forms(v) !== forms(chinese.get(k) ?? '')).map(([k]) => k)
    expect(mismatched).toEqual([])
  })

  it('translates: a zh-CN message that is a whole English sentence is a forgotten one', () => {
    // Commands are typed as they are, in any language.
    const commands = /`[^`]*`|npm run \w+|sudo apt install [\w-]+|\{\w+\}/g
    const untranslated = [...chinese].filter(([, v]) => /[A-Za-z]{3,} [a-z]{3,} [a-z]{3,}/.test(v.replace(commands, ''))).map(([k]) => k)
    expect(untranslated).toEqual([])
  })
})
