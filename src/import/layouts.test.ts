/**
 * Column mapping of both import layouts, row checks with line numbers, and
 * how rows become incidents of the demo engagement (services, priorities
 * from PagerDuty urgency, sides from coverage, people).
 */
import { describe, expect, it } from 'vitest';
import { demoFile, ny } from '../risk/test-fixtures.js';
import { parseCsv } from './csv.js';
import { prepareImport } from './import.js';
import { detectLayout, normalizeHeader, readRows } from './layouts.js';
import { parseServiceMap, planImport } from './plan.js';

const demo = demoFile('acme.yaml');
const now = ny('2026-11-26T12:00');

function read(text: string, forced: 'auto' | 'tandem' | 'pagerduty' = 'auto') {
  const [header, ...records] = parseCsv(text).records;
  if (!header) throw new Error('no header');
  const { layout, problems } = detectLayout(header.fields, forced);
  if (!layout) throw new Error(problems.map((p) => p.message).join('; '));
  return { layout, ...readRows(layout, header.fields, records, now), headerProblems: problems };
}

describe('header names', () => {
  it.each([
    ['Created On', 'created_on'],
    [' Incident  Number ', 'incident_number'],
    ['acknowledged_by_user_names', 'acknowledged_by_user_names'],
    ['Seconds-To-First-Ack', 'seconds_to_first_ack'],
    ['SERVICE NAME', 'service_name'],
  ])('%s -> %s', (raw, normalized) => expect(normalizeHeader(raw)).toBe(normalized));
});

