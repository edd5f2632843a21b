import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { IPC_EVENT_CHANNEL, LAB_EVENTS, LAB_EVENT_NAMES, LAB_METHODS, LAB_METHOD_NAMES, ipcChannel } from '../../src-main/shared/contract'

/**
 * Every change to the Lab API shows up in this snapshot, so it is reviewed as an API change:
 * renderer, preload, IPC and web mode all depend on it. Update with `vitest -u` deliberately.
 */
// Inputs are described as callers may send them (defaults optional), outputs as they arrive.
const inputSchema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' })
const outputSchema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'output', unrepresentable: 'any' })

describe('Lab API surface', () => {
  it('method names and channels', () => {
    expect(LAB_METHOD_NAMES.map((name) => `${name} -> ${ipcChannel(name)}`)).toMatchSnapshot()
    expect(IPC_EVENT_CHANNEL).toMatchSnapshot()
  })

  it('event names', () => {
    expect(LAB_EVENT_NAMES).toMatchSnapshot()
  })

  it.each(LAB_METHOD_NAMES)('%s input and output schemas', (name) => {
    const method = LAB_METHODS[name]
    expect({ doc: method.doc, input: inputSchema(method.input), output: outputSchema(method.output) }).toMatchSnapshot()
  })

  it.each(LAB_EVENT_NAMES)('%s event payload schema', (name) => {
    expect(outputSchema(LAB_EVENTS[name])).toMatchSnapshot()
  })
})
