/**
 * Certificates made by a test, with the openssl CLI: a test CA, and server
 * certificates it signs for 127.0.0.1 and localhost, so a client that trusts
 * the CA (an https.Agent's `ca`, or NODE_EXTRA_CA_CERTS) verifies them as it
 * would a real one.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCa {
  readonly certFile: string;
  readonly keyFile: string;
  /** The CA certificate, PEM: what clients trust. */
  readonly pem: string;
}

export interface ServerCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
  /** SHA-256 fingerprint as Node prints it (`AA:BB:...`): which certificate a server presented. */
  readonly fingerprint256: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA valid for two days, in `dir`. */
export function makeTestCa(dir: string, name = 'Tandem test CA'): TestCa {
  const certFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'ca-key.pem');
  openssl([
    'req',
    '-x509',
    ...EC,
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { certFile, keyFile, pem: readFileSync(certFile, 'utf8') };
}

/** A server certificate for 127.0.0.1 and localhost signed by `ca`, as `<label>.pem` and `<label>-key.pem` in `dir`. */
export function issueServerCertificate(ca: TestCa, dir: string, label: string): ServerCertificate {
  const certFile = join(dir, `${label}.pem`);
  const keyFile = join(dir, `${label}-key.pem`);
  const csr = join(dir, `${label}.csr`);
  const ext = join(dir, `${label}.ext`);
  writeFileSync(
    ext,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ].join('\n'),
  );
  openssl(['req', ...EC, '-keyout', keyFile, '-out', csr, '-subj', `/CN=${label}`]);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-CAcreateserial',
    '-out',
    certFile,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  const cert = readFileSync(certFile, 'utf8');
  return { certFile, keyFile, cert, key: readFileSync(keyFile, 'utf8'), fingerprint256: new X509Certificate(cert).fingerprint256 };
}