describe('detectLayout', () => {
  it.each([
    [
      'Tandem header',
      'number,service,title,priority,severity,side,created_at,acknowledged_at,resolved_at,acknowledged_by,resolved_by',
      'tandem',
    ],
    ['Tandem minimum', 'service,title,created_at', 'tandem'],
    [
      'PagerDuty raw incident report',
      'id,incident_number,description,service_id,service_name,escalation_policy_name,created_on,resolved_on,seconds_to_first_ack,seconds_to_resolve,auto_resolved,escalation_count,acknowledged_by_user_names,resolved_by_user_name,urgency,priority_name',
      'pagerduty',
    ],
    [
      'PagerDuty classic web export',
      'Incident ID,Incident Number,Description,Service,Created On,Resolved On,Acknowledged By,Urgency,Priority,Status',
      'pagerduty',
    ],
    ['classic with Title and Created At', 'Incident Number,Title,Service,Created At,Urgency', 'pagerduty'],
  ])('%s', (_label, header, layout) => {
    const d = detectLayout(header.split(','));
    expect(d).toEqual({ layout, problems: [] });
  });

  it('an unknown header names both layouts', () => {
    expect(detectLayout(['when', 'what']).problems[0]?.message).toMatch(/neither Tandem's layout .* nor a PagerDuty incident export/);
  });

  it("Tandem's layout is strict: an unknown column is an error with a suggestion", () => {
    expect(detectLayout(['service', 'title', 'created_at', 'acknowleged_at']).problems).toEqual([
      {
        line: 1,
        message: expect.stringMatching(
          /^unknown column "acknowleged_at": Tandem's layout has number, .*; did you mean 'acknowledged_at'\?$/,
        ),
      },
    ]);
  });

  it('a repeated column, and a PagerDuty export without an id, are errors', () => {
    expect(detectLayout(['service', 'title', 'created_at', 'Title']).problems[0]?.message).toMatch(/column 4 "Title" repeats column 2/);
    expect(detectLayout(['description', 'service_name', 'created_on']).problems[0]?.message).toMatch(/needs an incident id column/);
  });
});

describe('readRows: PagerDuty raw incident report', () => {
  const header =
    'id,incident_number,description,service_id,service_name,created_on,resolved_on,seconds_to_first_ack,seconds_to_resolve,auto_resolved,escalation_count,acknowledged_by_user_names,resolved_by_user_name,urgency,priority_name';
  const text = [
    header,
    'Q1AAA,4101,"Payments down, 502s",PQ7Z2KD,Payment processing API,2026-09-08T23:47:00-04:00,2026-09-09T00:30:00-04:00,240,2580,false,0,"Kim Tan, Sam Okafor",Kim Tan,high,P1',
    'Q1BBB,4102,Storefront slow,PB4M9XA,Web storefront,2026-09-09T10:00:00-04:00,,,420,true,,,,low,',
    'Q1CCC,4103,Laptop,PL4PT0P,Helpdesk - Laptops,2026-09-09 14:00:00+0000,,600,,false,2,Dana Reyes,,low,SEV-3',
  ].join('\r\n');
  const r = read(text);

  it('maps every column; acknowledgement from seconds_to_first_ack, resolve from resolved_on or seconds_to_resolve', () => {
    expect(r.layout).toBe('pagerduty');
    expect(r.problems).toEqual([]);
    expect(
      r.rows.map((x) => ({
        id: x.sourceId,
        line: x.line,
        ack: x.acknowledgedAt,
        res: x.resolvedAt,
        by: x.acknowledgedBy,
        auto: x.autoResolved,
        esc: x.escalationCount,
        service: x.serviceName,
        urgency: x.urgency,
        priority: x.priority,
      })),
    ).toEqual([
      {
        id: 'Q1AAA',
        line: 2,
        ack: ny('2026-09-08T23:51'),
        res: ny('2026-09-09T00:30'),
        by: 'Kim Tan',
        auto: false,
        esc: 0,
        service: 'Payment processing API',
        urgency: 'high',
        priority: 'P1',
      },
      {
        id: 'Q1BBB',
        line: 3,
        ack: null,
        res: ny('2026-09-09T10:07'),
        by: null,
        auto: true,
        esc: null,
        service: 'Web storefront',
        urgency: 'low',
        priority: null,
      },
      {
        id: 'Q1CCC',
        line: 4,
        ack: Date.parse('2026-09-09T14:10:00Z'),
        res: null,
        by: 'Dana Reyes',
        auto: false,
        esc: 2,
        service: 'Helpdesk - Laptops',
        urgency: 'low',
        priority: 'SEV-3',
      },
    ]);
    expect(r.rows[0]?.raw['description']).toBe('Payments down, 502s');
  });
});

describe('readRows: PagerDuty classic web export', () => {
  it('reads Incident ID, Description, Service, Created On, Resolved On, Acknowledged By, Urgency, Priority, Status', () => {
    const text =
      'Incident ID,Incident Number,Description,Service,Created On,Resolved On,Acknowledged By,Urgency,Priority,Status\nPX1,77,Disk full,Web storefront,2026-10-01T12:00:00Z,2026-10-01T13:00:00Z,Ana Souza,high,P2,resolved\n';
    const r = read(text);
    expect(r.problems).toEqual([]);
    expect(r.rows[0]).toMatchObject({
      sourceId: 'PX1',
      number: '77',
      title: 'Disk full',
      serviceName: 'Web storefront',
      createdAt: Date.parse('2026-10-01T12:00:00Z'),
      resolvedAt: Date.parse('2026-10-01T13:00:00Z'),
      acknowledgedAt: null,
      acknowledgedBy: 'Ana Souza',
      priority: 'P2',
      status: 'resolved',
    });
  });
});

describe('readRows: every row problem, with its line', () => {
  it('reports each bad value on the line its record starts on', () => {
    const text = [
      'number,service,title,created_at,acknowledged_at,resolved_at',
      'A1,payments-api,"two\nline title",2026-09-01T10:00:00Z,,',
      'A2,payments-api,ok,yesterday,,',
      'A3,payments-api,ok,2026-09-01T10:00:00Z,2026-09-01T09:00:00Z,',
      'A4,payments-api,ok,2026-09-01T10:00:00Z,2026-09-01T10:30:00Z,2026-09-01T10:20:00Z',
      'A5,payments-api,,2026-09-01T10:00:00Z,,',
      'A6,payments-api,ok,2027-01-01T00:00:00Z,,',
      'A1,payments-api,again,2026-09-02T10:00:00Z,,',
      'A8,payments-api,too,many,fields,here,x',
    ].join('\n');
    const r = read(text);
    expect(r.problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      '4: created_at "yesterday" is not an ISO 8601 instant (e.g. 2026-09-01T03:14:07-04:00)',
      '5: acknowledged (2026-09-01T09:00:00.000Z) before it was created (2026-09-01T10:00:00.000Z)',
      '6: acknowledged (2026-09-01T10:30:00.000Z) after it was resolved (2026-09-01T10:20:00.000Z)',
      '7: title is empty',
      '8: created_at 2027-01-01T00:00:00.000Z is in the future: an import is history',
      '9: repeats incident A1 of line 2: each incident once',
      '10: has 7 fields; the header has 6 (a comma inside a value needs the value in double quotes)',
    ]);
    expect(r.rows.map((x) => x.sourceId)).toEqual(['A1']);
  });

  it('without a number, a Tandem row is identified by its content', () => {
    const r = read('service,title,created_at\npayments-api,x,2026-09-01T10:00:00Z\npayments-api,x,2026-09-01T10:00:00.000Z\n');
    expect(r.problems).toEqual([{ line: 3, message: expect.stringMatching(/^repeats incident sha256:[0-9a-f]{32} of line 2/) }]);
  });
});

