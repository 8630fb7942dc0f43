// What a real agent process prints: readable lines on a terminal (a pseudo-TTY
// from util-linux `script`), JSON lines on a pipe, and controller serve's log
// lines alike; an agent that never reached
// its controller says it could not connect and what to check, not that it was
// "disconnected"; a --controller without ws:// is refused with the form to write.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { bins, runCli, startCli } from '../helpers/processes.ts';

/** A loopback port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs a CLI under a pseudo-terminal until `until` matches its output (or it exits); then stops it by its process group. */
async function onTty(
  bin: string,
  args: string[],
  until: RegExp,
  meanwhile: (waitFor: (re: RegExp) => Promise<RegExpExecArray>) => Promise<unknown> = async () => {},
): Promise<string> {
  const quoted = [process.execPath, bin, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qfec', quoted, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, BARRAGE_TOKEN: 'tok', NO_COLOR: '1', BARRAGE_LOG_FORMAT: '' },
    detached: true,
  });
  let out = '';
  const exited = once(child, 'exit');
  const limit = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
  const waiters: Array<[RegExp, (m: RegExpExecArray) => void]> = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = w[0].exec(out);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w[1](m);
      }
    }
  };
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    check();
  });
  /** Resolves when the output matches `re`, already or later; rejects if the process exits first. */
  const waitFor = (re: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      waiters.push([re, resolve]);
      check();
      void exited.then(() => reject(new Error(`exited before ${re}:\n${out}`)));
    });
  try {
    await meanwhile(waitFor);
    await waitFor(until).catch(() => undefined);
  } finally {
    clearTimeout(limit);
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    await exited;
  }
  return out.replaceAll('\r', '');
}

test('on a pipe: JSON lines; an unreachable controller is "could not connect", with what to check', async (t) => {
  const port = await closedPort();
  const agent = startCli(bins.agent, ['--controller', `ws://127.0.0.1:${port}`, '--name', 'pipe-agent'], {
    BARRAGE_TOKEN: 'tok',
    BARRAGE_LOG_FORMAT: '',
  });
  t.after(() => agent.kill());
  await agent.waitForStderr(/could not connect[^\n]*\n[^\n]*could not connect[^\n]*\n/);
  agent.kill();
  const lines = agent.stderr.trim().split('\n');
  const entries = lines.map((l) => JSON.parse(l) as { msg: string; level: number; retryInMs?: number });
  const failed = entries.filter((e) => e.msg.startsWith('could not connect'));
  assert.ok(failed.length >= 2, agent.stderr);
  assert.equal(
    failed[0]!.msg,
    `could not connect to ws://127.0.0.1:${port}/agents: connection refused (is controller serve or controller start running there, on that port?)`,
  );
  assert.equal(failed[0]!.level, 40);
  assert.ok(failed[0]!.retryInMs! > 0, 'it says when it tries again');
  assert.doesNotMatch(agent.stderr, /disconnected/);
});

test('a --controller without ws:// is refused with the form to write', async () => {
  for (const [given, write] of [
    ['127.0.0.1:7000', 'ws://127.0.0.1:7000'],
    ['localhost:7000/agents', 'ws://localhost:7000/agents'],
    ['http://127.0.0.1:7000', 'ws://127.0.0.1:7000'],
  ]) {
    const r = await runCli(bins.agent, ['--controller', given!], {
      env: { BARRAGE_TOKEN: 'tok', BARRAGE_LOG_FORMAT: '' },
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 1, r.stderr);
    const entry = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { code: string; msg: string };
    assert.equal(entry.code, 'AGENT_BAD_ARGUMENT');
    assert.ok(entry.msg.includes(`write --controller ${write}`), entry.msg);
    assert.doesNotMatch(entry.msg, /Invalid URL/);
  }
});

test('on a terminal: readable lines, not JSON', { skip: hasScript ? false : 'no util-linux script here' }, async () => {
  const port = await closedPort();
  const out = await onTty(
    bins.agent,
    ['--controller', `ws://127.0.0.1:${port}`, '--name', 'tty-agent'],
    /could not connect[^\n]*\n/,
  );
  const line = out.split('\n').find((l) => l.includes('could not connect'));
  assert.ok(line, out);
  assert.match(
    line,
    new RegExp(
      `^\\[\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] WARN \\(tty-agent\\): could not connect to ws://127\\.0\\.0\\.1:${port}/agents: connection refused \\(is controller serve or controller start running there, on that port\\?\\) \\{"retryInMs":\\d+\\}$`,
    ),
  );
  assert.ok(
    out.split('\n').every((l) => !l.startsWith('{')),
    `no JSON line on a terminal:\n${out}`,
  );

  const refused = await onTty(bins.agent, ['--controller', '127.0.0.1:7000'], /ERROR[^\n]*\n/);
  assert.match(
    refused,
    /ERROR: cannot start: --controller 127\.0\.0\.1:7000 has no ws:\/\/ in front; write --controller ws:\/\/127\.0\.0\.1:7000/,
  );
});

test('controller serve on a terminal: readable log lines', {
  skip: hasScript ? false : 'no util-linux script here',
}, async (t) => {
  let agent: ReturnType<typeof startCli> | undefined;
  t.after(() => agent?.kill());
  const args = ['serve', '--host', '127.0.0.1', '--port', '0', '--token', 'tok', '--log-level', 'info'];
  const out = await onTty(bins.controller, args, /INFO: agent connected[^\n]*\n/, async (waitFor) => {
    // The agent joins once serve says where: its join is the controller's log line to look at.
    const [, url] = await waitFor(/agent --controller (ws:\/\/\S+)/);
    agent = startCli(bins.agent, ['--controller', url!, '--name', 'joiner'], { BARRAGE_TOKEN: 'tok' });
  });
  const line = out.split('\n').find((l) => l.includes('agent connected'));
  assert.match(line ?? out, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: agent connected \{"agent":"joiner"/);
  assert.ok(
    out.split('\n').every((l) => !l.startsWith('{')),
    `no JSON line on a terminal:\n${out}`,
  );
});
