import { describe, expect, it } from 'vitest';
import { parseCurrency, parseHolidayRegion, parseHttpUrl, parsePercent, parsePhone, parseTarget, parseTimeZone } from './values.js';

const error = (parsed: { ok: boolean; error?: string }): string => (parsed.ok ? '(ok)' : (parsed.error ?? ''));

describe('parsePercent', () => {
  it.each([
    ['50%', 0.5],
    ['0.5%', 0.005],
    ['1.1%', 0.011],
    ['100%', 1],
  ])('reads %s as %f', (text, fraction) => {
    expect(parsePercent(text)).toEqual({ ok: true, value: fraction });
  });

  it.each(['0%', '101%', '50', '-5%', '5 %'])('refuses %j', (text) => {
    expect(error(parsePercent(text))).toContain('expected a number followed by %, above 0% and at most 100%');
  });
});

describe('parseTimeZone', () => {
  it('accepts IANA zones and hints at near misses', () => {
    expect(parseTimeZone('America/New_York')).toEqual({ ok: true, value: 'America/New_York' });
    expect(parseTimeZone('UTC').ok).toBe(true);
    expect(error(parseTimeZone('America/New_Yrok'))).toContain('did you mean "America/New_York"?');
    expect(error(parseTimeZone('america/new_york'))).toContain('is spelled "America/New_York"');
  });
});

describe('parseHolidayRegion', () => {
  it('knows countries and their regions', () => {
    expect(parseHolidayRegion('US')).toEqual({ ok: true, value: { country: 'US' } });
    expect(parseHolidayRegion('US-NY')).toEqual({ ok: true, value: { country: 'US', region: 'NY' } });
    expect(parseHolidayRegion('DE-BY-A')).toEqual({ ok: true, value: { country: 'DE', region: 'BY-A' } });
    expect(error(parseHolidayRegion('DE-BY-Q'))).toContain('unknown region "Q" of DE-BY: expected one of A,');
    expect(error(parseHolidayRegion('US-NY-X'))).toContain('date-holidays has no smaller regions there; write "US-NY"');
    expect(error(parseHolidayRegion('ZZ'))).toContain('unknown holiday country "ZZ"');
    expect(error(parseHolidayRegion('US-QQ'))).toContain('unknown region "QQ" of US: expected one of AL, AK');
    expect(error(parseHolidayRegion('usa'))).toContain('e.g. "US" or "US-NY"');
  });
});

describe('contacts, currencies and targets', () => {
  it('checks phone numbers and URLs', () => {
    expect(parsePhone('+15550100001').ok).toBe(true);
    expect(error(parsePhone('555-0100'))).toContain('expected E.164');
    expect(parseHttpUrl('https://hooks.slack.example/x').ok).toBe(true);
    expect(error(parseHttpUrl('mailto:a@b.c'))).toContain('expected an http:// or https:// URL');
  });

  it('checks currencies against ISO 4217', () => {
    expect(parseCurrency('EUR').ok).toBe(true);
    expect(error(parseCurrency('XYZ'))).toContain('bad currency "XYZ"');
  });

  it('reads targets and lists the allowed prefixes', () => {
    expect(parseTarget('team:acme-it')).toEqual({ ok: true, value: { kind: 'team', id: 'acme-it' } });
    expect(error(parseTarget('group:x'))).toContain('unknown prefix "group:"; allowed prefixes: schedule:, team:, person:');
    expect(error(parseTarget('acme-it'))).toContain('expected "schedule:ID", "team:ID", "person:ID"');
  });
});
