import { useSession } from '../context';
import { setQuery, useLocation } from '../router';

/** The engagement a view shows: ?engagement=, else the token's first. */
export function useEngagementParam(): string {
  const { engagements } = useSession();
  const location = useLocation();
  const asked = location.query.get('engagement');
  if (asked && engagements.some((e) => e.id === asked)) return asked;
  return engagements[0]?.id ?? '';
}

export function EngagementPicker({ value }: { value: string }) {
  const { engagements } = useSession();
  if (engagements.length < 2) return null;
  return (
    <label className="select inline-select">
      <span>Engagement</span>
      <select value={value} onChange={(e) => setQuery({ engagement: e.target.value })}>
        {engagements.map((e) => (
          <option key={e.id} value={e.id}>
            {e.name}
          </option>
        ))}
      </select>
    </label>
  );
}
