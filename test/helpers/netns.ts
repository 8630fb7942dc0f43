// Several "hosts" on one Linux machine, for tests that need what loopback
// cannot give: a distinct source IP per process (per-IP rate limits), and a
// link that can be cut while TCP connections stay open. Each host is a network
// namespace with an `eth0` on a bridge in the root namespace; the root
// namespace (the test) reaches every host. Addresses come from 198.18.0.0/15,
// the benchmarking range, one /24 per network. Needs root and iproute2:
// netnsUnavailable() says why not, and tests skip with that reason.
import { type ChildProcess, execFile, execFileSync, type SpawnOptions, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { type SpawnedTarget, spawnTarget } from '@barrage/sample-target';
import { bins, cliEnv, type StartedCli, watchCli } from './processes.ts';

const run = promisify(execFile);

/** Every name this harness creates: `bg<pid hex>x<instance hex>…`, so stale ones (their pid gone) can be found and removed. */
const TAG = /^bg([0-9a-f]{1,6})x([0-9a-f]{1,2}|probe)/;
const IFNAMSIZ = 15;
/** Subnets are 198.18.X.0/24. */
const SUBNETS = 256;
const HOST_BASE = 10;
const MAX_HOSTS = 200;

async function ip(...args: string[]): Promise<string> {
  try {
    return (await run('ip', args, { encoding: 'utf8' })).stdout;
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`ip ${args.join(' ')}: ${(err.stderr ?? err.message).trim()}`);
  }
}

/** Like ip(), for teardown: a thing already gone is not an error. */
async function ipQuiet(...args: string[]): Promise<void> {
  try {
    await run('ip', args);
  } catch {
    /* already gone */
  }
}

let probed: { reason: string | undefined } | undefined;

/**
 * Why the harness cannot run here (not Linux, not root, no `ip`, no namespaces,
 * bridges or veth pairs), or undefined when it can. Probed once per process.
 */
export function netnsUnavailable(): string | undefined {
  probed ??= { reason: probe() };
  return probed.reason;
}

function probe(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (run the tests as root to include this one)';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'no `ip` binary (install iproute2)';
  }
  const name = `bg${process.pid.toString(16)}xprobe`;
  const step = (args: string[], what: string): string | undefined => {
    try {
      execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      return undefined;
    } catch (e) {
      return `${what} failed: ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim()}`;
    }
  };
  try {
    return (
      step(['netns', 'add', name], '`ip netns add`') ??
      step(['link', 'add', name, 'type', 'bridge'], '`ip link add type bridge`') ??
      step(
        ['link', 'add', `${name}v`, 'type', 'veth', 'peer', 'name', `${name}p`, 'netns', name],
        '`ip link add type veth`',
      )
    );
  } finally {
    for (const args of [
      ['link', 'del', name],
      ['netns', 'del', name],
    ]) {
      try {
        execFileSync('ip', args, { stdio: 'ignore' });
      } catch {
        /* not made */
      }
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function netnsNames(): Promise<string[]> {
  // `name (id: 3)` or `name`, one a line
  return (await ip('netns', 'list'))
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n !== '');
}

async function linkNames(): Promise<string[]> {
  // `7: name@if6: <…` (or `5: name: <…`), one a line
  return (await ip('-o', 'link', 'show'))
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);
}

/** PIDs of the processes in a namespace (`ip netns pids`), empty if it is gone. */
async function pidsIn(ns: string): Promise<number[]> {
  try {
    return (await ip('netns', 'pids', ns))
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * SIGKILLs every process left in the namespace, by PID, and waits until none
 * is left (non-children have no exit event: the kernel's own list is polled).
 */
async function emptyNamespace(ns: string): Promise<void> {
  for (let round = 0; round < 500; round++) {
    const pids = (await pidsIn(ns)).filter((p) => p !== process.pid);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`processes still in namespace ${ns}: ${(await pidsIn(ns)).join(', ')}`);
}

/**
 * Bridged frames go through iptables' FORWARD chain when br_netfilter is loaded, and a Docker
 * engine sets that chain's policy to DROP: our hosts could not reach one another. The harness
 * accepts its own bridge's traffic there (and takes the rule out again). No iptables: nothing to do.
 */
async function allowBridge(bridge: string, add: boolean): Promise<void> {
  try {
    await run('iptables', [add ? '-I' : '-D', 'FORWARD', '-i', bridge, '-o', bridge, '-j', 'ACCEPT']);
  } catch {
    /* no iptables, or the rule is gone already */
  }
}

/** FORWARD rules of this harness's bridges whose creating process is gone. */
async function staleBridgeRules(stale: (name: string) => boolean): Promise<string[]> {
  try {
    const rules = (await run('iptables', ['-S', 'FORWARD'], { encoding: 'utf8' })).stdout.split('\n');
    return rules
      .map((r) => /^-A FORWARD -i (\S+) -o \1 -j ACCEPT$/.exec(r)?.[1])
      .filter((b): b is string => b !== undefined && stale(b));
  } catch {
    return [];
  }
}

/** Removes namespaces and interfaces of this harness whose creating process is gone (a crashed or killed test run). */
async function removeStale(): Promise<void> {
  const stale = (name: string) => {
    const m = TAG.exec(name);
    if (m === null) return false;
    const pid = Number.parseInt(m[1]!, 16);
    return pid !== process.pid && !alive(pid);
  };
  const namespaces = (await netnsNames()).filter(stale);
  for (const ns of namespaces) await emptyNamespace(ns);
  for (const link of (await linkNames()).filter(stale)) await ipQuiet('link', 'del', link);
  for (const ns of namespaces) await ipQuiet('netns', 'del', ns);
  for (const bridge of await staleBridgeRules(stale)) await allowBridge(bridge, false);
}

/** Is 198.18.X.* on any interface, or in any route, of the root namespace? */
async function subnetUsers(x: number): Promise<string[]> {
  const prefix = `198.18.${x}.`;
  const users: string[] = [];
  for (const l of (await ip('-o', '-4', 'addr', 'show')).split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\S+)/.exec(l);
    if (m && m[2]!.startsWith(prefix)) users.push(m[1]!);
  }
  // Routes an address brings (proto kernel, local, broadcast) are covered above; others are not.
  for (const l of (await ip('-4', 'route', 'show', 'table', 'all')).split('\n')) {
    if (l.includes(prefix) && !/proto kernel|^(local|broadcast) /.test(l)) users.push(`route ${l.trim()}`);
  }
  return users;
}

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
