import type { z } from 'zod';

/** The JSON kind of a value a schema accepts, as far as mapping tables care. */
export type ValueKind = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'unknown';

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  values?: unknown[];
}

const defOf = (schema: z.ZodType): Def => schema._zod.def as unknown as Def;

function kindOf(schema: z.ZodType): { kind: ValueKind; shape?: Record<string, z.ZodType> } {
  let def = defOf(schema);
  while ((def.type === 'optional' || def.type === 'nullable') && def.innerType) {
    def = defOf(def.innerType);
  }
  switch (def.type) {
    case 'string':
    case 'enum':
      return { kind: 'string' };
    case 'number':
      return { kind: 'number' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'literal': {
      const first = def.values?.[0];
      const kind = typeof first;
      return {
        kind: kind === 'string' || kind === 'number' || kind === 'boolean' ? kind : 'unknown',
      };
    }
    case 'array':
      return { kind: 'array' };
    case 'object':
      return def.shape ? { kind: 'object', shape: def.shape } : { kind: 'object' };
    case 'record':
      return { kind: 'object' };
    default:
      return { kind: 'unknown' };
  }
}

/**
 * Every dotted path an object schema names, with the kind of value found there
 * (`recognitionConfidence` -> object, `recognitionConfidence.confidence` -> number).
 */
export function schemaPaths(schema: z.ZodType): Map<string, ValueKind> {
  const paths = new Map<string, ValueKind>();
  const walk = (node: z.ZodType, prefix: string) => {
    const { kind, shape } = kindOf(node);
    if (prefix) paths.set(prefix, kind);
    if (!shape) return;
    for (const [key, child] of Object.entries(shape))
      walk(child, prefix ? `${prefix}.${key}` : key);
  };
  walk(schema, '');
  return paths;
}

/** The kind of a plain JSON value. */
export function kindOfValue(value: unknown): ValueKind {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'unknown';
  const kind = typeof value;
  if (kind === 'string' || kind === 'number' || kind === 'boolean' || kind === 'object')
    return kind;
  return 'unknown';
}
