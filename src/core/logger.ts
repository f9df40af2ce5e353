/**
 * The engine's diagnostics sink. The extension backs it with a LogOutputChannel, the CLI with
 * stderr, tests with an array. Pipeline *output* does not go here: it goes to the run's log.
 */
export interface Logger {
  trace(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string | Error, ...args: unknown[]): void;
}

export const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A logger that prefixes every message with a component tag, e.g. `[deploy]`. */
export function tagged(logger: Logger, tag: string): Logger {
  const prefix = `[${tag}] `;
  return {
    trace: (m, ...a) => logger.trace(prefix + m, ...a),
    debug: (m, ...a) => logger.debug(prefix + m, ...a),
    info: (m, ...a) => logger.info(prefix + m, ...a),
    warn: (m, ...a) => logger.warn(prefix + m, ...a),
    error: (m, ...a) => logger.error(typeof m === 'string' ? prefix + m : m, ...a),
  };
}
