// Offline checks of deploy/: the Kubernetes manifests are rendered with
// `kubectl kustomize` (base and the ci-run overlay) and every object is
// validated against the Kubernetes OpenAPI schema (kubernetes-models); then what
// a schema cannot see: agents dial the controller Service's name and port, tokens
// come from the Secret only, the controller is one Recreate replica, the ci-run
// Job runs `controller start` with as many agents as the agents' Job has, and
// every command line in Kubernetes, Compose and systemd uses flags the CLIs have.
// Nothing here needs a cluster or Docker.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1';
import { type IJob, Job } from 'kubernetes-models/batch/v1';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { IConfigMap, IContainer, IPodSpec, IPodTemplateSpec, ISecret, IService } from 'kubernetes-models/v1';
import { parse } from 'yaml';
import { BIN, checkCommand, one } from '../helpers/cli-flags.ts';
import { container, get, type K8sObject, matches, NO_KUBECTL, render, validateAll } from '../helpers/manifests.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const K8S = join(ROOT, 'deploy/kubernetes');

// ---------------------------------------------------------------------------------------
// Kubernetes: the wiring a schema cannot see.

/** What every barrage pod must have: non-root, read-only root, no privileges, requests and limits, tokens from the Secret. */
function checkPod(objects: readonly K8sObject[], spec: IPodSpec | undefined, where: string): void {
  assert.ok(spec);
  assert.equal(spec.securityContext?.runAsNonRoot, true, `${where}: runAsNonRoot`);
  assert.equal(spec.automountServiceAccountToken, false, `${where}: no service account token`);
  for (const c of spec.containers) {
    const w = `${where} ${c.name}`;
    assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${w}: allowPrivilegeEscalation`);
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${w}: readOnlyRootFilesystem`);
    assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL'], `${w}: capabilities`);
    for (const r of ['cpu', 'memory']) {
      assert.ok(
        c.resources?.requests?.[r] !== undefined && c.resources?.limits?.[r] !== undefined,
        `${w}: ${r} request and limit`,
      );
    }
    const args = c.args ?? [];
    assert.equal(c.command, undefined, `${w}: the image's entrypoint is kept (args only)`);
    const parsed = checkCommand(args, w);
    // Tokens never on the command line; from the Secret, by reference.
    assert.ok(!parsed.flags.has('--token') && !parsed.flags.has('--api-token'), `${w}: a token in args`);
    const env = new Map((c.env ?? []).map((e) => [e.name, e]));
    const tokens =
      parsed.bin === 'controller'
        ? ['BARRAGE_TOKEN', 'BARRAGE_API_TOKEN']
        : parsed.bin === 'agent'
          ? ['BARRAGE_TOKEN']
          : [];
    for (const name of tokens) {
      const ref = env.get(name)?.valueFrom?.secretKeyRef;
      assert.ok(ref && env.get(name)?.value === undefined, `${w}: ${name} comes from a Secret`);
      const secret = get<ISecret>(objects, 'Secret', ref.name!);
      assert.ok(ref.key in (secret.stringData ?? secret.data ?? {}), `${w}: Secret ${ref.name} has key ${ref.key}`);
    }
    // $(VAR) in args expands only from the container's env (or the Job's index).
    for (const a of args) {
      for (const m of a.matchAll(/\$\(([A-Z0-9_]+)\)/g)) {
        assert.ok(
          env.has(m[1]!) || m[1] === 'JOB_COMPLETION_INDEX',
          `${w}: ${a} names ${m[1]}, which the container does not define`,
        );
      }
    }
    for (const e of c.env ?? []) {
      const cm = e.valueFrom?.configMapKeyRef;
      if (cm)
        assert.ok(
          cm.key in (get<IConfigMap>(objects, 'ConfigMap', cm.name!).data ?? {}),
          `${w}: ConfigMap ${cm.name} has ${cm.key}`,
        );
    }
  }
}

/** The agents' --controller is the controller Service, by its name and port, and that Service selects the controller pod. */
function checkDialsController(
  objects: readonly K8sObject[],
  agent: IContainer,
  controllerPod: IPodTemplateSpec,
  where: string,
): void {
  const { flags } = checkCommand(agent.args ?? [], where);
  const url = new URL(one(flags, '--controller')!);
  const svc = get<IService>(objects, 'Service', url.hostname);
  const port = svc.spec?.ports?.find((p) => String(p.port) === url.port);
  assert.ok(port, `${where}: the Service ${svc.metadata?.name} has port ${url.port}`);
  assert.ok(
    matches(svc.spec?.selector, controllerPod.metadata?.labels),
    `${where}: Service ${svc.metadata?.name} selects the controller pod`,
  );
  const ctl = container(controllerPod, 'controller');
  const named = ctl.ports?.find((p) => p.name === port.targetPort || p.containerPort === port.targetPort);
  assert.ok(named, `${where}: the Service's targetPort ${port.targetPort} is a controller port`);
  const ctlFlags = checkCommand(ctl.args ?? [], 'controller').flags;
  assert.equal(
    one(ctlFlags, '--port'),
    String(named.containerPort),
    'the controller listens on the port the Service targets',
  );
  assert.equal(one(ctlFlags, '--host'), '0.0.0.0', 'the controller listens beyond loopback');
  assert.equal(url.protocol, 'ws:', `${where}: in-cluster plain ws:// (see docs/deploy.md for TLS)`);
}

