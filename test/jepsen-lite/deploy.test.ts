// deploy/ checked without containers (none run on these machines): the compose file with Debian's
// docker-compose, each node's environment against our config schema, Prometheus' config and
// alert rules with promtool (and their unit tests), the Grafana provisioning; then a three-node
// cluster of real processes scraped by a real Prometheus under load (writes at quorum, queries,
// refused writes and queries, a peer stopped for a few seconds), where every dashboard panel's
// expression must return data (not nothing, not only NaN), and so must every alert rule's
// expression once its thresholds are removed (a healthy cluster fires none).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../support/hyperbytedb-server.js';
import { loadConfig } from '../../src/cli/load-config.js';
import { startCluster, type TestCluster } from '../support/hyperbytedb-cluster.js';
import { debianToolMissing, startPrometheus, type PrometheusHandle, type PromSample } from '../support/prometheus-server.js';

const DEPLOY = join(repoRoot, 'deploy');
const COMPOSE_FILE = join(DEPLOY, 'docker-compose.yml');
const PROMETHEUS_CONFIG = join(DEPLOY, 'prometheus', 'prometheus.yml');
const ALERTS = join(DEPLOY, 'prometheus', 'alerts.yml');
const DASHBOARDS = join(DEPLOY, 'grafana', 'dashboards');

const composeMissing = debianToolMissing('docker-compose', 'docker-compose');
const prometheusMissing = debianToolMissing('prometheus', 'prometheus') || debianToolMissing('promtool', 'prometheus');

function run(command: string, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, ...options });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

function yamlToJson<T>(text: string): T {
  return parseYaml(text) as T;
}

interface ComposeService {
  readonly image?: string;
  readonly environment?: Record<string, string | null>;
  readonly volumes?: Array<string | { source?: string; target: string }>;
  readonly build?: { context: string; dockerfile?: string };
}

interface PanelTarget {
  readonly expr?: string;
  readonly datasource?: { readonly uid?: string };
}

interface Panel {
  readonly type: string;
  readonly title: string;
  readonly datasource?: { readonly uid?: string };
  readonly targets?: readonly PanelTarget[];
  readonly panels?: readonly Panel[];
}

interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: ReadonlyArray<{ readonly name: string; readonly query?: unknown }> };
}

function dashboards(): Array<{ file: string; dashboard: Dashboard }> {
  return readdirSync(DASHBOARDS)
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as Dashboard }));
}

function panelsOf(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((panel) => (panel.type === 'row' ? [...(panel.panels ?? [])] : [panel]));
}

/** Grafana's variables as the test evaluates them: every node, a rate window of 20 scrapes. */
function withVariables(expr: string): string {
  const out = expr.replaceAll('$__rate_interval', '20s').replaceAll('$instance', '.+');
  assert.ok(!out.includes('$'), `a variable the test does not know in ${expr}`);
  return out;
}

function variableQuery(query: unknown): string {
  if (typeof query === 'string') return query;
  const inner = (query as { query?: unknown } | undefined)?.query;
  return typeof inner === 'string' ? inner : '';
}

/** Splits `expr` at and/or/unless outside parentheses and drops each part's comparison with a number. */
function withoutThresholds(expr: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (depth === 0) {
      const op = /^\s(and|or|unless)\s/.exec(expr.slice(i));
      if (op !== null) {
        parts.push(expr.slice(start, i));
        i += op[0].length - 1;
        start = i + 1;
      }
    }
  }
  parts.push(expr.slice(start));
  return parts.map((part) => part.replace(/\s*(==|!=|>=|<=|>|<)\s*(bool\s+)?-?[0-9.]+(e[+-]?[0-9]+)?\s*$/, '').trim());
}

/** Why an expression shows nothing in Grafana (invalid, no series, or only NaN), or null when it returns data. */
async function evaluationProblem(prometheus: PrometheusHandle, expr: string): Promise<string | null> {
  let result: PromSample[];
  try {
    result = await prometheus.query(expr);
  } catch (error) {
    return `invalid: ${String(error)}`;
  }
  if (result.length === 0) return `no data for ${expr}`;
  if (result.every((sample) => Number.isNaN(Number(sample.value[1])))) return `only NaN for ${expr}`;
  return null;
}

