import type { z } from 'zod';

/**
 * A field Incode may leave out. `null` counts as left out: Incode's samples drop fields
 * between attempts, and a JSON serializer may write them as null instead.
 */
export const lenient = <T extends z.ZodType>(schema: T) => schema.nullish();

/**
 * A field Incode does not document, known only from public integrations: a value of another
 * type reads as missing instead of refusing the body. Code reading such a field checks its
 * type itself (parseWebhook hands on the JSON as received).
 */
export const guessed = <T extends z.ZodType>(schema: T) => schema.nullish().catch(undefined);