function checkAgentPolicy(
  objects: readonly K8sObject[],
  agentPod: IPodTemplateSpec,
  controllerPod: IPodTemplateSpec,
): void {
  const np = get<INetworkPolicy>(objects, 'NetworkPolicy', 'barrage-agent');
  assert.ok(
    matches(np.spec?.podSelector?.matchLabels, agentPod.metadata?.labels),
    'the NetworkPolicy selects the agents',
  );
  assert.ok(
    !matches(np.spec?.podSelector?.matchLabels, controllerPod.metadata?.labels),
    'the NetworkPolicy does not select the controller',
  );
  assert.deepEqual(np.spec?.policyTypes, ['Ingress', 'Egress']);
  assert.deepEqual(np.spec?.ingress ?? [], [], 'nothing may reach an agent');
  const egress = np.spec?.egress ?? [];
  assert.equal(egress.length, 3, 'egress: controller, DNS, target');
  assert.ok(
    egress.some(
      (r) =>
        r.to?.some((p) => matches(p.podSelector?.matchLabels, controllerPod.metadata?.labels)) &&
        r.ports?.some((p) => p.port === 7400),
    ),
    'agents may reach the controller pod on 7400',
  );
  assert.ok(
    egress.some((r) => r.ports?.some((p) => p.port === 53 && p.protocol === 'UDP')),
    'agents may reach DNS',
  );
  const target = get<IConfigMap>(objects, 'ConfigMap', 'barrage-target').data ?? {};
  const rule = egress[2]?.to ?? [];
  assert.equal(
    rule[0]?.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'],
    target.namespace,
    'target namespace copied from barrage-target',
  );
  assert.equal(rule[1]?.ipBlock?.cidr, target.cidr, 'target CIDR copied from barrage-target');
  assert.ok(!egress.some((r) => r.to === undefined || r.to.length === 0), 'no rule allows every destination');
}

test('kubernetes base: schema-valid; controller one Recreate replica with its store; agents dial its Service; tokens from the Secret', {
  skip: NO_KUBECTL,
}, () => {
  const objects = render(join(K8S, 'base'));
  validateAll(objects);
  const ctl = new Deployment(get<IDeployment>(objects, 'Deployment', 'barrage-controller'));
  const agents = new Deployment(get<IDeployment>(objects, 'Deployment', 'barrage-agent'));
  assert.equal(ctl.spec?.replicas, 1);
  assert.equal(ctl.spec?.strategy?.type, 'Recreate');
  checkPod(objects, ctl.spec?.template.spec, 'controller Deployment');
  checkPod(objects, agents.spec?.template.spec, 'agent Deployment');

  const c = container(ctl.spec?.template, 'controller');
  const cmd = checkCommand(c.args ?? [], 'controller');
  assert.equal(cmd.sub, 'serve');
  assert.ok(one(cmd.flags, '--allow-target'), 'the controller has a target allowlist');
  // The store on the PersistentVolumeClaim.
  const db = one(cmd.flags, '--db')!;
  const mount = c.volumeMounts?.find((m) => dirname(db) === m.mountPath);
  assert.ok(mount, `--db ${db} is on a mounted volume`);
  const claim = ctl.spec?.template.spec?.volumes?.find((v) => v.name === mount.name)?.persistentVolumeClaim?.claimName;
  assert.ok(claim, 'the store volume is a PersistentVolumeClaim');
  get(objects, 'PersistentVolumeClaim', claim);
  for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
    assert.equal(probe?.httpGet?.path, '/api/v1/health');
    assert.ok(c.ports?.some((p) => p.name === probe?.httpGet?.port || p.containerPort === probe?.httpGet?.port));
  }

  const a = container(agents.spec?.template, 'agent');
  const aCmd = checkCommand(a.args ?? [], 'agent Deployment');
  assert.ok(!aCmd.flags.has('--once'), 'long-lived agents stay for the next run');
  assert.ok(one(aCmd.flags, '--allow-target'), 'agents have their own allowlist');
  checkDialsController(objects, a, ctl.spec!.template, 'agent Deployment');
  checkAgentPolicy(objects, agents.spec!.template, ctl.spec!.template);
  assert.deepEqual(agents.spec?.selector.matchLabels, agents.spec?.template.metadata?.labels);
});

