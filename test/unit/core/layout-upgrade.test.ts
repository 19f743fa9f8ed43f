// Tables an older release stored (bare `f_<field>` anyLast columns) are rebuilt with versioned
// fields when the engine opens: merged rows keep the old last-write-wins values, a field a row
// lacked stays below any write, leftovers of an interrupted upgrade go, and later writes win.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ChdbSession, CONNECTION_LIMITS } from '../../../src/core/store/chdb-session.js';
import { upgradePlan, upgradeTableLayouts } from '../../../src/core/store/layout-upgrade.js';
import { openEngine, defaultEngineOptions } from '../../../src/core/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-upgrade-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const silent = { info: () => undefined };

/** The table main's release before this layout created: its CREATE, then one ALTER per flush. */
async function createOldTable(session: ChdbSession, db: string, table: string): Promise<void> {
  await session.exec(`CREATE DATABASE IF NOT EXISTS ${db}`);
  await session.exec(
    `CREATE TABLE IF NOT EXISTS ${db}.${table} (` +
      "`_ns` Int64 EPHEMERAL, `time` DateTime64(9, 'UTC') DEFAULT fromUnixTimestamp64Nano(`_ns`, 'UTC') CODEC(Delta(8), LZ4), `_series` LowCardinality(String)" +
      ') ENGINE = AggregatingMergeTree PARTITION BY toMonday(`time`) ORDER BY (`_series`, `time`) SETTINGS allow_dimensions_outside_sorting_key = 1',
  );
  const field = (name: string, type: string): string => `ADD COLUMN IF NOT EXISTS \`f_${name}\` SimpleAggregateFunction(anyLast, Nullable(${type}))`;
  await session.exec(
    `ALTER TABLE ${db}.${table} ADD COLUMN IF NOT EXISTS \`t_host\` LowCardinality(String), ADD INDEX IF NOT EXISTS \`i_t_host\` \`t_host\` TYPE set(128) GRANULARITY 1, ` +
      [field('v', 'Float64'), field('s', 'String'), field('i', 'Int64'), field('u', 'UInt64'), field('b', 'Bool')].join(', '),
  );
}

test('an older table is rebuilt with versioned fields, its merged values kept, and a second pass finds nothing', { timeout: 120_000 }, async () => {
  const session = new ChdbSession({ dir: join(dir, 'session'), stagingDir: join(dir, 'session-staging') });
  session.open();
  try {
    await createOldTable(session, 'hb_db__rp', 'm_m');
    const insert = '`_ns`, `_series`, `t_host`, `f_v`, `f_s`, `f_i`, `f_u`, `f_b`';
    await session.exec(`INSERT INTO hb_db__rp.m_m (${insert}) VALUES (1, 'm,host=a', 'a', 1, 'x', -3, 18446744073709551615, true), (2, 'm,host=a', 'a', NULL, 'y', NULL, NULL, NULL)`);
    // A later part overwrites v at time 1 and leaves s alone (anyLast skipped NULLs).
    await session.exec(`INSERT INTO hb_db__rp.m_m (${insert}) VALUES (1, 'm,host=a', 'a', 0.5, NULL, NULL, NULL, false)`);
    // What an upgrade stopped part way leaves: a copy under the upgrade prefix.
    await session.exec('CREATE TABLE hb_db__rp.u_gone (x Int8) ENGINE = MergeTree ORDER BY x');

    assert.equal(await upgradeTableLayouts(session, silent), 1);
    const tables = await session.query("SELECT name FROM system.tables WHERE database = 'hb_db__rp' ORDER BY name");
    assert.deepEqual(tables.rows, [['m_m']]);
    const columns = await session.query("SELECT name, type FROM system.columns WHERE database = 'hb_db__rp' AND table = 'm_m' AND default_kind = '' ORDER BY position");
    assert.deepEqual(columns.rows, [
      ['_series', 'LowCardinality(String)'],
      ['t_host', 'LowCardinality(String)'],
      ['v_v', 'SimpleAggregateFunction(max, Tuple(UInt64, Nullable(Float64)))'],
      ['v_s', 'SimpleAggregateFunction(max, Tuple(UInt64, Nullable(String)))'],
      ['v_i', 'SimpleAggregateFunction(max, Tuple(UInt64, Nullable(Int64)))'],
      ['v_u', 'SimpleAggregateFunction(max, Tuple(UInt64, Nullable(UInt64)))'],
      ['v_b', 'SimpleAggregateFunction(max, Tuple(UInt64, Nullable(Bool)))'],
    ]);
    const read = 'SELECT toUnixTimestamp64Nano(time), t_host, toString(v_v), toString(v_s), toString(v_i), toString(v_u), toString(v_b) FROM hb_db__rp.m_m FINAL ORDER BY time';
    assert.deepEqual((await session.query(read)).rows, [
      ['1', 'a', '(1,0.5)', "(1,'x')", '(1,-3)', '(1,18446744073709551615)', '(1,false)'],
      ['2', 'a', '(0,NULL)', "(1,'y')", '(0,NULL)', '(0,NULL)', '(0,NULL)'],
    ]);
    const index = await session.query("SELECT name FROM system.data_skipping_indices WHERE database = 'hb_db__rp' AND table = 'm_m'");
    assert.deepEqual(index.rows, [['i_t_host']]);
    assert.equal(await upgradeTableLayouts(session, silent), 0);
  } finally {
    session.close();
  }
});

