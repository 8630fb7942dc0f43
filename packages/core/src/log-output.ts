// Where barrage's logs (agent and controller) go and in what form: on a
// terminal, one readable line per entry (time, level, message, fields); to a
// pipe, a file or CI, pino's JSON lines, one object per line, for machines.
import { isatty } from 'node:tty';
import { isColorSupported, prettyFactory } from 'pino-pretty';

/** Turns one pino JSON line into the readable line a terminal shows. */
export type LogLineFormatter = (jsonLine: string) => string;

/** The formatter for a terminal: local time, colours unless NO_COLOR (or a dumb terminal); pid, hostname and role left out (an agent shows its name). */
export function humanLogLines(colorize: boolean = isColorSupported): LogLineFormatter {
  const pretty = prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,role',
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