describe('planImport', () => {
  const header = 'id,description,service_id,service_name,created_on,seconds_to_first_ack,acknowledged_by_user_names,urgency,priority_name';
  const plan = (rows: string[], map: string[] = []) => {
    const r = read([header, ...rows].join('\n'));
    const m = parseServiceMap(demo, map);
    return { ...planImport(demo, 'pagerduty', r.rows, m.map), mapProblems: m.problems };
  };

  it('priority: the export’s when the engagement has it; else urgency through the matrix at the service criticality', () => {
    const { items, problems } = plan([
      'Q1,a,PQ,Payment processing API,2026-09-08T23:47:00-04:00,60,Kim Tan,high,P3',
      'Q2,b,PB,Web storefront,2026-09-08T10:00:00-04:00,60,,high,SEV-1',
      'Q3,c,PQ,payments-api,2026-09-08T10:00:00-04:00,60,dana,low,',
      'Q4,d,PE,Endpoint detection,2026-09-08T10:00:00-04:00,60,,low,',
    ]);
    expect(problems).toEqual([]);
    expect(items.map((i) => [i.service.id, i.priority, i.severity])).toEqual([
      ['payments-api', 'P3', 'critical'],
      // storefront is criticality 2: critical -> P1
      ['storefront', 'P1', 'critical'],
      // payments-api criticality 1: low -> warning -> P2
      ['payments-api', 'P2', 'warning'],
      ['edr', 'P2', 'warning'],
    ]);
    expect(items[1]?.priorityReason).toBe('urgency high -> critical at criticality 2 ("SEV-1" is not a priority of the engagement)');
  });

  it('side from the coverage owner at opening; people by name or id', () => {
    const { items } = plan([
      'Q1,a,PQ,Payment processing API,2026-09-08T23:47:00-04:00,60,Kim Tan,high,P1',
      'Q2,b,PQ,Payment processing API,2026-09-08T10:00:00-04:00,60,dana,high,P1',
      'Q3,c,PQ,Payment processing API,2026-09-08T10:00:00-04:00,60,Jane Contractor,high,P1',
    ]);
    expect(items.map((i) => [i.side, i.sideReason, i.acknowledgedBy])).toEqual([
      ['partner', 'after hours: partner owns infrastructure', 'person:kim'],
      ['internal', 'business hours: internal owns infrastructure', 'person:dana'],
      ['internal', 'business hours: internal owns infrastructure', 'imported:Jane Contractor'],
    ]);
  });

  it('--service-map maps a PagerDuty name (or service id); every unmapped name is listed, with the known services', () => {
    const rows = [
      'Q1,a,PL4,Helpdesk - Laptops,2026-09-08T10:00:00-04:00,60,,low,',
      'Q2,b,PX,Legacy ERP,2026-09-08T10:00:00-04:00,60,,low,',
      'Q3,c,PY,Printers,2026-09-08T11:00:00-04:00,60,,low,',
      'Q4,d,PY,Printers,2026-09-08T12:00:00-04:00,60,,low,',
    ];
    const unmapped = plan(rows);
    expect(unmapped.problems).toEqual([
      {
        line: null,
        message:
          '3 services are not in engagement acme: "Helpdesk - Laptops" (1 row, first on line 2), "Legacy ERP" (1 row, first on line 3), "Printers" (2 rows, first on line 4). its services: payments-api (Payment processing API), storefront (Web storefront), edr (Endpoint detection), laptops (Staff laptops and accounts). Map each with --service-map "NAME=service-id"',
      },
    ]);
    const mapped = plan(rows, ['Helpdesk - Laptops=laptops', 'PX=laptops', 'Printers=laptops']);
    expect(mapped.problems).toEqual([]);
    expect(mapped.items.map((i) => i.service.id)).toEqual(['laptops', 'laptops', 'laptops', 'laptops']);
    expect(plan([], ['Printers=printers', 'nonsense']).mapProblems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^--service-map "Printers=printers": "printers" is not a service of engagement acme/),
      '--service-map "nonsense": expected "NAME IN THE FILE=service-id"',
    ]);
  });

  it('a row with neither a known priority nor an urgency is an error', () => {
    expect(plan(['Q1,a,PQ,payments-api,2026-09-08T10:00:00-04:00,60,,,SEV-9']).problems).toEqual([
      {
        line: 2,
        message:
          'has no priority of the engagement (P1, P2, P3, P4, P5) ("SEV-9" is not one) and no urgency (high or low) to derive one from',
      },
    ]);
  });
});

