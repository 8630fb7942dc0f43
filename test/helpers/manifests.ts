// The Kubernetes manifests of deploy/kubernetes as the cluster would get them:
// rendered with `kubectl kustomize` (or why they cannot be here), each object
// validated against its kubernetes-models schema, and looked up by kind and
// name for the manifests' test to check the wiring a schema cannot see.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import {
  ConfigMap,
  type IContainer,
  type IPodTemplateSpec,
  Namespace,
  PersistentVolumeClaim,
  Secret,
  Service,
} from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

function kubectlMissing(): string | false {
  const r = spawnSync('kubectl', ['kustomize', '--help'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    return 'kubectl not found (Debian: apt-get install kubernetes-client, which gives `kubectl kustomize`): the Kubernetes manifests are not rendered';
  }
  return false;
}
/** Why the Kubernetes manifests cannot be rendered here (a test's skip reason), or false. */
export const NO_KUBECTL = kubectlMissing();

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

export function render(dir: string): K8sObject[] {
  const text = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject)
    .filter((o) => o !== null);
}

/** Every rendered object, constructed with its model class and validated against the schema. */
export function validateAll(objects: readonly K8sObject[]): void {
  const models: Record<string, (o: never) => { validate(): void }> = {
    'v1/Namespace': (o) => new Namespace(o),
    'v1/Secret': (o) => new Secret(o),
    'v1/ConfigMap': (o) => new ConfigMap(o),
    'v1/Service': (o) => new Service(o),
    'v1/PersistentVolumeClaim': (o) => new PersistentVolumeClaim(o),
    'apps/v1/Deployment': (o) => new Deployment(o),
    'batch/v1/Job': (o) => new Job(o),
    'networking.k8s.io/v1/NetworkPolicy': (o) => new NetworkPolicy(o),
  };
  for (const o of objects) {
    const make = models[`${o.apiVersion}/${o.kind}`];
    assert.ok(make, `no model for ${o.apiVersion} ${o.kind} ${o.metadata.name}: add one to this test`);
    assert.doesNotThrow(() => make(o as never).validate(), `${o.kind}/${o.metadata.name} fails its schema`);
    if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'barrage', `${o.kind}/${o.metadata.name} namespace`);
  }
}

export function get<T>(objects: readonly K8sObject[], kind: string, name: string): T {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} is rendered`);
  return o as unknown as T;
}

export const container = (t: IPodTemplateSpec | undefined, name: string): IContainer => {
  const c = t?.spec?.containers.find((x) => x.name === name);
  assert.ok(c, `container ${name}`);
  return c;
};
export const matches = (
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean =>
  selector !== undefined &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);
