import pino, { type Logger } from 'pino'

/** JSON lines on stderr; keys that could carry secrets are redacted. */
export function createLogger(level = process.env.SHOAL_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      name: 'shoal',
      level,
      redact: { paths: ['apiKey', 'secret', 'password', '*.apiKey', '*.secret', '*.password', 'headers.authorization'], censor: '[redacted]' },
    },
    pino.destination(2),
  )
}
