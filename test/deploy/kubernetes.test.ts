// deploy/kubernetes (issue 16, item 3): the manifests parse, kustomization lists what is there, the Deployment runs
// several replicas that take traffic on /readyz and are restarted on /healthz (routes the server really has), the
// disruption budget and the Service select its pods, and the settings it gives (ConfigMap + the example Secret) are
// ones the server accepts in production.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { parseSettings } from '../../src/platform/settings.ts';

const dir = path.join(import.meta.dirname, '../../deploy/kubernetes');
type Doc = { kind: string; metadata?: { name?: string }; spec?: Record<string, unknown>; [k: string]: unknown };

function read(file: string): Doc[] {
  const docs = parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'));
  for (const d of docs) assert.deepEqual(d.errors, [], `${file} parses`);
  return docs.map((d) => d.toJS() as Doc);
}

const one = (file: string, kind: string) => {
  const found = read(file).find((d) => d.kind === kind);
  assert.ok(found, `${file} holds a ${kind}`);
  // biome-ignore lint/suspicious/noExplicitAny: parsed YAML, each field checked by the assertions that read it.
  return found as Doc & { spec: any; data?: Record<string, string>; stringData?: Record<string, string> };
};

test('the manifests hold together and give the server settings it accepts in production', () => {
  const kustomization = one('kustomization.yaml', 'Kustomization') as Doc & { resources: string[] };
  for (const file of kustomization.resources) assert.ok(fs.existsSync(path.join(dir, file)), `${file} exists`);
  assert.ok(!kustomization.resources.includes('secret.example.yaml'), 'the example Secret is not applied');

  const deployment = one('deployment.yaml', 'Deployment');
  assert.ok(deployment.spec.replicas >= 2, 'several replicas');
  const pod = deployment.spec.template;
  const container = pod.spec.containers[0];
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  assert.equal(container.livenessProbe.httpGet.path, '/healthz');
  const ops = fs.readFileSync(path.join(import.meta.dirname, '../../src/flows/ops/routes.ts'), 'utf8');
  assert.match(ops, /'\/readyz'/);
  assert.match(ops, /'\/healthz'/);
  assert.deepEqual(
    container.envFrom.map((e: Record<string, { name: string }>) => Object.keys(e)[0]),
    ['configMapRef', 'secretRef'],
  );

  const labels = pod.metadata.labels;
  const selects = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
  assert.ok(selects(deployment.spec.selector.matchLabels));
  assert.ok(selects(one('poddisruptionbudget.yaml', 'PodDisruptionBudget').spec.selector.matchLabels));
  assert.ok(selects(one('service.yaml', 'Service').spec.selector));

  const config = one('configmap.yaml', 'ConfigMap').data!;
  const secret = one('secret.example.yaml', 'Secret').stringData!;
  const settings = parseSettings({ ...config, ...secret, SECRET_KEY: Buffer.alloc(32, 7).toString('base64url') });
  assert.equal(settings.env, 'production');
  assert.equal(settings.trustProxy, true);
  assert.ok(settings.databaseUrl && settings.redisUrl, 'shared PostgreSQL and Redis');
});
