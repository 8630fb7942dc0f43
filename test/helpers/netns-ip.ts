// The iproute2 and iptables side of the network-namespace harness (netns.ts):
// running `ip`, what the root namespace already holds (namespaces, links,
// addresses and routes), emptying a namespace of its processes, the FORWARD
// rule a bridge needs, and removing what runs that crashed or were killed left
// behind, recognised by the harness's naming.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Every name this harness creates: `bg<pid hex>x<instance hex>…`, so stale ones (their pid gone) can be found and removed. */
const TAG = /^bg([0-9a-f]{1,6})x([0-9a-f]{1,2}|probe)/;

export async function ip(...args: string[]): Promise<string> {
  try {
    return (await run('ip', args, { encoding: 'utf8' })).stdout;
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`ip ${args.join(' ')}: ${(err.stderr ?? err.message).trim()}`);
  }
}

/** Like ip(), for teardown: a thing already gone is not an error. */
export async function ipQuiet(...args: string[]): Promise<void> {
  try {
    await run('ip', args);
  } catch {
    /* already gone */
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
export async function emptyNamespace(ns: string): Promise<void> {
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
export async function allowBridge(bridge: string, add: boolean): Promise<void> {
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
export async function removeStale(): Promise<void> {
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
export async function subnetUsers(x: number): Promise<string[]> {
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
