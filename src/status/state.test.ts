import { describe, expect, it } from 'vitest';
import type { Priorities } from '../engagement/model.js';
import type { StatusPage } from '../engagement/status-page.js';
import type { ComponentState, NoteImpact, OpenIncident, ServiceMaintenance } from './state.js';
import { componentStates, incidentState, overallState, serviceState, worst } from './state.js';

/** The demo's matrix: P1..P5, P1-P3 page. */
const DEMO: Priorities = {
  matrix: {
    critical: ['P1', 'P1', 'P2', 'P3'],
    error: ['P1', 'P2', 'P3', 'P4'],
    warning: ['P2', 'P3', 'P4', 'P5'],
    info: ['P4', 'P5', 'P5', 'P5'],
  },
  page: ['P1', 'P2', 'P3'],
  order: ['P1', 'P2', 'P3', 'P4', 'P5'],
};

/** A matrix of named priorities where only the first two page. */
const NAMED: Priorities = {
  matrix: {
    critical: ['SEV1', 'SEV1', 'SEV2', 'SEV3'],
    error: ['SEV1', 'SEV2', 'SEV3', 'SEV3'],
    warning: ['SEV2', 'SEV3', 'SEV3', 'SEV3'],
    info: ['SEV3', 'SEV3', 'SEV3', 'SEV3'],
  },
  page: ['SEV1', 'SEV2'],
  order: ['SEV1', 'SEV2', 'SEV3'],
};

const PAGE: StatusPage = {
  title: 'Acme IT services',
  components: [
    { name: 'Payments', services: ['payments-api'] },
    { name: 'Online shop', description: 'www.acme.example', services: ['storefront', 'cdn'] },
    { name: 'Staff laptops', services: ['laptops'] },
  ],
};

const open = (serviceId: string, priority: string): OpenIncident => ({ serviceId, priority });
const none = (): ServiceMaintenance | undefined => undefined;

describe('incidentState', () => {
  it.each<[Priorities, string, ComponentState]>([
    [DEMO, 'P1', 'outage'],
    [DEMO, 'P2', 'degraded'],
    [DEMO, 'P3', 'degraded'],
    [DEMO, 'P4', 'operational'],
    [DEMO, 'P5', 'operational'],
    [DEMO, 'P9', 'degraded'], // no longer in the file: open, so not operational, but not called an outage
    [NAMED, 'SEV1', 'outage'],
    [NAMED, 'SEV2', 'degraded'],
    [NAMED, 'SEV3', 'operational'],
  ])('%#: %s', (priorities, priority, state) => {
    expect(incidentState(priorities, priority)).toBe(state);
  });
});

describe('serviceState', () => {
  it.each<[string, OpenIncident[], ServiceMaintenance | undefined, ComponentState]>([
    ['nothing open', [], undefined, 'operational'],
    ['a P4 only', [open('s', 'P4')], undefined, 'operational'],
    ['a P3 and a P5', [open('s', 'P3'), open('s', 'P5')], undefined, 'degraded'],
    ['a P2 and a P1', [open('s', 'P2'), open('s', 'P1')], undefined, 'outage'],
    ['a P1 in maintenance', [open('s', 'P1')], { until: 1 }, 'maintenance'],
    ['nothing open in maintenance', [], { until: 1 }, 'maintenance'],
  ])('%s', (_name, incidents, maintenance, state) => {
    expect(serviceState(DEMO, incidents, maintenance)).toBe(state);
  });
});

describe('worst', () => {
  it('orders outage > degraded > maintenance > operational, either way round', () => {
    expect(worst('operational', 'maintenance')).toBe('maintenance');
    expect(worst('degraded', 'maintenance')).toBe('degraded');
    expect(worst('outage', 'degraded')).toBe('outage');
    expect(worst('degraded', 'outage')).toBe('outage');
    expect(worst('operational', 'operational')).toBe('operational');
  });
});

describe('componentStates', () => {
  const states = (
    incidents: OpenIncident[],
    maintenance: (id: string) => ServiceMaintenance | undefined = none,
    notes: NoteImpact[] = [],
  ): Record<string, string> => Object.fromEntries(componentStates(PAGE, DEMO, incidents, maintenance, notes).map((c) => [c.name, c.state]));

  it.each<[string, OpenIncident[], Record<string, string>]>([
    ['nothing open', [], { Payments: 'operational', 'Online shop': 'operational', 'Staff laptops': 'operational' }],
    [
      'a P1 on payments',
      [open('payments-api', 'P1')],
      { Payments: 'outage', 'Online shop': 'operational', 'Staff laptops': 'operational' },
    ],
    [
      'a P3 on one of two shop services',
      [open('cdn', 'P3')],
      { Payments: 'operational', 'Online shop': 'degraded', 'Staff laptops': 'operational' },
    ],
    [
      'a P2 and a P1 on the two shop services',
      [open('cdn', 'P2'), open('storefront', 'P1')],
      { Payments: 'operational', 'Online shop': 'outage', 'Staff laptops': 'operational' },
    ],
    [
      'incidents on services no component shows',
      [open('edr', 'P1'), open('erp', 'P1')],
      { Payments: 'operational', 'Online shop': 'operational', 'Staff laptops': 'operational' },
    ],
    ['a P5 on laptops', [open('laptops', 'P5')], { Payments: 'operational', 'Online shop': 'operational', 'Staff laptops': 'operational' }],
  ])('%s', (_name, incidents, expected) => {
    expect(states(incidents)).toEqual(expected);
  });

  it('shows maintenance while one service is in a window, with the latest end, unless another service is worse', () => {
    const windows: Record<string, ServiceMaintenance> = { storefront: { until: 2_000 }, cdn: { until: 3_000 } };
    const shown = componentStates(PAGE, DEMO, [open('storefront', 'P1')], (id) => windows[id], []);
    expect(shown[1]).toEqual({ name: 'Online shop', description: 'www.acme.example', state: 'maintenance', maintenanceUntil: 3_000 });
    const onlyStorefront = componentStates(
      PAGE,
      DEMO,
      [open('cdn', 'P1')],
      (id) => (id === 'storefront' ? { until: 2_000 } : undefined),
      [],
    );
    expect(onlyStorefront[1]?.state).toBe('outage');
    expect(onlyStorefront[1]?.maintenanceUntil).toBeUndefined();
  });

  it('takes the worse of the incidents and the open notes naming the component, never a better one', () => {
    expect(states([], none, [{ components: ['Payments'], state: 'degraded' }])['Payments']).toBe('degraded');
    expect(states([open('payments-api', 'P1')], none, [{ components: ['Payments'], state: 'operational' }])['Payments']).toBe('outage');
    expect(states([open('payments-api', 'P3')], none, [{ components: ['Payments', 'Staff laptops'], state: 'outage' }])).toEqual({
      Payments: 'outage',
      'Online shop': 'operational',
      'Staff laptops': 'outage',
    });
    expect(states([], none, [{ components: ['Nothing by that name'], state: 'outage' }])['Payments']).toBe('operational');
  });
});

describe('overallState', () => {
  it('is the worst component', () => {
    const c = (state: ComponentState) => ({ name: state, state });
    expect(overallState([])).toBe('operational');
    expect(overallState([c('operational'), c('maintenance')])).toBe('maintenance');
    expect(overallState([c('degraded'), c('maintenance'), c('operational')])).toBe('degraded');
    expect(overallState([c('degraded'), c('outage')])).toBe('outage');
  });
});
