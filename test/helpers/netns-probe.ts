// Whether the network-namespace harness (netns.ts) can run on this machine,
// found by trying what it needs (a namespace, a bridge, a veth pair) under a
// throwaway name, so a test skips with the exact reason instead of failing
// half-way through building its network.
import { execFileSync } from 'node:child_process';

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
