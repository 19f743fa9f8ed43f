// The Prometheus remote storage wire format: snappy block compression around protobuf messages
// (prompb's WriteRequest, ReadRequest, ReadResponse; the fields InfluxDB 1.x reads). Decoding is
// bounded by the size limit passed in; fields this codec does not know are skipped.

import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import { BadRequestError, LimitExceededError } from '../../core/errors.js';
import type { PromQuery, PromTimeSeries } from '../../core/prometheus/remote-mapping.js';

// Wire-compatible with prometheus/prompb (enums as int32: same varint on the wire).
const PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; }
message ReadRequest { repeated Query queries = 1; repeated int32 accepted_response_types = 2; }
message ReadResponse { repeated QueryResult results = 1; }
message Query { int64 start_timestamp_ms = 1; int64 end_timestamp_ms = 2; repeated LabelMatcher matchers = 3; }
message LabelMatcher { int32 type = 1; string name = 2; string value = 3; }
message QueryResult { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;

const root = protobuf.parse(PROTO, { keepCase: false }).root;
const WriteRequest = root.lookupType('prometheus.WriteRequest');
const ReadRequest = root.lookupType('prometheus.ReadRequest');
const ReadResponse = root.lookupType('prometheus.ReadResponse');
const TO_OBJECT: protobuf.IConversionOptions = { longs: String, defaults: true, arrays: true };

interface WireSeries {
  labels: Array<{ name: string; value: string }>;
  samples: Array<{ value: number; timestamp: string }>;
}

/** Snappy's block format, refusing a body whose stated length passes `maxBytes`. */
export function snappyDecode(body: Buffer, maxBytes: number): Buffer {
  try {
    return snappy.uncompress(body, maxBytes);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.includes('too big')) throw new LimitExceededError('Request Entity Too Large');
    throw new BadRequestError(`snappy: corrupt input`);
  }
}

function decode(type: protobuf.Type, bytes: Buffer): Record<string, unknown> {
  try {
    return type.toObject(type.decode(bytes), TO_OBJECT);
  } catch (error) {
    throw new BadRequestError(`proto: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function toSeries(wire: readonly WireSeries[]): PromTimeSeries[] {
  return wire.map((ts) => ({
    labels: ts.labels.map((l) => ({ name: l.name, value: l.value })),
    samples: ts.samples.map((s) => ({ value: s.value, timestampMs: BigInt(s.timestamp) })),
  }));
}

export function decodeWriteRequest(compressed: Buffer, maxBytes: number): PromTimeSeries[] {
  const message = decode(WriteRequest, snappyDecode(compressed, maxBytes)) as { timeseries: WireSeries[] };
  return toSeries(message.timeseries);
}

export function decodeReadRequest(compressed: Buffer, maxBytes: number): PromQuery[] {
  const message = decode(ReadRequest, snappyDecode(compressed, maxBytes)) as {
    queries: Array<{ startTimestampMs: string; endTimestampMs: string; matchers: Array<{ type: number; name: string; value: string }> }>;
  };
  return message.queries.map((q) => ({ startMs: BigInt(q.startTimestampMs), endMs: BigInt(q.endTimestampMs), matchers: q.matchers }));
}

/** ReadResponse{results: [QueryResult{timeseries}]}, snappy-compressed. */
export function encodeReadResponse(series: readonly PromTimeSeries[]): Buffer {
  const message = ReadResponse.fromObject({
    results: [{ timeseries: series.map((ts) => ({ labels: ts.labels, samples: ts.samples.map((s) => ({ value: s.value, timestamp: Number(s.timestampMs) })) })) }],
  });
  return Buffer.from(snappy.compress(Buffer.from(ReadResponse.encode(message).finish())));
}

/** Test and tooling helpers: the request encoders Prometheus itself uses. */
export function encodeWriteRequest(series: readonly PromTimeSeries[]): Buffer {
  const message = WriteRequest.fromObject({ timeseries: series.map((ts) => ({ labels: ts.labels, samples: ts.samples.map((s) => ({ value: s.value, timestamp: Number(s.timestampMs) })) })) });
  return Buffer.from(snappy.compress(Buffer.from(WriteRequest.encode(message).finish())));
}

export function encodeReadRequest(queries: readonly PromQuery[]): Buffer {
  const message = ReadRequest.fromObject({
    queries: queries.map((q) => ({ startTimestampMs: Number(q.startMs), endTimestampMs: Number(q.endMs), matchers: q.matchers })),
  });
  return Buffer.from(snappy.compress(Buffer.from(ReadRequest.encode(message).finish())));
}

export function decodeReadResponse(compressed: Buffer, maxBytes: number): PromTimeSeries[] {
  const message = decode(ReadResponse, snappyDecode(compressed, maxBytes)) as { results: Array<{ timeseries: WireSeries[] }> };
  return toSeries(message.results[0]?.timeseries ?? []);
}