test('a wide older table is rebuilt in statements within the connection limits', () => {
  const columns = [
    { name: '_ns', type: 'Int64' },
    { name: 'time', type: "DateTime64(9, 'UTC')" },
    { name: '_series', type: 'String' },
    ...Array.from({ length: 1000 }, (_, i) => ({ name: `t_tag${i}`, type: 'LowCardinality(String)' })),
    ...Array.from({ length: 10_000 }, (_, i) => ({ name: `f_field${i}`, type: 'SimpleAggregateFunction(anyLast, Nullable(Float64))' })),
  ];
  const plan = upgradePlan('hb_db__rp', 'm_wide', columns, { maxBytes: 200_000, maxDefinitions: 4_000 });
  assert.equal(plan.tagKeys, 1000);
  assert.equal(plan.fields, 10_000);
  assert.match(plan.statements[0]!, /^DROP TABLE IF EXISTS `hb_db__rp`\.`u_wide` SYNC$/);
  assert.match(plan.statements[1]!, /^CREATE TABLE IF NOT EXISTS `hb_db__rp`\.`u_wide` /);
  assert.ok(plan.statements.filter((s) => s.startsWith('ALTER TABLE `hb_db__rp`.`u_wide`')).length >= 2);
  const insert = plan.statements.at(-3)!;
  assert.match(insert, /^INSERT INTO `hb_db__rp`\.`u_wide` \(`time`, `_series`, `t_tag0`/);
  assert.match(insert, /tuple\(toUInt64\(1 \* isNotNull\(`f_field9999`\)\), `f_field9999`\) FROM `hb_db__rp`\.`m_wide` FINAL/);
  assert.ok(Buffer.byteLength(insert) < CONNECTION_LIMITS.maxQuerySize);
  assert.deepEqual(plan.statements.slice(-2), ['EXCHANGE TABLES `hb_db__rp`.`m_wide` AND `hb_db__rp`.`u_wide`', 'DROP TABLE `hb_db__rp`.`u_wide` SYNC']);
  assert.throws(() => upgradePlan('d', 'm_x', [{ name: 'f_v', type: 'Nullable(Float64)' }]), /column f_v has type Nullable\(Float64\)/);
  assert.throws(() => upgradePlan('d', 'm_x', [{ name: 'extra', type: 'Int8' }]), /has a column extra/);
});

test('an engine opening a data directory of the older layout answers as before and takes new writes', { timeout: 180_000 }, async () => {
  const dataDir = join(dir, 'engine');
  const deps = () => ({ log: pino({ level: 'silent' }), registry: new Registry() });
  let engine = await openEngine(defaultEngineOptions(dataDir), deps());
  await engine.query('CREATE DATABASE db', { db: '' });
  await engine.write({ db: 'db', body: Buffer.from('m,host=a v=1,s="x" 1000\nm,host=b v=2,s="y" 2000') });
  await engine.flush();
  await engine.close();
  // The table as the older release stored the same writes (the catalog is the same in both).
  const session = new ChdbSession({ dir: defaultEngineOptions(dataDir).chdbDir, stagingDir: join(dir, 'engine-staging') });
  session.open();
  try {
    await session.exec('DROP TABLE hb_db__autogen.m_m SYNC');
    await createOldTable(session, 'hb_db__autogen', 'm_m');
    await session.exec("INSERT INTO hb_db__autogen.m_m (`_ns`, `_series`, `t_host`, `f_v`, `f_s`) VALUES (1000, 'm,host=a', 'a', 1, 'x'), (2000, 'm,host=b', 'b', 2, 'y')");
  } finally {
    session.close();
  }
  engine = await openEngine(defaultEngineOptions(dataDir), deps());
  try {
    const before = await engine.query('SELECT v, s FROM m GROUP BY host', { db: 'db' });
    assert.deepEqual(
      before[0]?.series?.map((s) => [s.tags, s.values]),
      [
        [{ host: 'a' }, [[1000n, 1, 'x']]],
        [{ host: 'b' }, [[2000n, 2, 'y']]],
      ],
    );
    await engine.write({ db: 'db', body: Buffer.from('m,host=a v=0.25 1000') });
    await engine.flush();
    assert.deepEqual((await engine.query("SELECT v, s FROM m WHERE host = 'a'", { db: 'db' }))[0]?.series?.[0]?.values, [[1000n, 0.25, 'x']]);
    assert.deepEqual(engine.health().quarantined, []);
  } finally {
    await engine.close();
  }
});