describe('prepareImport', () => {
  it("Tandem's layout: severity through the matrix, the file's side wins (T4 opened in business hours), problems sorted by line", () => {
    const text =
      'number,service,title,priority,severity,side,created_at\nT1,storefront,x,,warning,,2026-09-08T10:00:00Z\nT2,laptops,y,P9,,,2026-09-08T10:00:00Z\nT3,payments-api,z,,bogus,partner,2026-09-08T15:00:00Z\nT4,payments-api,w,,,partner,2026-09-08T15:00:00Z\n';
    const p = prepareImport({ engagement: demo, text, format: 'auto', serviceMap: [], now });
    expect(p.problems).toEqual([
      { line: 3, message: 'priority "P9" is not one of the engagement\'s priorities (P1, P2, P3, P4, P5)' },
      { line: 4, message: 'severity "bogus" is not one of critical, error, warning, info' },
    ]);
    expect(p.items.map((i) => [i.sourceId, i.priority, i.side, i.source])).toEqual([
      // storefront is cloud: the partner always owns it.
      ['T1', 'P3', 'partner', 'tandem-csv'],
      ['T4', 'P1', 'partner', 'tandem-csv'],
    ]);
  });

  it('an empty file, and a forced layout that does not fit', () => {
    expect(prepareImport({ engagement: demo, text: '', format: 'auto', serviceMap: [], now }).problems).toEqual([
      { line: null, message: expect.stringMatching(/the file is empty/) },
    ]);
    expect(
      prepareImport({ engagement: demo, text: 'id,description\n', format: 'tandem', serviceMap: [], now }).problems.map((p) => p.message),
    ).toContain('the Tandem layout needs a "service" column; the header has: id, description');
  });
});
