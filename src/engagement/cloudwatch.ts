/**
 * Amazon CloudWatch integrations (`{ type: cloudwatch, key, sns_cert_hosts }`,
 * issue 13): the value checked where it is written (a host name the SNS
 * signing certificate and the subscription URL may come from) and the rule
 * that spans keys: only cloudwatch integrations take `sns_cert_hosts`. How a
 * message is verified is decided in src/ingest/sns.ts.
 */
import type { Parsed } from './duration.js';
import type { Path } from './source.js';
import type { ServiceOut } from './schema.js';

/** A DNS host name (lower case, labels of letters, digits and inner hyphens): no scheme, port or path. */
export const SNS_CERT_HOST_PATTERN = '^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$';

/** Checks one `sns_cert_hosts` entry ("sns.eu-central-1.amazonaws.com"); upper case is read as lower case. */
export function parseSnsCertHost(text: string): Parsed<string> {
  const host = text.trim().toLowerCase();
  return new RegExp(SNS_CERT_HOST_PATTERN).test(host)
    ? { ok: true, value: host }
    : {
        ok: false,
        error: `bad SNS certificate host ${JSON.stringify(text)}: expected a host name without scheme, port or path, e.g. "sns.eu-central-1.amazonaws.com"`,
      };
}

/** Reports `sns_cert_hosts` on an integration of any type but cloudwatch. */
export function checkCloudwatchIntegrations(
  services: ReadonlyArray<{ index: number; value: Partial<ServiceOut> }>,
  report: (path: Path, message: string, at?: 'key' | 'value') => void,
): void {
  for (const { index, value } of services) {
    (value.integrations ?? []).forEach((integration, i) => {
      if (integration.type !== 'cloudwatch' && integration.sns_cert_hosts !== undefined)
        report(
          ['services', index, 'integrations', i, 'sns_cert_hosts'],
          `sns_cert_hosts names where Amazon SNS signing certificates come from; an integration of type ${integration.type} takes no SNS messages: remove it or use type: cloudwatch`,
          'key',
        );
    });
  }
}
