// Version strings the HTTP API reports. InfluxDB clients read X-Influxdb-Version, so it
// carries the 1.x line we are compatible with; our own version rides alongside.

export const INFLUXDB_COMPAT_VERSION = '1.6.7';
export const HYPERBYTEDB_VERSION = '0.1.0';
