import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { engagementJsonSchema } from './index.js';

type JsonSchema = {
  $schema?: string;
  $id?: string;
  title?: string;
  description?: string;
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  required?: string[];
  pattern?: string;
};

const schema = engagementJsonSchema() as JsonSchema;

/** Every key path of a YAML value, e.g. "people[].contact.email" (map keys of records as "*"). */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => keyPaths(v, `${prefix}[]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [`${prefix}.${k}`, ...keyPaths(v, `${prefix}.${k}`)]);
}

/** The schema of a key path, following properties, items and record values. */
function schemaAt(path: string): JsonSchema | undefined {
  let node: JsonSchema | undefined = schema;
  for (const part of path.match(/\.[^.[]+|\[\]/g) ?? []) {
    if (node === undefined) return undefined;
    if (part === '[]') {
      node = node.items ?? node.anyOf?.find((s) => s.items)?.items;
      continue;
    }
    const key = part.slice(1);
    const record: JsonSchema | undefined = typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
    node = node.properties?.[key] ?? record;
  }
  return node;
}

describe('engagementJsonSchema', () => {
  it('is JSON Schema draft 2020-12 with an $id and a title', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toMatch(/engagement/);
    expect(schema.title).toBe('Tandem engagement file (version 1)');
    expect(schema.required).toEqual(expect.arrayContaining(['version', 'engagement', 'people', 'coverage', 'routing']));
    expect(schema.additionalProperties).toBe(false);
  });

  it('describes every key the example file uses, for editor completion', () => {
    const example: unknown = parse(readFileSync('demo/acme.yaml', 'utf8'));
    const undocumented = [...new Set(keyPaths(example))].filter((path) => {
      const node = schemaAt(path);
      // Keys of records (function names, priorities) are the user's; their values are described.
      return node === undefined || (node.description === undefined && node.title === undefined);
    });
    expect(undocumented.filter((p) => !/\.(P\d|infrastructure|cloud|security|end_user|internal|partner)$/.test(p))).toEqual([]);
  });

  it('carries patterns, so editors flag bad values as they are typed', () => {
    expect(schemaAt('.coverage.overflow.after')?.pattern).toBe('^\\d+(\\.\\d+)?[smhd]$');
    expect(schemaAt('.schedules[].layers[].rotation.every')?.pattern).toBe('^\\d+(\\.\\d+)?[hdw]$');
    expect(schemaAt('.people[].contact.sms')?.pattern).toBe('^\\+[1-9][0-9]{6,14}$');
  });

  it('is frozen and stable', () => {
    expect(Object.isFrozen(schema)).toBe(true);
    expect(engagementJsonSchema()).toBe(schema);
  });
});
