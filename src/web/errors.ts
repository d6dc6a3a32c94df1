// The one application error type: a stable code, an HTTP status, and whether its message may be shown.
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;

  constructor(code: string, status: number, opts: { expose?: boolean; message?: string } = {}) {
    super(opts.message ?? code);
    this.code = code;
    this.status = status;
    this.expose = opts.expose ?? status < 500;
  }
}
