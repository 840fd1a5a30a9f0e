/**
 * The one error catalog. Every error the HTTP API returns has a stable code
 * from this table, an HTTP status, and a line in docs/errors.md (a test keeps
 * the two in step). Routes throw {@link TandemError}; the server maps it to
 * `{"error":{"code","message","field"}}` in one place.
 */
export const ERROR_CATALOG = {
  AUTH_REQUIRED: { status: 401, summary: 'No `Authorization: Bearer <token>` header was sent.' },
  AUTH_INVALID: { status: 401, summary: 'The token is unknown, malformed or revoked.' },
  FORBIDDEN: { status: 403, summary: "The token's role does not allow this action (viewers cannot change anything)." },
  SLACK_SIGNATURE_INVALID: {
    status: 401,
    summary: "A request to the Slack interactions endpoint without a valid `X-Slack-Signature` from the Slack app's signing secret.",
  },
  SLACK_REQUEST_STALE: {
    status: 401,
    summary:
      "A request to the Slack interactions endpoint whose `X-Slack-Request-Timestamp` is more than 5 minutes from the server's clock.",
  },
  TWILIO_SIGNATURE_INVALID: {
    status: 403,
    summary:
      "A request to a Twilio callback endpoint without a valid `X-Twilio-Signature` for the server's public URL and Twilio auth token, or from another account.",
  },
  OUT_OF_SCOPE: {
    status: 403,
    summary: "The engagement's scope does not give the caller's side this activity; the message names the activity and who holds it.",
  },
  NOT_FOUND: {
    status: 404,
    summary: "No such resource in the engagements this token can see (another engagement's resource is also a 404).",
  },
  ROUTE_NOT_FOUND: { status: 404, summary: 'No such endpoint.' },
  INVALID_PATH: { status: 400, summary: "The URL's path cannot be read: a `%` that does not start a percent-encoded byte (`%2F`)." },
  METHOD_NOT_ALLOWED: { status: 405, summary: 'The endpoint exists but not with this HTTP method.' },
  INVALID_JSON: { status: 400, summary: 'The body is not valid JSON.' },
  INVALID_BODY: { status: 400, summary: 'The body is JSON but not an object of the expected shape; `field` names the first bad field.' },
  INVALID_QUERY: { status: 400, summary: 'A query-string parameter is malformed; `field` names it.' },
  INVALID_CURSOR: { status: 400, summary: 'The `cursor` is not one this server issued.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, summary: 'The body has a content type other than JSON.' },
  BODY_TOO_LARGE: { status: 413, summary: 'The body is over the size limit (512 KB for ingest).' },
  TOO_MANY_ALERTS: { status: 413, summary: 'An Alertmanager webhook request carries more than 1,000 alerts; nothing was stored.' },
  INVALID_TRANSITION: {
    status: 409,
    summary: 'The incident is not in a state that allows this action (e.g. acknowledging a resolved incident).',
  },
  RATE_LIMITED: { status: 429, summary: 'Too many requests; retry after the number of seconds in `Retry-After`.' },
  NOT_READY: { status: 503, summary: 'The server cannot reach its database or is shutting down.' },
  INTERNAL: { status: 500, summary: 'A bug in Tandem. The response carries a request id to find it in the logs.' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** An error meant for the API caller. */
export class TandemError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'TandemError';
    this.code = code;
    this.status = ERROR_CATALOG[code].status;
    this.field = field;
  }

  toBody(): { error: { code: ErrorCode; message: string; field?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.field === undefined ? {} : { field: this.field }) } };
  }
}
