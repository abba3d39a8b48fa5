// Structured logging: one JSON object per event (connect, disconnect, error, ...).

/** One log event. `event` names what happened; the other fields say to what. */
export interface LogRecord {
  level: 'info' | 'warn' | 'error';
  event: string;
  [field: string]: unknown;
}

/** Receives every log event of a server. Pass `() => {}` to silence it. */
export type Logger = (record: LogRecord) => void;

/**
 * The default logger: one JSON line per event on stdout (stderr for errors), with a timestamp,
 * ready for `jq` or a log shipper.
 */
export const jsonLinesLogger: Logger = (record) => {
  const line = `${JSON.stringify({ time: new Date().toISOString(), ...record }, errorReplacer)}\n`;
  (record.level === 'error' ? process.stderr : process.stdout).write(line);
};

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, ...('code' in value ? { code: value.code } : {}) };
  return value;
}
