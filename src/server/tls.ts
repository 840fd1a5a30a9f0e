/**
 * HTTPS for `tandem serve --tls-cert FILE --tls-key FILE`: the certificate
 * (PEM, the chain with the server's certificate first) and its private key
 * (PEM), read and checked together at start-up and again on SIGHUP, when a
 * renewed certificate replaces the running one without a restart. A pair
 * that cannot be read, or whose key is not the certificate's, is refused with
 * the file and the reason; on reload the running certificate then stays.
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';

/** The files, as the settings name them. */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The files' contents, checked: a pair Node accepts as a secure context. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** A certificate or key that cannot be used; the message names the flag, the file and what is wrong. */
export class TlsError extends Error {}

function readPem(flag: string, file: string, what: string): Buffer {
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new TlsError(`${flag} ${file}: cannot read it (${reason}); expected ${what}`);
  }
  if (!content.toString('latin1').includes('-----BEGIN ')) throw new TlsError(`${flag} ${file}: not PEM; expected ${what}`);
  return content;
}

/** Reads and checks a certificate and key pair; throws TlsError naming the file at fault. */
export function readTls(files: TlsFiles): TlsMaterial {
  const cert = readPem('--tls-cert', files.certFile, 'the certificate in PEM ("-----BEGIN CERTIFICATE-----"), the chain after it');
  const key = readPem('--tls-key', files.keyFile, 'the private key in PEM ("-----BEGIN PRIVATE KEY-----")');
  try {
    new X509Certificate(cert);
  } catch (err) {
    throw new TlsError(`--tls-cert ${files.certFile}: not a certificate (${(err as Error).message})`);
  }
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    const message = (err as Error).message;
    const reason = /key values mismatch/i.test(message) ? 'the key is not the private key of this certificate' : message;
    throw new TlsError(`--tls-cert ${files.certFile} with --tls-key ${files.keyFile}: ${reason}`);
  }
  return { cert, key };
}

/** What the logs say about the certificate being served: its subject, names and validity. */
export function describeCertificate(material: TlsMaterial): { subject: string; names: string; validTo: string; fingerprint256: string } {
  const x = new X509Certificate(material.cert);
  return {
    subject: x.subject.replaceAll('\n', ', '),
    names: x.subjectAltName ?? '',
    validTo: new Date(x.validTo).toISOString(),
    fingerprint256: x.fingerprint256,
  };
}
