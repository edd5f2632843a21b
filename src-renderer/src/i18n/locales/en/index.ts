/** The English messages: the source every other locale is typed from, one file per domain. */
import { build } from './build'
import { data } from './data'
import { errors } from './errors'
import { learn } from './learn'
import { predict } from './predict'
import { runs } from './runs'
import { shell } from './shell'
import { shift } from './shift'
import { study } from './study'
import { train } from './train'

export const en = { shell, errors, build, data, train, runs, predict, shift, study, learn }

export type Messages = typeof en
