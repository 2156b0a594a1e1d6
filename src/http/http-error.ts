import { FaceauthError, type HttpErrorCode } from '../util/errors.js';

/** The one error type of the HTTP edge; app.onError turns it into docs/contract.md's error body. */
export class HttpError extends FaceauthError {
  override readonly name = 'HttpError';
  constructor(
    readonly status: 400 | 401 | 404 | 408 | 409 | 413 | 415 | 422 | 431 | 500 | 503,
    readonly code: HttpErrorCode,
    message: string,
    readonly issues?: { path: string; message: string }[],
    /** Sent as Retry-After (seconds): when a try again may succeed. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }

  /** `{"success":false,"error":{"code","message"[,"issues"]}}` */
  toBody() {
    return {
      success: false as const,
      error: {
        code: this.code,
        message: this.message,
        ...(this.issues ? { issues: this.issues } : {}),
      },
    };
  }
}
