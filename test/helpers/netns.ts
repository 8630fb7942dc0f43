// Several "hosts" on one Linux machine, for tests that need what loopback
// cannot give: a distinct source IP per process (per-IP rate limits), and a
// link that can be cut while TCP connections stay open. Each host is a network
// namespace with an `eth0` on a bridge in the root namespace; the root
// namespace (the test) reaches every host. Addresses come from 198.18.0.0/15,
// the benchmarking range, one /24 per network. Needs root and iproute2:
// netnsUnavailable() (netns-probe.ts) says why not, and tests skip with that
// reason. The `ip` and iptables plumbing under it is netns-ip.ts.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { type SpawnedTarget, spawnTarget } from '@barrage/sample-target';
import { allowBridge, emptyNamespace, ip, ipQuiet, removeStale, subnetUsers } from './netns-ip.ts';
import { netnsUnavailable } from './netns-probe.ts';
import { bins, cliEnv, type StartedCli, watchCli } from './processes.ts';

export { netnsUnavailable };

const IFNAMSIZ = 15;
/** Subnets are 198.18.X.0/24. */
const SUBNETS = 256;
const HOST_BASE = 10;
const MAX_HOSTS = 200;

let instances = 0;

export interface Network {
  /** `198.18.X.0/24`. */
  readonly subnet: string;
  /** The bridge's address in the root namespace, `198.18.X.1`. */
  readonly gateway: string;
  readonly hosts: readonly string[];
  /** The host's address, `198.18.X.(10 + its index)`. */
  ip(host: string): string;
  /** The host's namespace name (for `ip netns exec`). */
  ns(host: string): string;
  /** `node ...args` in the host's namespace; the child's PID is node's. Killed by destroy() if still alive. */
  spawn(host: string, args: string[], opts?: SpawnOptions): ChildProcess;
  /** A CLI (`node bin ...args`) in the host's namespace, its output watched as processes.ts's startCli does, BARRAGE_DB on the scratch store. */
  startCli(host: string, bin: string, args: string[], env?: NodeJS.ProcessEnv): StartedCli;
  /** The sample target in the host's namespace, listening on the host's address (port 0). */
  startTarget(host: string, args?: string[]): Promise<SpawnedTarget>;
  /**
   * `controller start ...args --host IP --port 0 --token T --agents N --local-agents 0` in the
   * host's namespace; resolves once it says where agents connect (`ws://IP:PORT`).
   */
  startController(
    host: string,
    args: string[],
    o: { token: string; agents: number },
  ): Promise<{ cli: StartedCli; agentUrl: string }>;
  /** `agent --controller URL --name NAME --once` in the host's namespace, the token in BARRAGE_TOKEN. */
  startAgent(host: string, o: { controller: string; name: string; token: string; args?: string[] }): StartedCli;
  /** Pulls the host's cable: its bridge port goes down, packets both ways are dropped, sockets stay open. */
  cut(host: string): Promise<void>;
  /** Plugs it back; resolves once the bridge forwards to and from the host again. */
  restore(host: string): Promise<void>;
  /** Kills every process in the namespaces (by PID), deletes them and the bridge. Idempotent. */
  destroy(): Promise<void>;
}

/**
 * A bridge with 198.18.X.1/24 in the root namespace, and per host a namespace
 * whose `eth0` (198.18.X.(10+i)/24, `lo` up, no default route) is a veth pair's
 * end, the other end on the bridge. Removes stale leftovers of earlier runs first.
 */
