import type { z } from 'zod';

/**
 * A field Incode may leave out. `null` counts as left out: Incode's samples drop fields
 * between attempts, and a JSON serializer may write them as null instead.
 */
export const lenient = <T extends z.ZodType>(schema: T) => schema.nullish();