test('docker-compose.yml is valid for docker-compose, and each node\'s environment and config file load in our schema', { skip: composeMissing, timeout: 90_000 }, () => {
  const check = run('docker-compose', ['-f', COMPOSE_FILE, 'config', '-q']);
  assert.equal(check.status, 0, check.stderr);
  const resolved = run('docker-compose', ['-f', COMPOSE_FILE, 'config']);
  assert.equal(resolved.status, 0, resolved.stderr);
  const compose = yamlToJson<{ services: Record<string, ComposeService> }>(resolved.stdout);
  const services = Object.keys(compose.services).sort();
  assert.deepEqual(services, ['alloy', 'grafana', 'hyperbytedb-1', 'hyperbytedb-2', 'hyperbytedb-3', 'loki', 'prometheus', 'tempo']);
  const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
  assert.match(dockerfile, /^FROM node:20/m);
  assert.match(dockerfile, /npm ci --omit=dev/);
  const entry = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
  assert.ok(entry, 'an ENTRYPOINT in exec form');
  const entryArgs = JSON.parse(entry[1]!) as string[];
  const configInImage = entryArgs[entryArgs.indexOf('--config') + 1]!;
  assert.match(dockerfile, new RegExp(`^COPY deploy/hyperbytedb/hyperbytedb\\.toml ${configInImage.replace(/[.]/g, '\\.')}$`, 'm'));
  const peersSeen = new Set<string>();
  for (const name of services.filter((s) => s.startsWith('hyperbytedb-'))) {
    const service = compose.services[name]!;
    assert.equal(service.build?.dockerfile, 'deploy/Dockerfile', name);
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(service.environment ?? {})) env[key] = value ?? '';
    // The node's own config exactly as it would start: the image's file, then its environment.
    const config = loadConfig({ configFile: join(DEPLOY, 'hyperbytedb', 'hyperbytedb.toml'), env });
    const nodeId = config.cluster.nodeId;
    assert.equal(`hyperbytedb-${nodeId.slice('node-'.length)}`, name);
    assert.equal(config.cluster.httpAdvertiseAddress, `${name}:8086`);
    assert.equal(config.cluster.raftAdvertiseAddress, `${name}:${config.cluster.raftPort}`);
    assert.equal(config.server.bindAddress, '0.0.0.0');
    assert.equal(config.logging.format, 'json');
    assert.equal(config.logging.otlpEndpoint, 'http://alloy:4318');
    peersSeen.add(JSON.stringify(config.cluster.peers));
    for (const seed of config.cluster.join) assert.ok(services.includes(seed.split(':')[0]!) && seed.split(':')[0] !== name, `${name} joins through ${seed}`);
  }
  assert.equal(peersSeen.size, 1, 'every node lists the same peers');
  // Prometheus scrapes each node on its own, labelled with its node id.
  const prometheus = yamlToJson<{ scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[]; labels?: Record<string, string> }> }> }>(readFileSync(PROMETHEUS_CONFIG, 'utf8'));
  const job = prometheus.scrape_configs.find((c) => c.job_name === 'hyperbytedb')!;
  assert.deepEqual(job.static_configs.map((c) => [c.targets, c.labels?.['instance']]), [1, 2, 3].map((i) => [[`hyperbytedb-${i}:8086`], `node-${i}`]));
});

