import { CloudManagerRejected } from '../cloud-manager/errors';
import type { ClusterPatch, ClusterRequest } from '../cloud-manager/schemas/cluster';
import { parseClusterPatch, parseClusterRequest, type UnknownFields } from '../cloud-manager/validation';
import { EmulatorHttpError } from './http-io';

/**
 * Body checks with the client's own schemas and wording (src/cloud-manager/validation.ts), so the
 * client before sending and the emulator on receiving refuse a body in the same words.
 */

function asHttpError(error: unknown): unknown {
  return error instanceof CloudManagerRejected
    ? new EmulatorHttpError(400, 'BadArgument', error.message, error.details)
    : error;
}

/**
 * Validates a POST/PUT body (or a merged PATCH result); throws a 400 BadArgument. Fields we do not
 * model are refused as typos, or kept (realistic mode, where clusters carry them). Pure.
 */
export function validate(body: unknown, unknownFields: UnknownFields = 'refuse'): ClusterRequest {
  try {
    return parseClusterRequest(body, unknownFields);
  } catch (error) {
    throw asHttpError(error);
  }
}

/** Validates a JSON Merge Patch body before merging; throws a 400 BadArgument. Pure. */
export function validatePatch(body: unknown): ClusterPatch {
  try {
    return parseClusterPatch(body);
  } catch (error) {
    throw asHttpError(error);
  }
}

/** A uid in the body must name the cluster in the path; throws a 400 BadArgument otherwise. Pure. */
export function checkUid(request: ClusterRequest, uid: string): void {
  const given = request.metadata.uid;
  if (given === undefined || given === uid) return;
  throw new EmulatorHttpError(
    400,
    'BadArgument',
    `metadata.uid [${given}] does not match the cluster id [${uid}]`,
    [
      {
        code: 'MalformedValue',
        target: 'metadata.uid',
        message: `must equal the id in the path (${uid}) or be left out`,
      },
    ],
  );
}
