/** What every command gets: output channels and the global flags. */
export interface CommandContext {
  json: boolean
  /** True when stderr is a terminal, so a live progress line may be redrawn in place. */
  interactive: boolean
  print(line: string): void
  status(line: string): void
}
