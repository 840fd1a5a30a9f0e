/**
 * The `cloudwatch` ingest contract as the OpenAPI document shows it: the
 * Amazon SNS message (the envelope SNS posts as text; the Message of an alarm
 * notification is CloudWatch's alarm JSON, as a string), the answers (202 for
 * a notification, 200 for a confirmation) and the refusals with their stable
 * codes. Like schema.ts, these describe; sns.ts and cloudwatch.ts validate.
 */
import { z } from 'zod';
import { ALARM_STATES } from './cloudwatch.js';
import { SNS_ERROR_CODES, SNS_MESSAGE_TYPES, SNS_SIGNATURE_VERSIONS } from './sns.js';
import type { IngestOperation } from './schema.js';

export const SnsMessageBody = z
  .object({
    Type: z.enum(SNS_MESSAGE_TYPES),
    MessageId: z.string(),
    TopicArn: z.string(),
    Subject: z.string().optional().meta({ description: 'Notification: the title of a message that is not an alarm.' }),
    Message: z.string().meta({
      description:
        "Notification from a CloudWatch alarm action: the alarm as JSON text (`AlarmName`, `AlarmArn`, `NewStateValue` ALARM / OK / INSUFFICIENT_DATA, `NewStateReason`, `StateChangeTime`, `Trigger`). Anything else: the message's details.",
    }),
    Timestamp: z.string().meta({ format: 'date-time' }),
    SignatureVersion: z.enum(SNS_SIGNATURE_VERSIONS).meta({ description: '"1": SHA1withRSA, "2": SHA256withRSA.' }),
    Signature: z.string().meta({ description: 'Base64; checked against the certificate at SigningCertURL.' }),
    SigningCertURL: z.string().meta({
      description: "https, on a host of the integration's sns_cert_hosts (default sns.<region>.amazonaws.com); fetched and cached.",
    }),
    Token: z.string().optional().meta({ description: 'Confirmations only.' }),
    SubscribeURL: z.string().optional().meta({ description: 'Confirmations only; Tandem visits it to confirm a subscription.' }),
    UnsubscribeURL: z.string().optional(),
  })
  .meta({
    id: 'SnsMessage',
    description:
      'An Amazon SNS HTTP(S) message, sent as `text/plain` with `x-amz-sns-message-type`. Every message is signed; an unsigned, forged or changed one is refused and nothing is stored.',
  });

export const CloudwatchAccepted = z
  .object({
    status: z.literal('success'),
    message: z.literal('Event processed'),
    dedup_key: z.string().meta({ description: "The alert: the alarm's ARN, or for another message a hash of its subject and text." }),
    action: z
      .enum(['trigger', 'resolve', 'none'])
      .meta({ description: '`none`: INSUFFICIENT_DATA, stored but opening and resolving nothing.' }),
    state: z.enum(ALARM_STATES).optional().meta({ description: "The alarm's new state, for an alarm." }),
  })
  .meta({ id: 'CloudwatchAccepted', description: 'Durably stored; the engine applies it next.' });

export const SnsAnswered = z.object({ status: z.enum(['confirmed', 'unsubscribed']), message: z.string() }).meta({
  id: 'SnsAnswered',
  description: '`confirmed`: the subscription was confirmed at its SubscribeURL; `unsubscribed`: acknowledged. Nothing is stored.',
});

export const SnsRefused = z
  .object({
    status: z.enum(['invalid event', 'error']),
    message: z.string(),
    errors: z.array(z.string()).meta({ description: 'Every problem found, each naming its field.' }),
    code: z.enum(SNS_ERROR_CODES).optional().meta({ description: 'Why an SNS message was refused (docs/ingest.md).' }),
    field: z
      .string()
      .optional()
      .meta({ description: 'The SNS field at fault, e.g. `Signature`, `SigningCertURL`, `Message.NewStateValue`.' }),
  })
  .meta({ id: 'SnsRefused', description: 'An SNS message refused; nothing was stored.' });

export const CLOUDWATCH_SNS: IngestOperation = {
  operationId: 'receiveCloudwatchSns',
  summary: 'Amazon CloudWatch alarms via an Amazon SNS HTTPS subscription',
  description:
    "Subscribe this URL (https) to the SNS topic the alarm actions publish to. Authenticated by the key in the path and each message's SNS signature. A SubscriptionConfirmation is confirmed (200); a notification of ALARM triggers and OK resolves, by alarm ARN (202).",
  body: SnsMessageBody,
  accepted: CloudwatchAccepted,
  answers: { 200: SnsAnswered },
  keyInPath: true,
  integration: 'cloudwatch',
  consumes: ['text/plain', 'application/json'],
  errors: {
    400: SnsRefused.describe(
      'Invalid message (`SNS_MESSAGE_INVALID`), a certificate or subscribe URL Tandem will not fetch (`SNS_CERT_URL_REFUSED`, `SNS_SUBSCRIBE_URL_REFUSED`: not https, or not an allowed host), or no certificate at it (`SNS_CERT_INVALID`).',
    ),
    401: SnsRefused.describe('`SNS_SIGNATURE_INVALID`: the signature does not match the message; nothing was stored.'),
    503: SnsRefused.describe(
      'The certificate could not be fetched (`SNS_CERT_UNAVAILABLE`), the subscription could not be confirmed (`SNS_CONFIRM_FAILED`), or the event could not be stored. SNS retries.',
    ),
  },
};
