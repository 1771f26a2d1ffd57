import { z } from 'zod';
import { parseSpecChange, type SpecChange } from '../shared/spec-changes';
import { clusterRequestSchema } from './schemas/cluster';

/**
 * The type the request schema gives a field path, so `--set version=2022.01` stays a string and
 * `--set data.tier1.replicas=4` becomes a number. Paths the schema does not know are typed by
 * their text, as before.
 */

export type PathType = 'string' | 'integer' | 'number' | 'boolean' | 'unknown';

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let depth = 0; depth < 10; depth++) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodDefault) current = current.removeDefault() as z.ZodType;
    else break;
  }
  return current;
}

/** The schema's type at a dotted path of a cluster request (`spec.version` → string). Pure. */
export function schemaTypeAt(path: string): PathType {
  let schema: z.ZodType = clusterRequestSchema;
  for (const key of path.split('.')) {
    const object = unwrap(schema);
    if (!(object instanceof z.ZodObject)) return 'unknown';
    const child = (object.shape as Record<string, z.ZodType>)[key];
    if (!child) return 'unknown';
    schema = child;
  }
  const leaf = unwrap(schema);
  if (leaf instanceof z.ZodString || leaf instanceof z.ZodEnum) return 'string';
  if (leaf instanceof z.ZodNumber) return leaf.isInt ? 'integer' : 'number';
  if (leaf instanceof z.ZodBoolean) return 'boolean';
  return 'unknown';
}

/** `path=value` with the value of the schema's type; a value that cannot be it names the path and the type. */
export function parseTypedSpecChange(text: string): SpecChange {
  return parseSpecChange(text, schemaTypeAt);
}
