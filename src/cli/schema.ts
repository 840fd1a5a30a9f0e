/**
 * `tandem schema`: print the JSON Schema of the engagement file, generated
 * from the same schema `tandem validate` checks with, for editors.
 */
import type { CliIo } from './io.js';
import { parseCommand } from './io.js';
import { engagementJsonSchema } from '../engagement/index.js';

const HELP = `Usage: tandem schema > engagement.schema.json

Print the JSON Schema (draft 2020-12) of the engagement file, format
version 1, with a description on every key.

Editor support: with VS Code's YAML extension (redhat.vscode-yaml), save the
schema next to your engagement files and put this comment on the first line
of each file to get completion, hover help and checking as you type:

  # yaml-language-server: $schema=./engagement.schema.json

(or map it in settings.json: "yaml.schemas": { "./engagement.schema.json": "engagements/*.yaml" }).
The editor checks the shape of the file; \`tandem validate\` also checks
references, coverage and routing, and reports every problem as file:line:col.

Options:
  -h, --help   show this help`;

/** Runs `tandem schema`; returns the exit code. */
export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(io, 'schema', HELP, args, {});
  if (typeof parsed === 'number') return parsed;
  io.out(`${JSON.stringify(engagementJsonSchema(), null, 2)}\n`);
  return 0;
}
