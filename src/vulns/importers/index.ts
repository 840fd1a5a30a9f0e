/** The scanner formats, by name: each reads a file's text into findings, the assets covered and problems. */
import type { ScanFormat, ScanResult } from '../finding.js';
import { readGreenbone } from './greenbone.js';
import { readGrype } from './grype.js';
import { readNessus } from './nessus.js';
import { readSarif } from './sarif.js';
import { readTrivy } from './trivy.js';

export const IMPORTERS: Readonly<Record<ScanFormat, (text: string) => ScanResult>> = {
  trivy: readTrivy,
  grype: readGrype,
  sarif: readSarif,
  nessus: readNessus,
  greenbone: readGreenbone,
};

export function readScan(format: ScanFormat, text: string): ScanResult {
  return IMPORTERS[format](text);
}