test('kubernetes ci-run overlay: controller `start` Job (its exit code the verdict), Indexed Job of --once agents dialling it', {
  skip: NO_KUBECTL,
}, () => {
  const objects = render(join(K8S, 'overlays/ci-run'));
  validateAll(objects);
  assert.ok(
    !objects.some((o) => o.kind === 'Deployment' || o.kind === 'PersistentVolumeClaim'),
    'no long-lived pieces left',
  );
  const run = new Job(get<IJob>(objects, 'Job', 'barrage-run'));
  const agents = new Job(get<IJob>(objects, 'Job', 'barrage-agents'));
  checkPod(objects, run.spec?.template.spec, 'controller Job');
  checkPod(objects, agents.spec?.template.spec, 'agents Job');

  const cmd = checkCommand(container(run.spec?.template, 'controller').args ?? [], 'controller Job');
  assert.equal(cmd.sub, 'start', 'the controller Job runs `controller start`');
  assert.ok(one(cmd.flags, '--scenario') && one(cmd.flags, '--target'));
  assert.equal(one(cmd.flags, '--local-agents'), '0');
  // A verdict is never retried: the Job's outcome is the exit code of its one pod.
  assert.equal(run.spec?.backoffLimit, 0);
  assert.equal(run.spec?.template.spec?.restartPolicy, 'Never');

  assert.equal(agents.spec?.completionMode, 'Indexed');
  const n = Number(one(cmd.flags, '--agents'));
  assert.ok(n >= 1);
  assert.equal(agents.spec?.completions, n, '--agents N equals the agents Job completions');
  assert.equal(agents.spec?.parallelism, n, 'all agents run at once');
  const a = container(agents.spec?.template, 'agent');
  assert.ok(checkCommand(a.args ?? [], 'agents Job').flags.has('--once'));
  checkDialsController(objects, a, run.spec!.template, 'agents Job');
  checkAgentPolicy(objects, agents.spec!.template, run.spec!.template);
});

test('kubernetes: the placeholder Secret is replaced as docs/deploy.md shows, references unchanged', {
  skip: NO_KUBECTL,
}, (t) => {
  const base = get<ISecret>(render(join(K8S, 'base')), 'Secret', 'barrage-tokens');
  assert.ok(
    Object.values(base.stringData ?? {}).every((v) => v.startsWith('REPLACE-ME')),
    'the base holds placeholders only',
  );
  const dir = mkdtempSync(join(tmpdir(), 'barrage-kustomize-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    [
      'resources:',
      `  - ${relative(dir, join(K8S, 'overlays/ci-run'))}`,
      'secretGenerator:',
      '  - name: barrage-tokens',
      '    namespace: barrage',
      '    behavior: replace',
      '    literals: [agent-token=agent-secret-1, api-token=api-secret-2]',
      '',
    ].join('\n'),
  );
  const objects = render(dir);
  const secrets = objects.filter((o) => o.kind === 'Secret') as unknown as ISecret[];
  assert.equal(secrets.length, 1);
  const data = secrets[0]!.data ?? {};
  assert.equal(Buffer.from(data['agent-token']!, 'base64').toString(), 'agent-secret-1');
  assert.equal(Buffer.from(data['api-token']!, 'base64').toString(), 'api-secret-2');
  const refs = JSON.stringify(objects).match(/"secretKeyRef":\{[^}]*\}/g) ?? [];
  assert.ok(
    refs.length >= 3 && refs.every((r) => r.includes(`"name":"${secrets[0]!.metadata?.name}"`)),
    'every reference names the Secret',
  );
});

// ---------------------------------------------------------------------------------------
// Compose.

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  container_name?: string;
  depends_on?: Record<string, unknown>;
  healthcheck?: { test?: string[] };
}

/** Compose interpolation, with the defaults a user gets when the variable is unset. */
const interpolate = (s: string): string => s.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');

