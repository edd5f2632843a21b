/**
 * No words in a template that are not messages: every text node and every literal title,
 * placeholder, aria-label, alt or label in src-renderer's .vue files goes through vue-i18n,
 * except names that are the same in every language (PyTorch layers, formats, keys, symbols).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { NodeTypes, type ElementNode, type TemplateChildNode } from '@vue/compiler-dom'
import { parse } from '@vue/compiler-sfc'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '../..')
const SRC = join(ROOT, 'src-renderer/src')

/** Attributes a person reads or hears. */
const WORD_ATTRIBUTES = new Set(['title', 'placeholder', 'aria-label', 'alt', 'label', 'confirm-label', 'y-label', 'x-label', 'description'])

/** Words every locale writes the same: names of layers, libraries, formats, keys and axes. */
const SAME_IN_EVERY_LANGUAGE = new Set([
  'ConvLab',
  'Fashion-MNIST',
  'Adam',
  'SGD',
  'C',
  'H',
  'W',
  'N',
  'Alt',
  'Delete',
  'H = W',
  'H × W',
  'MLP',
  'CNN',
  'Conv2d',
  'MaxPool2d',
  'AvgPool2d',
  'Linear',
  'ReLU',
  'Sigmoid',
  'Flatten',
  // Padding modes, as PyTorch and Keras spell them.
  'same',
  'valid'
])

/** Digits, symbols and punctuation alone say nothing that needs translating. */
const SYMBOLS_ONLY = /^[\s\d.,:;()[\]{}+\-–—×÷=<>≈%#/\\|'"`~^*_!?·…«»‹›←→↑↓✓✗∑σ]*$/u

function vueFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return vueFiles(path)
    return e.name.endsWith('.vue') ? [path] : []
  })
}

/** An example path in a placeholder is a path in every language. */
const PATH = /^[~/][\w/.-]*$/

const needsMessage = (text: string): boolean => {
  const t = text.replace(/\s+/g, ' ').trim()
  return t !== '' && !SYMBOLS_ONLY.test(t) && !SAME_IN_EVERY_LANGUAGE.has(t) && !PATH.test(t)
}

/** Every raw word of one template, as "line: text". */
function rawWords(file: string): string[] {
  const { descriptor, errors } = parse(readFileSync(file, 'utf8'), { filename: file })
  if (errors.length) throw new Error(`${file}: ${String(errors[0])}`)
  const ast = descriptor.template?.ast
  if (!ast) return []
  const found: string[] = []
  const visit = (node: TemplateChildNode): void => {
    if (node.type === NodeTypes.TEXT && needsMessage(node.content)) found.push(`${node.loc.start.line}: ${node.content.trim()}`)
    if (node.type === NodeTypes.ELEMENT) {
      const element = node as ElementNode
      // SVG is drawing, and <code>/<kbd>/<pre> show code and keys as they are typed.
      if (['svg', 'code', 'kbd', 'pre'].includes(element.tag)) return
      for (const prop of element.props) {
        if (prop.type === NodeTypes.ATTRIBUTE && WORD_ATTRIBUTES.has(prop.name) && prop.value && needsMessage(prop.value.content)) {
          found.push(`${prop.loc.start.line}: ${prop.name}="${prop.value.content}"`)
        }
      }
      element.children.forEach(visit)
    }
    if (node.type === NodeTypes.IF) node.branches.forEach((b) => b.children.forEach(visit))
    if (node.type === NodeTypes.FOR) node.children.forEach(visit)
  }
  ast.children.forEach(visit)
  return found
}

describe('templates', () => {
  const files = vueFiles(SRC)
  const report = new Map(files.map((f) => [relative(SRC, f), rawWords(f)]))

  it('finds the templates', () => {
    expect(files.length).toBeGreaterThan(50)
  })

  it('hold no raw text', () => {
    const offenders = [...report].filter(([, words]) => words.length).map(([file, words]) => `${file}\n  ${words.join('\n  ')}`)
    expect(offenders).toEqual([])
  })
})
