import type { Logger, LogLevel } from './types.ts'

/** Where log lines go: a sink receives every line a logger emits. */
export type LogSink = (line: { level: LogLevel; msg: string; fields: Record<string, unknown> }) => void

const levelRank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 }

/** A logger that passes lines at or above `minLevel` to `sink`. */
export function sinkLogger(
  sink: LogSink,
  minLevel: LogLevel = 'info',
  fields: Record<string, unknown> = {},
): Logger {
  return {
    log(level, msg, extra) {
      if (levelRank[level] < levelRank[minLevel]) return
      sink({ level, msg, fields: extra ? { ...fields, ...extra } : fields })
    },
    child: (more) => sinkLogger(sink, minLevel, { ...fields, ...more }),
  }
}

/** A logger that drops everything. */
export const silentLogger: Logger = { log() {}, child: () => silentLogger }

/** A logger writing one JSON line per entry to stderr. */
export function stderrLogger(minLevel: LogLevel = 'warn'): Logger {
  return sinkLogger(
    ({ level, msg, fields }) => process.stderr.write(`${JSON.stringify({ level, msg, ...fields })}\n`),
    minLevel,
  )
}
