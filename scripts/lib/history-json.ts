import path from 'node:path';
import type { History } from '@temporalio/common/lib/proto-utils';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

/**
 * Histories to and from the JSON of `temporal workflow show --output json` (the format of the SDK's
 * `historyToJSON` / `historyFromJSON`). Not those two functions: in this install @temporalio/common
 * and @temporalio/proto each carry their own protobufjs 8 (npm cannot hoist it past grpc's protobufjs
 * 7), and the JSON codec of one copy refuses the message types of the other ("type must be a Type").
 * The codec of the copy @temporalio/proto itself loads works whatever the layout.
 */

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): History;
}

const protoDirectory = path.dirname(require.resolve('@temporalio/proto/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const protoJson = require(
  require.resolve('protobufjs/ext/protojson', { paths: [protoDirectory] }),
) as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
  'temporal.api.history.v1.History',
);

/** The history as indented proto JSON text. Pure. */
export function historyToJsonText(history: History): string {
  const message = proto.temporal.api.history.v1.History.fromObject(history);
  return JSON.stringify(protoJson.toJson(historyType, message), null, 2);
}

/** A history from its proto JSON (parsed), as `Worker.runReplayHistories` takes it. Pure. */
export function historyFromJson(json: unknown): History {
  return protoJson.fromJson(historyType, json, { ignoreUnknownFields: true });
}