test('compose: controller, scalable agents and sample target; tokens required from the environment; valid command lines', () => {
  const file = parse(readFileSync(join(ROOT, 'deploy/compose/compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
    volumes?: Record<string, unknown>;
  };
  const { controller, agent, 'sample-target': target } = file.services;
  assert.ok(controller && agent && target, 'services controller, agent, sample-target');
  for (const [name, s] of Object.entries(file.services)) assert.match(s.image ?? '', /barrage:latest/, `${name} image`);

  // Tokens: required (${VAR:?message}), so compose refuses to start without them.
  assert.match(controller.environment?.BARRAGE_TOKEN ?? '', /^\$\{BARRAGE_TOKEN:\?.+\}$/);
  assert.match(controller.environment?.BARRAGE_API_TOKEN ?? '', /^\$\{BARRAGE_API_TOKEN:\?.+\}$/);
  assert.match(agent.environment?.BARRAGE_TOKEN ?? '', /^\$\{BARRAGE_TOKEN:\?.+\}$/);

  const ctl = checkCommand((controller.command ?? []).map(interpolate), 'compose controller');
  assert.equal(ctl.sub, 'serve');
  assert.equal(one(ctl.flags, '--host'), '0.0.0.0');
  const db = one(ctl.flags, '--db')!;
  const store = controller.volumes?.find((v) => v.endsWith(`:${dirname(db)}`));
  assert.ok(store && store.split(':')[0]! in (file.volumes ?? {}), `--db ${db} on a named volume`);
  assert.ok(
    controller.ports?.some((p) => interpolate(p).endsWith(`:${one(ctl.flags, '--port')}`)),
    'the API port is published',
  );
  assert.ok(controller.healthcheck?.test?.join(' ').includes('/api/v1/health'));

  // Scalable: no fixed name, no host port; dials the controller service by name.
  assert.equal(agent.container_name, undefined);
  assert.equal(agent.ports, undefined);
  const ag = checkCommand((agent.command ?? []).map(interpolate), 'compose agent');
  assert.equal(one(ag.flags, '--controller'), `ws://controller:${one(ctl.flags, '--port')}`);
  assert.ok(
    !ag.flags.has('--once') && !ag.flags.has('--token') && !ag.flags.has('--name'),
    'no --once, token from env, name = hostname',
  );
  assert.ok('controller' in (agent.depends_on ?? {}));

  // Load may go to the sample target only, on the controller and on every agent.
  const tg = checkCommand((target.command ?? []).map(interpolate), 'compose sample-target');
  assert.equal(one(tg.flags, '--host'), '0.0.0.0');
  assert.deepEqual(ctl.flags.get('--allow-target'), ['sample-target']);
  assert.deepEqual(ag.flags.get('--allow-target'), ['sample-target']);
  for (const s of Object.values(file.services))
    assert.ok(!(s.command ?? []).includes('--token') && !(s.command ?? []).includes('--api-token'));
});

// ---------------------------------------------------------------------------------------
// systemd.

test('systemd: agent unit with the token from an EnvironmentFile, no --once, restarted on failure, hardened', () => {
  const unit = readFileSync(join(ROOT, 'deploy/systemd/barrage-agent.service'), 'utf8').replace(/\\\n\s*/g, ' ');
  const kv = new Map<string, string>();
  for (const line of unit.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) kv.set(m[1]!, m[2]!);
  }
  for (const [k, v] of [
    ['Restart', 'on-failure'],
    ['NoNewPrivileges', 'yes'],
    ['ProtectSystem', 'strict'],
    ['DynamicUser', 'yes'],
  ]) {
    assert.equal(kv.get(k!), v, `${k}=${v}`);
  }
  assert.ok(kv.get('EnvironmentFile'), 'EnvironmentFile');
  const exec = kv.get('ExecStart')!.split(/\s+/);
  assert.match(exec[0]!, /\/node$/);
  assert.equal(exec[1], BIN.agent);
  const cmd = checkCommand(
    ['agent', ...exec.slice(2).map((a) => a.replace(/^\$\{(\w+)\}$/, 'x'))],
    'systemd ExecStart',
  );
  assert.ok(!cmd.flags.has('--once') && !cmd.flags.has('--token'), 'no --once, no token in argv');
  assert.ok(cmd.flags.has('--ca') && cmd.flags.has('--allow-target'));
  // Every ${VAR} the unit uses is set by the example environment file, with the token.
  const env = readFileSync(join(ROOT, 'deploy/systemd/barrage-agent.env.example'), 'utf8');
  const defined = new Set([...env.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]));
  assert.ok(defined.has('BARRAGE_TOKEN'));
  for (const m of kv.get('ExecStart')!.matchAll(/\$\{(\w+)\}/g))
    assert.ok(defined.has(m[1]), `${m[1]} in the example environment file`);
  assert.match(env, /^BARRAGE_CONTROLLER=wss:\/\//m, 'the example dials wss://');
});

test('docs/deploy.md exists and README links it', () => {
  const doc = readFileSync(join(ROOT, 'docs/deploy.md'), 'utf8');
  for (const p of [
    'deploy/compose/compose.yaml',
    'deploy/kubernetes/base',
    'deploy/kubernetes/overlays/ci-run',
    'deploy/systemd/barrage-agent.service',
  ])
    assert.ok(doc.includes(p), `docs/deploy.md mentions ${p}`);
  assert.match(readFileSync(join(ROOT, 'README.md'), 'utf8'), /\(docs\/deploy\.md\)/);
});
