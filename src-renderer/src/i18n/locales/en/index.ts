/** The English messages: the source every other locale is typed from, one file per domain. */
import { build } from './build'
import { data } from './data'
import { errors } from './errors'
import { shell } from './shell'
import { train } from './train'

export const en = { shell, errors, build, data, train }

export type Messages = typeof en