test('Prometheus config and alert rules pass promtool, and every alert fires in its unit test', { skip: prometheusMissing, timeout: 60_000 }, () => {
  for (const args of [['check', 'config', PROMETHEUS_CONFIG], ['check', 'rules', ALERTS], ['test', 'rules', 'alerts.test.yml']]) {
    const result = run('promtool', args, { cwd: join(DEPLOY, 'prometheus') });
    assert.equal(result.status, 0, `promtool ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
  }
  const rules = yamlToJson<{ groups: Array<{ rules: Array<{ alert: string }> }> }>(readFileSync(ALERTS, 'utf8'));
  const tested = readFileSync(join(DEPLOY, 'prometheus', 'alerts.test.yml'), 'utf8');
  for (const { alert } of rules.groups.flatMap((g) => g.rules)) assert.match(tested, new RegExp(`alertname: ${alert}\\b`), `${alert} has a unit test`);
  // What the cluster test evaluates of each rule (its expression without thresholds).
  assert.deepEqual(withoutThresholds('a > 1000 and deriv(a[10m]) > 0'), ['a', 'deriv(a[10m])']);
  assert.deepEqual(withoutThresholds('(a - b) > 0 and delta(b[10m]) == 0'), ['(a - b)', 'delta(b[10m])']);
  assert.deepEqual(withoutThresholds('sum by (instance, peer) (rate(x{k!="v"}[5m])) / sum(y) > 0.05'), ['sum by (instance, peer) (rate(x{k!="v"}[5m])) / sum(y)']);
});

test('Grafana provisioning: the datasources the dashboards use, trace-to-log links, dashboards found where compose mounts them', { timeout: 30_000 }, () => {
  const provisioning = join(DEPLOY, 'grafana', 'provisioning');
  const datasources = yamlToJson<{ datasources: Array<{ uid: string; type: string; url: string; jsonData?: Record<string, unknown> }> }>(readFileSync(join(provisioning, 'datasources', 'datasources.yml'), 'utf8')).datasources;
  assert.deepEqual(datasources.map((d) => [d.uid, d.type, d.url]), [['prometheus', 'prometheus', 'http://prometheus:9090'], ['loki', 'loki', 'http://loki:3100'], ['tempo', 'tempo', 'http://tempo:3200']]);
  const tempo = datasources.find((d) => d.uid === 'tempo')!.jsonData as { tracesToLogsV2: { datasourceUid: string; query: string } };
  assert.equal(tempo.tracesToLogsV2.datasourceUid, 'loki');
  assert.match(tempo.tracesToLogsV2.query, /trace_id="\$\$\{__trace\.traceId\}"/);
  const loki = datasources.find((d) => d.uid === 'loki')!.jsonData as { derivedFields: Array<{ datasourceUid: string; matcherRegex: string }> };
  const derived = loki.derivedFields[0]!;
  assert.equal(derived.datasourceUid, 'tempo');
  // The regex finds the trace id in a real JSON log line of ours.
  assert.equal(new RegExp(derived.matcherRegex).exec('{"level":"info","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","msg":"request"}')?.[1], '4bf92f3577b34da6a3ce929d0e0e4736');
  const alloy = readFileSync(join(DEPLOY, 'alloy', 'config.alloy'), 'utf8');
  assert.match(alloy, /endpoint = "0\.0\.0\.0:4318"/);
  assert.match(alloy, /endpoint = "tempo:4317"/);
  assert.match(alloy, /url = "http:\/\/loki:3100\/loki\/api\/v1\/push"/);
  const providers = yamlToJson<{ providers: Array<{ options: { path: string } }> }>(readFileSync(join(provisioning, 'dashboards', 'dashboards.yml'), 'utf8'));
  const compose = readFileSync(COMPOSE_FILE, 'utf8');
  assert.ok(compose.includes(`./grafana/dashboards:${providers.providers[0]!.options.path}:ro`));
  const uids = new Set<string>();
  for (const { file, dashboard } of dashboards()) {
    assert.ok(!uids.has(dashboard.uid), `${file}: uid ${dashboard.uid} repeated`);
    uids.add(dashboard.uid);
    for (const panel of panelsOf(dashboard)) {
      assert.equal(panel.datasource?.uid, 'prometheus', `${file}: ${panel.title}`);
      assert.ok((panel.targets ?? []).length > 0 && panel.targets!.every((t) => typeof t.expr === 'string' && t.expr !== ''), `${file}: ${panel.title} has expressions`);
    }
  }
  assert.deepEqual([...uids].sort(), ['hyperbytedb-cluster-overview', 'hyperbytedb-node-detail']);
});

/** The answer's status; with `expected`, a different one fails with the answer's body. */
async function send(url: string, method: 'GET' | 'POST', body?: string, expected?: number): Promise<number> {
  const res = await request(url, { method, headersTimeout: 15_000, bodyTimeout: 15_000, ...(body !== undefined ? { body } : {}) });
  const text = await res.body.text();
  if (expected !== undefined) assert.equal(res.statusCode, expected, `${method} ${url}: ${text}`);
  return res.statusCode;
}

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * A write that must succeed; a 503 is retried for a few seconds, since a resumed peer may call
 * an election and members answer 503 until they see the new leader (that is not under test here).
 */
async function writeSettled(url: string, body: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await request(url, { method: 'POST', body, headersTimeout: 15_000, bodyTimeout: 15_000 });
    const text = await res.body.text();
    if (res.statusCode === 503 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    assert.equal(res.statusCode, 204, `POST ${url}: ${text}`);
    return;
  }
}

/** Load on the cluster: writes at quorum and queries on every node, and what the error panels show. */
async function putLoad(cluster: TestCluster, prometheus: PrometheusHandle): Promise<void> {
  const [n1, n2, n3] = cluster.nodes;
  assert.equal(await send(`${n1!.url}/query?q=${encodeURIComponent('CREATE DATABASE load')}`, 'POST'), 200);
  // The database reaches the other nodes through Raft: a write there before it arrives is a 404.
  for (const node of cluster.nodes) {
    await waitUntil(`database load on ${node.id}`, 10_000, async () => (await send(`${node.url}/write?db=load`, 'POST', 'probe v=1')) === 204);
  }
  let tick = 0;
  const round = async (nodes: typeof cluster.nodes): Promise<void> => {
    tick++;
    await Promise.all(
      nodes.flatMap((node, i) => [
        writeSettled(`${node.url}/write?db=load&consistency=quorum`, `cpu,host=h${i},tick=t${tick % 5} usage=${tick},idle=${100 - (tick % 100)}i ${Date.now()}000000`),
        send(`${node.url}/query?db=load&q=${encodeURIComponent('SELECT mean(usage) FROM cpu WHERE time > now() - 1h GROUP BY host')}`, 'GET', undefined, 200),
      ]),
    );
  };
  for (let i = 0; i < 6; i++) await round(cluster.nodes);
  // What the error panels count: a refused line, a field type conflict, a bad query, an unsigned peer request.
  for (const node of cluster.nodes) {
    assert.equal(await send(`${node.url}/write?db=load`, 'POST', 'cpu,host=x usage='), 400);
    assert.equal(await send(`${node.url}/write?db=load`, 'POST', 'cpu,host=x usage="text"'), 400);
    assert.equal(await send(`${node.url}/query?db=load&q=${encodeURIComponent('SELEKT 1')}`, 'GET'), 400);
    assert.equal(await send(`${node.url}/internal/replicate`, 'POST', 'x'), 401);
  }
  // A peer stops answering for a few seconds: replication to it fails and its backlog grows.
  const paused = n3!.handle!.pid;
  process.kill(paused, 'SIGSTOP');
  try {
    const stoppedAt = Date.now();
    while (Date.now() - stoppedAt < 3_000) await round([n1!, n2!]);
    await send(`${n1!.url}/write?db=load&consistency=all`, 'POST', `cpu,host=all usage=1 ${Date.now()}000000`);
  } finally {
    process.kill(paused, 'SIGCONT');
  }
  await waitUntil('replication errors scraped', 20_000, async () => (await prometheus.query('sum(hyperbytedb_replication_errors_total)')).length > 0);
  // The peer is back: every node Active again before the last rounds.
  await cluster.waitReady(30_000);
  for (let i = 0; i < 3; i++) await round(cluster.nodes);
  // Two more scrapes of the settled cluster.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
}

test('a 3-node cluster under load, scraped by Prometheus: every dashboard panel returns data, and so does every alert rule without its thresholds', { skip: prometheusMissing, timeout: 120_000 }, async (t) => {
  let cluster: TestCluster | null = null;
  let prometheus: PrometheusHandle | null = null;
  const started = Date.now();
  try {
    cluster = await startCluster({
      size: 3,
      env: { HYPERBYTEDB__CLUSTER__PEER_REQUEST_TIMEOUT: '500ms', HYPERBYTEDB__CLUSTER__SYNC_INTERVAL: '1s', HYPERBYTEDB__FLUSH__INTERVAL_SECS: '1' },
    });
    const nodes = cluster.nodes;
    // The deploy config with this cluster's addresses, scraping and evaluating every second.
    const deployed = yamlToJson<{ global: Record<string, unknown>; rule_files: string[]; scrape_configs: Array<{ job_name: string; static_configs: unknown[] }> }>(readFileSync(PROMETHEUS_CONFIG, 'utf8'));
    prometheus = await startPrometheus(() =>
      JSON.stringify({
        ...deployed,
        global: { ...deployed.global, scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: deployed.rule_files.map((f) => join(DEPLOY, 'prometheus', f)),
        scrape_configs: deployed.scrape_configs
          .filter((c) => c.job_name === 'hyperbytedb')
          .map((c) => ({ ...c, static_configs: nodes.map((n) => ({ targets: [`127.0.0.1:${n.httpPort}`], labels: { instance: n.id } })) })),
      }),
    );
    const handle = prometheus;
    await waitUntil('every node scraped', 20_000, async () => (await handle.query('up{job="hyperbytedb"} == 1')).length === 3);
    const loadStarted = Date.now();
    await putLoad(cluster, handle);
    t.diagnostic(`cluster ready in ${loadStarted - started} ms, load ${Date.now() - loadStarted} ms`);

    const empty: string[] = [];
    let evaluated = 0;
    for (const { dashboard } of dashboards()) {
      // The variables' queries (label_values(metric, label)) must list every node.
      for (const variable of dashboard.templating.list) {
        const [, metric, label] = /^label_values\((\w+),\s*(\w+)\)$/.exec(variableQuery(variable.query)) ?? [];
        assert.ok(metric !== undefined && label !== undefined, `${dashboard.title}: variable ${variable.name} is label_values(metric, label)`);
        const values = new Set((await handle.query(metric)).map((s) => s.metric[label]));
        assert.deepEqual([...values].sort(), nodes.map((n) => n.id).sort(), `${dashboard.title}: variable ${variable.name}`);
      }
      for (const panel of panelsOf(dashboard)) {
        for (const target of panel.targets ?? []) {
          const expr = withVariables(target.expr!);
          evaluated++;
          const problem = await evaluationProblem(handle, expr);
          if (problem !== null) empty.push(`${dashboard.title} / ${panel.title}: ${problem}`);
        }
      }
    }
    assert.ok(evaluated >= 40, `evaluated ${evaluated} panel expressions`);

    // Alert rules: loaded and evaluated by Prometheus without error. A healthy cluster fires
    // none, so what must return data is each rule's expression without its thresholds: every
    // operand of and/or/unless with its comparison to a number removed.
    const groups = await handle.api<{ groups: Array<{ rules: Array<{ name: string; query: string; health: string; lastError?: string; type: string }> }> }>('rules');
    const rules = groups.groups.flatMap((g) => g.rules).filter((r) => r.type === 'alerting');
    assert.equal(rules.length, 12);
    const problems: string[] = [];
    for (const rule of rules) {
      if (rule.health !== 'ok') problems.push(`${rule.name}: health ${rule.health} ${rule.lastError ?? ''}`);
      for (const operand of withoutThresholds(rule.query)) {
        const problem = await evaluationProblem(handle, operand);
        if (problem !== null) problems.push(`${rule.name}: ${problem}`);
      }
    }
    assert.deepEqual([...empty, ...problems], []);
    // The stopped peer made the replication-error alert's condition true (before its `for`).
    const replicationRule = rules.find((r) => r.name === 'HyperbyteDBReplicationErrors')!;
    const firing = await handle.query(replicationRule.query.replace('[5m]', '[2m]'));
    assert.ok(firing.some((s) => s.metric['peer'] === nodes[2]!.id), `replication errors to ${nodes[2]!.id}: ${JSON.stringify(firing)}`);
  } finally {
    if (cluster) {
      const paused = cluster.nodes[2]?.handle?.pid;
      if (paused !== undefined) {
        try {
          process.kill(paused, 'SIGCONT');
        } catch {
          // already gone
        }
      }
    }
    await prometheus?.stop();
    await cluster?.stop();
  }
});
