import { describe, expect, it } from 'vitest';
import { ROTATION_UNITS, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['0m', 0, 'm', 0],
    ['15m', 15, 'm', 900_000],
    ['30s', 30, 's', 30_000],
    ['4h', 4, 'h', 14_400_000],
    ['3d', 3, 'd', 259_200_000],
    ['1.5h', 1.5, 'h', 5_400_000],
  ])('reads %s', (text, n, unit, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, value: { text, n, unit, ms } });
  });

  it('returns frozen values', () => {
    const parsed = parseDuration('5m');
    expect(parsed.ok && Object.isFrozen(parsed.value)).toBe(true);
  });

  it.each(['5 min', '5', 'm', '-5m', '5M', ' 5m', '5mm', '1e3m', ''])('refuses %j, saying what is allowed', (text) => {
    const parsed = parseDuration(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(`bad duration ${JSON.stringify(text)}: expected <number><unit> with unit s, m, h or d`);
  });

  it('refuses weeks where they are not allowed, and names the unit', () => {
    expect(parseDuration('1w')).toEqual({
      ok: false,
      error:
        'bad duration "1w": unit "w" is not allowed here; expected <number><unit> with unit s, m, h or d (seconds, minutes, hours or days), e.g. "5m"',
    });
  });

  it('reads rotation lengths in hours, days or weeks, whole and above zero', () => {
    expect(parseDuration('2w', ROTATION_UNITS, { wholePositive: true })).toMatchObject({
      ok: true,
      value: { unit: 'w', ms: 1_209_600_000 },
    });
    expect(parseDuration('12h', ROTATION_UNITS, { wholePositive: true })).toMatchObject({ ok: true, value: { n: 12 } });
    for (const bad of ['0d', '1.5d', '30m']) {
      const parsed = parseDuration(bad, ROTATION_UNITS, { wholePositive: true });
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.error).toContain('with unit h, d or w (hours, days or weeks)');
    }
  });
});
