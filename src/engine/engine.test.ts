/**
 * The engine loop: a pass runs rounds (every module stepped once) until no
 * module has more work, and the loop tells the next loop after each round,
 * not only at the end of the pass. In an alert storm a pass is a long run of
 * full batches; the escalation loop must hear of the first batch's incidents
 * when that batch is committed, not when the storm ends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../test/support/databases.js';
import type { DatabaseKind } from '../../test/support/databases.js';
import { startHarness } from '../../test/support/harness.js';
import type { Harness } from '../../test/support/harness.js';
import { Engine } from './engine.js';
import type { EngineModule } from './engine.js';

/** A module with `batches` batches of work waiting: each step does one and says whether more are ready. */
function batches(log: string[], count: number): EngineModule {
  let done = 0;
  return {
    name: 'batches',
    step: async () => {
      if (done === count) return false;
      log.push(`batch ${++done}`);
      return done < count;
    },
  };
}

// The loop's order of steps and wake-ups does not depend on the database: SQLite only.
const sqliteKind = databaseKinds().find((k): k is DatabaseKind => k.name === 'sqlite') as DatabaseKind;

describe('engine loop', () => {
  let h: Harness | undefined;
  afterEach(async () => h?.close());

  it('tells the next loop after every round of a pass, while the pass goes on', async () => {
    h = await startHarness(sqliteKind);
    const log: string[] = [];
    const engine = new Engine(h.tandem.engine.context, [batches(log, 3)], {
      pollMs: 60_000,
      afterRound: () => log.push('next loop woken'),
    });
    engine.start();
    // stop() waits for the pass in progress, which runs until no batch is left.
    await engine.stop();
    expect(log).toEqual(['batch 1', 'next loop woken', 'batch 2', 'next loop woken', 'batch 3', 'next loop woken']);
  });

  it('a kick during a pass runs one more pass after it, which tells the next loop too', async () => {
    h = await startHarness(sqliteKind);
    const log: string[] = [];
    let kicked = false;
    let rounds = 0;
    let secondRound = () => {};
    const second = new Promise<void>((resolve) => (secondRound = resolve));
    const engine: Engine = new Engine(
      h.tandem.engine.context,
      [
        {
          name: 'kicks-itself-once',
          step: async () => {
            log.push('step');
            if (!kicked) {
              kicked = true;
              // New work committed while the pass runs (as ingest does): one more pass follows this one.
              engine.kick();
            }
            return false;
          },
        },
      ],
      {
        pollMs: 60_000,
        afterRound: () => {
          log.push('next loop woken');
          if (++rounds === 2) secondRound();
        },
      },
    );
    engine.start();
    await second;
    await engine.stop();
    expect(log).toEqual(['step', 'next loop woken', 'step', 'next loop woken']);
  });

  it('runOnce (tests on a virtual clock) runs the modules to the end and wakes no other loop', async () => {
    h = await startHarness(sqliteKind);
    const log: string[] = [];
    const engine = new Engine(h.tandem.engine.context, [batches(log, 2)], { afterRound: () => log.push('next loop woken') });
    await engine.runOnce();
    expect(log).toEqual(['batch 1', 'batch 2']);
  });
});
