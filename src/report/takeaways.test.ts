import { describe, expect, it } from 'vitest';
import {
  KPI_RULES,
  breachTakeaway,
  changesTakeaway,
  computeDelta,
  discussionPoints,
  gapsTakeaway,
  noisyTakeaway,
  pagesTakeaway,
  responseTakeaway,
  slaTakeaway,
  summaryTakeaway,
  trendTakeaway,
  volumeTakeaway,
} from './takeaways.js';
import { cappedReview, emptyReview, sampleReview } from './test-fixtures.js';

describe('month-over-month deltas', () => {
  it('calls a faster MTTA good and a slower one bad', () => {
    expect(computeDelta(252, 318, KPI_RULES.mtta_s, 'Oct')).toEqual({ text: '▼ 21% vs Oct', tone: 'good', verdict: 'better' });
    expect(computeDelta(318, 252, KPI_RULES.mtta_s, 'Oct')).toMatchObject({ text: '▲ 26% vs Oct', tone: 'bad' });
  });

  it('calls higher SLA attainment good, in percentage points', () => {
    expect(computeDelta(95, 94.8, KPI_RULES.sla_attainment_pct, 'Oct')).toMatchObject({ text: '▲ 0.2 pts vs Oct', tone: 'good' });
    expect(computeDelta(90, 94.8, KPI_RULES.sla_attainment_pct, 'Oct')).toMatchObject({ text: '▼ 4.8 pts vs Oct', tone: 'bad' });
  });

  it('counts pages and money in their own units, more being worse', () => {
    expect(computeDelta(21, 17, KPI_RULES.night_pages, 'Oct')).toMatchObject({ text: '▲ 4 vs Oct', tone: 'bad' });
    expect(computeDelta(1710, 2160, KPI_RULES.credit_amount, 'Oct', 'USD')).toMatchObject({ text: '▼ $450 vs Oct', tone: 'good' });
    expect(computeDelta(3, 0, KPI_RULES.incidents, 'Oct')).toMatchObject({ text: '▲ 3 vs Oct', tone: 'bad' });
  });

  it('is neutral when nothing changed or nothing compares', () => {
    expect(computeDelta(5, 5, KPI_RULES.incidents, 'Oct')).toMatchObject({ text: 'no change vs Oct', tone: 'neutral' });
    expect(computeDelta(null, 300, KPI_RULES.mtta_s, 'Oct')).toMatchObject({ text: 'no data for Oct', tone: 'neutral' });
  });
});

describe('takeaways of the sample month', () => {
  const review = sampleReview();
  it.each([
    [
      summaryTakeaway,
      'Compared with October: incidents down 8%, acknowledgement 21% faster, SLA attainment up 0.2 pts to 95.0% and night pages up from 17 to 21.',
    ],
    [volumeTakeaway, '120 incidents in November 2026, 4.0 a day on average; the busiest day was Tue 17 Nov with 11, including 4 P1.'],
    [
      responseTakeaway,
      'Acknowledgement took 6m 55s on average on holidays, 2.2× the 3m 08s in business hours; Acme IT acknowledged in 3m 41s and NightOwl MSP in 4m 33s.',
    ],
    [slaTakeaway, '95.0% of 101 SLA targets were met and 5 breached; the weakest was partner-sla P1 resolve at 80.0%.'],
    [breachTakeaway, '5 breaches (4 with credits) earned $1,710 in service credits, 9.5% of the $18,000 monthly fee.'],
    [pagesTakeaway, 'Kim Tan (7) and Ana Souza (5) were paged at night more than 4 times; consider spreading night cover more evenly.'],
    [noisyTakeaway, 'Payment processing API was the noisiest service: 46 of 120 incidents (38%), from 312 alerts.'],
    [changesTakeaway, '3 of 6 changes were followed by an incident within 2 hours (4 incidents in all).'],
    [
      gapsTakeaway,
      '2 gaps in 2 schedules left 8 hours with no one on call; the longest was 6 hours in nightowl-soc-oncall from Sat 14 Nov, 22:00.',
    ],
    [
      trendTakeaway,
      'Over 6 months incidents went from 148 to 120 (−19%), MTTA from 6m 42s to 4m 12s and SLA attainment from 91.2% to 95.0%.',
    ],
  ])('%o', (takeaway, sentence) => {
    expect(takeaway(review)).toBe(sentence);
  });

  it('says when credits hit the cap, and what the breaches would have earned', () => {
    expect(breachTakeaway(cappedReview())).toBe(
      '9 breaches (8 with credits) earned $5,310 in service credits, capped at 20% of the $18,000 monthly fee: $3,600 is due.',
    );
  });

  it('reads the threshold from the review when given', () => {
    expect(pagesTakeaway({ ...review, nightPageThreshold: 10 })).toBe(
      'No one was paged at night more than 10 times; the heaviest load was Kim Tan with 19 pages (7 at night).',
    );
  });

  it('notes when no change was followed by an incident', () => {
    expect(
      changesTakeaway({
        ...review,
        changes: review.changes.map((c) => ({ ...c, followedBy: [{ incident: 'X-1', title: 'late', minutesAfter: 300 }] })),
      }),
    ).toBe('None of the 6 changes was followed by an incident within 2 hours.');
  });
});

describe('points for discussion', () => {
  it('lists what needs a decision, most costly first', () => {
    expect(discussionPoints(sampleReview())).toEqual([
      { text: '5 SLA breaches: $1,710 in service credits due to Acme Payments', section: 'breaches' },
      { text: 'Kim Tan and Ana Souza are over the night-page threshold (more than 4 a month)', section: 'pages' },
      { text: '2 on-call coverage gaps, 8 hours with no one on call', section: 'gaps' },
      { text: '3 changes followed by incidents within 2 hours', section: 'changes' },
      { text: '1 ticket operation given up in Jira: those tickets do not show what happened', section: 'tickets' },
    ]);
    expect(discussionPoints(cappedReview())[0]?.text).toBe(
      '9 SLA breaches: $3,600 in service credits (capped at 20%) due to Acme Payments',
    );
    expect(discussionPoints(emptyReview())).toEqual([]);
  });
});

describe('takeaways of an empty month', () => {
  const review = emptyReview();
  it.each([
    [summaryTakeaway, 'November 2026 is the first month on record for NewCo, and no incidents were opened.'],
    [volumeTakeaway, 'No incidents were opened in November 2026.'],
    [responseTakeaway, 'No incident was acknowledged this month, so there are no response times to compare.'],
    [slaTakeaway, 'No SLA clock ran to completion this month.'],
    [breachTakeaway, 'No breaches this month, so no service credits are due.'],
    [pagesTakeaway, 'No one was paged this month.'],
    [noisyTakeaway, 'No service raised an incident this month.'],
    [changesTakeaway, 'No changes were recorded this month.'],
    [gapsTakeaway, 'No coverage gaps: every schedule had someone on call for the whole month.'],
    [trendTakeaway, 'This is the first month on record; trends appear from next month.'],
  ])('%o', (takeaway, sentence) => {
    expect(takeaway(review)).toBe(sentence);
  });
});
