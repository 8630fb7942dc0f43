// Where barrage's logs (agent and controller) go and in what form: on a
// terminal, one readable line per entry (time, level, message, fields); to a
// pipe, a file or CI, pino's JSON lines, one object per line, for machines.
import { isatty } from 'node:tty';
import { prettyFactory } from 'pino-pretty';

/** Turns one pino JSON line into the readable line a terminal shows. */
export type LogLineFormatter = (jsonLine: string) => string;

/** The formatter for a terminal: local time, colours when the terminal has them; pid and hostname left out. */
export function humanLogLines(colorize?: boolean): LogLineFormatter {
  const pretty = prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
  });
  return (line) => pretty(line);
}

/** Whether logs written to `fd` should be readable lines: it is a terminal, unless BARRAGE_LOG_FORMAT says json or pretty. */
export function logsForHumans(fd: number, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.BARRAGE_LOG_FORMAT === 'json') return false;
  if (env.BARRAGE_LOG_FORMAT === 'pretty') return true;
  return isatty(fd);
}
