/** 简体中文. Typed from the English source: a missing or extra key fails the type check. */
import type { Messages } from '../en'
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

export const zhCN: Messages = { shell, errors, build, data, train, runs, predict, shift, study, learn }