export async function createNetwork(hostNames: string[]): Promise<Network> {
  const reason = netnsUnavailable();
  if (reason !== undefined) throw new Error(`network namespaces unavailable: ${reason}`);
  if (hostNames.length === 0 || hostNames.length > MAX_HOSTS)
    throw new Error(`1 to ${MAX_HOSTS} hosts, not ${hostNames.length}`);
  if (new Set(hostNames).size !== hostNames.length) throw new Error(`host names repeat: ${hostNames.join(', ')}`);
  for (const h of hostNames)
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(h))
      throw new Error(`host name ${JSON.stringify(h)}: letters, digits, _ and - only`);
  await removeStale();

  const n = instances++;
  if (n > 0xff) throw new Error('too many networks in one process');
  const tag = `bg${process.pid.toString(16)}x${n.toString(16)}`;
  const bridge = `${tag}b`;
  const port = (i: number) => `${tag}v${i.toString(16)}`;
  const peer = (i: number) => `${tag}p${i.toString(16)}`;
  const nsOf = (i: number) => `${tag}-${hostNames[i]}`;
  for (const name of [bridge, port(hostNames.length - 1), peer(hostNames.length - 1)]) {
    if (name.length > IFNAMSIZ) throw new Error(`interface name ${name} is over ${IFNAMSIZ} characters`);
  }

  const children = new Set<ChildProcess>();
  const made = { bridge: false, ns: [] as string[] };
  let destroyed: Promise<void> | undefined;
  const destroy = () =>
    (destroyed ??= (async () => {
      await Promise.all(
        [...children].map(async (c) => {
          if (c.exitCode === null && c.signalCode === null) {
            const exited = once(c, 'exit');
            c.kill('SIGKILL');
            await exited;
          }
        }),
      );
      // What the namespaces still hold: processes started through spawnTarget or by a child.
      for (const ns of made.ns) await emptyNamespace(ns);
      // Deleting a veth end deletes its peer (eth0) now; a deleted namespace frees its devices later.
      for (let i = 0; i < made.ns.length; i++) await ipQuiet('link', 'del', port(i));
      for (const ns of made.ns) await ipQuiet('netns', 'del', ns);
      if (made.bridge) {
        await ipQuiet('link', 'del', bridge);
        await allowBridge(bridge, false);
      }
    })());

  try {
    // STP off and no forward delay: a port that comes up forwards at once (restore() relies on it).
    await ip('link', 'add', bridge, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
    made.bridge = true;
    await allowBridge(bridge, true);
    await ip('link', 'set', bridge, 'up');

    // A /24 no one else in the root namespace has. Another process may pick the same one
    // at the same moment: each adds its address, then looks again, and backs off on a clash
    // (two that clash cannot both keep it: the later to look sees the other).
    let x: number | undefined;
    for (let k = 0; k < SUBNETS && x === undefined; k++) {
      const cand = (process.pid * 31 + n * 7 + k) % SUBNETS;
      if ((await subnetUsers(cand)).length > 0) continue;
      await ip('addr', 'add', `198.18.${cand}.1/24`, 'dev', bridge);
      if ((await subnetUsers(cand)).some((u) => u !== bridge))
        await ip('addr', 'del', `198.18.${cand}.1/24`, 'dev', bridge);
      else x = cand;
    }
    if (x === undefined) throw new Error('no free /24 in 198.18.0.0/16');
    const addrOf = (i: number) => `198.18.${x}.${HOST_BASE + i}`;

    for (let i = 0; i < hostNames.length; i++) {
      const ns = nsOf(i);
      await ip('netns', 'add', ns);
      made.ns.push(ns);
      await ip('link', 'add', port(i), 'type', 'veth', 'peer', 'name', peer(i), 'netns', ns);
      await ip('-n', ns, 'link', 'set', peer(i), 'name', 'eth0');
      await ip('-n', ns, 'addr', 'add', `${addrOf(i)}/24`, 'dev', 'eth0');
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      await ip('-n', ns, 'link', 'set', 'eth0', 'up');
      await ip('link', 'set', port(i), 'master', bridge, 'up');
    }

    const index = (host: string) => {
      const i = hostNames.indexOf(host);
      if (i < 0) throw new Error(`no host ${host} (hosts: ${hostNames.join(', ')})`);
      return i;
    };
    const spawnIn = (host: string, args: string[], opts: SpawnOptions = {}) => {
      if (destroyed) throw new Error('network destroyed');
      const child = spawn('ip', ['netns', 'exec', nsOf(index(host)), process.execPath, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        ...opts,
      });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    };
    const startCli = (host: string, bin: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
      watchCli(spawnIn(host, [bin, ...args], { env: cliEnv(env) }));
    const portState = (i: number) => readFileSync(`/sys/class/net/${port(i)}/brport/state`, 'utf8').trim();

    return {
      subnet: `198.18.${x}.0/24`,
      gateway: `198.18.${x}.1`,
      hosts: [...hostNames],
      ip: (host) => addrOf(index(host)),
      ns: (host) => nsOf(index(host)),
      spawn: spawnIn,
      startCli,
      startTarget(host, args = []) {
        return spawnTarget(['--host', addrOf(index(host)), ...args], {
          command: ['ip', 'netns', 'exec', nsOf(index(host))],
        });
      },
      async startController(host, args, o) {
        const cli = startCli(host, bins.controller, [
          ...args,
          '--host',
          addrOf(index(host)),
          '--port',
          '0',
          '--token',
          o.token,
          '--agents',
          String(o.agents),
          '--local-agents',
          '0',
        ]);
        const m = await cli.waitForStderr(/agent --controller (ws:\/\/\S+)/);
        return { cli, agentUrl: m[1]! };
      },
      startAgent(host, o) {
        return startCli(
          host,
          bins.agent,
          ['--controller', o.controller, '--name', o.name, '--once', ...(o.args ?? [])],
          { BARRAGE_TOKEN: o.token },
        );
      },
      async cut(host) {
        await ip('link', 'set', port(index(host)), 'down');
      },
      async restore(host) {
        const i = index(host);
        await ip('link', 'set', port(i), 'up');
        // With STP off the kernel moves the port to forwarding (3 = BR_STATE_FORWARDING) once the
        // carrier is back, which can take a moment: watch the kernel's own state, bounded.
        let state = portState(i);
        for (let k = 0; state !== '3' && k < 500; k++) {
          await new Promise((r) => setTimeout(r, 10));
          state = portState(i);
        }
        if (state !== '3')
          throw new Error(`bridge port ${port(i)} of ${host} is in state ${state}, not forwarding, 5 s after restore`);
        const link = await ip('-n', nsOf(i), '-o', 'link', 'show', 'eth0');
        if (!link.includes('LOWER_UP')) throw new Error(`${host}'s eth0 has no carrier after restore: ${link.trim()}`);
      },
      destroy,
    };
  } catch (e) {
    await destroy();
    throw e;
  }
}
