import { z } from 'zod';

/** Every `error.name` the Face Authentication webhook documents. */
export const WORKFLOWS_ERROR_NAMES = [
  'INACTIVE_SESSION',
  'HINT_NOT_PROVIDED',
  'NONEXISTENT_CUSTOMER',
  'MULTIPLE_FACES_DETECTED',
  'SPOOF_DETECTED',
  'FACE_TOO_DARK',
  'FACE_CROPPING_FAILED',
  'FACE_TOO_SMALL',
  'FACE_TOO_BLURRY',
  'BAD_PHOTO_QUALITY',
  'LENSES_DETECTED',
  'FACE_MASK_DETECTED',
  'HEAD_COVER_DETECTED',
  'CLOSED_EYES_DETECTED',
  'SELFIE_FACE_OCCLUDED',
  'SELFIE_IMAGE_LOW_QUALITY',
  'USER_IS_NOT_RECOGNIZED',
  'FACE_NOT_FOUND',
  'BAD_REQUEST',
  'PROCESSING_ERROR',
  'DEFAULT_ERROR',
] as const;

/**
 * One vocabulary for why an authentication failed: the Workflows names, plus
 * `USER_BLACKLISTED` (legacy 4003, no Workflows counterpart) and `UNKNOWN_ERROR`
 * (an error code or name no mapping table knows, or a failure that gives no reason).
 */
export const REASON_CODES = [
  ...WORKFLOWS_ERROR_NAMES,
  'USER_BLACKLISTED',
  'UNKNOWN_ERROR',
] as const;

export const ReasonCode = z.enum(REASON_CODES);
export type ReasonCode = z.infer<typeof ReasonCode>;
