/** The English messages: the source every other locale is typed from, one file per domain. */
import { build } from './build'
import { errors } from './errors'
import { shell } from './shell'

export const en = { shell, errors, build }

export type Messages = typeof en
