/**
 * Where ConvLab keeps its data outside Electron: the web server, the CLI and `npm start`'s
 * browser window (its profile lives beside the runs) all read this one answer.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'

/** ~/.convlab unless CONVLAB_HOME says otherwise; the Electron app passes its userData path. */
export function defaultDataDir(): string {
  return process.env.CONVLAB_HOME || join(homedir(), '.convlab')
}
