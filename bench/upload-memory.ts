// Claim: an agent's memory does not grow with upload size x concurrency.
// Runs the built-in upload-50mb (10 concurrent 50 MB multipart uploads) on one
// agent process and records that agent's peak RSS growth over its idle RSS,
// and the same with 5 MB files; then, against the same target in the same run,
// a peer doing the 50 MB uploads the way script-based tools do (fetch +
// FormData + Blob). Prints all three and the ratios. Linux only (/proc).
// usage: npm run bench:upload
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTarget } from '@barrage/sample-target';
import { mb, peakRss, rssBytes } from './rss.ts';
import { collect, reportFigures } from './support.ts';

const root = new URL('../', import.meta.url);
const controllerCli = fileURLToPath(new URL('packages/controller/src/cli/main.ts', root));
const agentCli = fileURLToPath(new URL('packages/agent/src/cli.ts', root));
const peerCli = fileURLToPath(new URL('bench/peers/fetch-formdata-upload.ts', root));
const COUNT = 10;
const SIZE = 50 * 1024 * 1024;

/** Runs `scenario` on one agent process; its idle RSS (connected, before the run) and peak. */
async function barrageRun(
  scenario: string,
  targetUrl: string,
): Promise<{ idle: number; peak: number; uploaded: string }> {
  const token = randomBytes(16).toString('hex');
  const controller = spawn(
    process.execPath,
    [
      controllerCli,
      'start',
      '--scenario',
      scenario,
      '--target',
      targetUrl,
      '--agents',
      '1',
      '--local-agents',
      '0',
      '--port',
      '0',
      '--token',
      token,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let summary = '';
  controller.stdout.on('data', (d: Buffer) => {
    summary += d.toString();
  });
  const controllerExit = once(controller, 'exit');
  const controllerSays = collect(controller.stderr).wait;
  const controllerUrl = (await controllerSays(/agent --controller (ws:\/\/\S+)\n/))[1]!;
  const connected = controllerSays(/agent\(s\) connected/);
  const agent = spawn(process.execPath, [agentCli, '--controller', controllerUrl, '--once', '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, BARRAGE_TOKEN: token },
  });
  await connected;
  const idle = rssBytes(agent.pid!);
  const peak = await peakRss(agent.pid!, once(agent, 'exit'));
  const [code] = (await controllerExit) as [number | null];
  if (code !== 0) throw new Error(`controller exited ${code}\n${summary}`);
  return { idle, peak, uploaded: (/^upload\s+(\d+)\s.*201:(\d+)/m.exec(summary) ?? [])[2] ?? '?' };
}

const target = await spawnTarget(['--upload-limit', '1000']);
try {
  // barrage at a tenth of the size first: if memory followed size x concurrency, the growth would differ tenfold.
  const dir = mkdtempSync(join(tmpdir(), 'barrage-bench-'));
  const small = join(dir, 'upload-5mb.yaml');
  writeFileSync(
    small,
    readFileSync(new URL('packages/controller/scenarios/upload-50mb.yaml', root), 'utf8')
      .replace('size: 50MB', 'size: 5MB')
      .replace('name: upload-50mb', 'name: upload-5mb'),
  );
  const five = await barrageRun(small, target.url);
  const fifty = await barrageRun('upload-50mb', target.url);
  const agentIdle = fifty.idle;
  const agentPeak = fifty.peak;
  const uploaded = fifty.uploaded;

  // The peer, same target, same uploads.
  const peer = spawn(process.execPath, [peerCli, target.url, String(COUNT), String(SIZE)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const peerSays = collect(peer.stdout).wait;
  await peerSays(/ready/);
  const peerIdle = rssBytes(peer.pid!);
  const peerDone = peerSays(/done (\S+)/);
  peer.stdin.end('go\n');
  const peerPeak = await peakRss(peer.pid!, once(peer, 'exit'));
  const peerStatuses = (await peerDone)[1]!;

  const seen = await target.stats();
  const ok = seen.uploads.filter((u) => u.bytes === SIZE).length;
  const fiveGrowth = Math.max(five.peak - five.idle, 1);
  const agentGrowth = Math.max(agentPeak - agentIdle, 1);
  const peerGrowth = Math.max(peerPeak - peerIdle, 1);
  process.stdout.write(
    [
      `${COUNT} concurrent uploads of ${mb(SIZE)} MB; the target received ${ok} files of exactly ${SIZE} bytes`,
      `tool                         uploads   idle RSS MB   peak RSS MB   growth MB`,
      `barrage agent, 5 MB files    ${five.uploaded.padStart(7)}   ${mb(five.idle).padStart(11)}   ${mb(five.peak).padStart(11)}   ${mb(fiveGrowth).padStart(9)}`,
      `barrage agent, 50 MB files   ${String(uploaded ?? '?').padStart(7)}   ${mb(agentIdle).padStart(11)}   ${mb(agentPeak).padStart(11)}   ${mb(agentGrowth).padStart(9)}`,
      `fetch + FormData + Blob      ${String(peerStatuses.split(',').filter((s) => s === '201').length).padStart(7)}   ${mb(peerIdle).padStart(11)}   ${mb(peerPeak).padStart(11)}   ${mb(peerGrowth).padStart(9)}`,
      `ratio (peer growth / barrage growth): ${(peerGrowth / agentGrowth).toFixed(1)}x; upload volume ${mb(COUNT * SIZE)} MB`,
      `barrage growth at 50 MB / at 5 MB: ${(agentGrowth / fiveGrowth).toFixed(1)}x for 10x the bytes`,
      '',
    ].join('\n'),
  );
  reportFigures('upload-memory', [
    {
      claim: `agent peak RSS growth, ${COUNT} concurrent ${mb(SIZE)} MB uploads (${uploaded} x 201)`,
      barrage: `${mb(agentGrowth)} MB`,
      peer: `${mb(peerGrowth)} MB fetch + FormData + Blob`,
      ratio: `${(peerGrowth / agentGrowth).toFixed(1)}x (peer / barrage)`,
      goal: 'below the peer',
      met: agentGrowth < peerGrowth,
    },
    {
      claim: 'agent growth at 50 MB files / at 5 MB files (10x the bytes)',
      barrage: `${mb(agentGrowth)} / ${mb(fiveGrowth)} MB`,
      peer: '-',
      ratio: `${(agentGrowth / fiveGrowth).toFixed(1)}x`,
      goal: 'flat: < 2x',
      met: agentGrowth / fiveGrowth < 2,
    },
  ]);
} finally {
  await target.stop();
}
