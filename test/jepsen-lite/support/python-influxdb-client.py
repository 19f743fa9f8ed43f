# Drives Debian's python3-influxdb (5.3) the way its users do and prints one JSON line per step,
# so the client test can compare HyperbyteDB's answers with InfluxDB 1.6.7's. Its queries ask
# for MessagePack (Accept: application/x-msgpack); its writes send line protocol.
# Usage: python3 python-influxdb-client.py HOST PORT
import json
import sys
import time

from influxdb import InfluxDBClient
from influxdb.exceptions import InfluxDBClientError, InfluxDBServerError

host, port = sys.argv[1], int(sys.argv[2])
client = InfluxDBClient(host=host, port=port, database='py', timeout=20, retries=1)


def emit(step, value):
    print(json.dumps({'step': step, 'value': value}, sort_keys=True), flush=True)


def attempt(step, fn):
    try:
        emit(step, fn())
    except (InfluxDBClientError, InfluxDBServerError) as error:
        emit(step, {'error': str(error), 'code': getattr(error, 'code', None)})


def points(result):
    return list(result.get_points())


attempt('create_database', lambda: client.create_database('py'))
attempt('create_retention_policy', lambda: client.create_retention_policy('recent', '1h', 1, database='py'))
attempt('write_points', lambda: client.write_points([
    {'measurement': 'cpu', 'tags': {'host': 'a'}, 'time': 1000000000, 'fields': {'usage': 1.0, 'cores': 4, 'state': 'ok', 'up': True}},
    {'measurement': 'cpu', 'tags': {'host': 'b'}, 'time': 2000000000, 'fields': {'usage': 2.5, 'cores': 8, 'state': 'hot', 'up': False}},
    {'measurement': 'cpu', 'tags': {'host': 'a'}, 'time': 3000000000, 'fields': {'usage': 3.5, 'cores': 4, 'state': 'ok', 'up': True}},
], time_precision='n'))
attempt('write_line_protocol', lambda: client.write_points(['mem,host=a used=10i 4000000000'], protocol='line', time_precision='n'))
attempt('write_recent_policy', lambda: client.write_points(
    [{'measurement': 'disk', 'tags': {'dev': 'sda'}, 'fields': {'free': 7}}], retention_policy='recent'))
attempt('write_bad_line', lambda: client.write_points(['cpu usage='], protocol='line'))
attempt('write_unknown_database', lambda: client.write_points(['cpu usage=1'], protocol='line', database='nope'))
attempt('select_star', lambda: points(client.query('SELECT * FROM cpu')))
attempt('value_types', lambda: [[type(p[k]).__name__ for k in ('usage', 'cores', 'state', 'up')] for p in points(client.query('SELECT * FROM cpu'))])
attempt('select_epoch_ms', lambda: points(client.query('SELECT usage, cores FROM cpu', epoch='ms')))
attempt('select_grouped', lambda: [[list(k), list(v)] for k, v in client.query('SELECT mean(usage), max(cores) FROM cpu GROUP BY host').items()])
attempt('select_multi', lambda: [points(r) for r in client.query('SELECT count(usage) FROM cpu; SELECT last(used) FROM mem')])
attempt('select_error', lambda: points(client.query('SELECT nope(usage) FROM cpu')))
attempt('parse_error', lambda: points(client.query('SELEC * FROM cpu')))
attempt('bind_params', lambda: points(client.query('SELECT usage FROM cpu WHERE host = $h', bind_params={'h': 'b'})))
attempt('list_databases', lambda: [d for d in client.get_list_database() if d['name'] == 'py'])
attempt('list_measurements', lambda: client.get_list_measurements())
attempt('list_series', lambda: client.get_list_series())
attempt('list_series_recent', lambda: client.get_list_series(measurement='disk'))
attempt('list_retention_policies', lambda: client.get_list_retention_policies())
attempt('field_keys', lambda: points(client.query('SHOW FIELD KEYS FROM cpu')))
attempt('tag_values', lambda: points(client.query('SHOW TAG VALUES WITH KEY = host')))
attempt('delete_series', lambda: client.delete_series(measurement='mem'))
attempt('after_delete', lambda: client.get_list_measurements())
attempt('drop_measurement', lambda: client.drop_measurement('disk'))
attempt('ping', lambda: client.ping() is not None)
attempt('drop_database', lambda: client.drop_database('py'))
attempt('after_drop', lambda: [d for d in client.get_list_database() if d['name'] == 'py'])
