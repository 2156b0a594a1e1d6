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
  while (
    (def.type === 'optional' || def.type === 'nullable' || def.type === 'catch') &&
    def.innerType
  ) {
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

/** Sets an own property, even one named `__proto__` (JSON.parse makes those). */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The parts of `value` that an object schema does not name, at any depth of its nested
 * objects: `{a: 1, known: {b: 2, x: 3}}` against a schema of `known.b` gives `{a: 1, known: {x: 3}}`.
 */
export function unknownPart(
  value: Record<string, unknown>,
  schema: z.ZodType,
): Record<string, unknown> {
  const { shape } = kindOf(schema);
  if (!shape) return {};
  const unknown: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const childSchema = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (!childSchema) {
      define(unknown, key, child);
    } else if (isPlainObject(child)) {
      const nested = unknownPart(child, childSchema);
      if (Object.keys(nested).length > 0) define(unknown, key, nested);
    }
  }
  return unknown;
}

/**
 * Adds what `extra` has and `target` lacks, at any depth; where `target` holds a non-object,
 * `extra` is dropped. A top-level key in `reserved` is only merged into an object already there.
 */
export function mergeMissing(
  target: Record<string, unknown>,
  extra: Record<string, unknown>,
  reserved: ReadonlySet<string> = new Set(),
): void {
  for (const [key, value] of Object.entries(extra)) {
    const current = Object.hasOwn(target, key) ? target[key] : undefined;
    if (current === undefined) {
      if (!reserved.has(key)) define(target, key, structuredClone(value));
    } else if (isPlainObject(current) && isPlainObject(value)) {
      mergeMissing(current, value);
    }
  }
}
