/**
 * Which of an engagement's services are in maintenance for the status page:
 * the engagement file's windows (recurring ones expanded) and, when a reader
 * of the API's windows is given, those created through the API
 * (src/maintenance/). The reason of a window is never shown publicly: it is
 * written for the engineers; the page shows only that a component is under
 * maintenance, and until when.
 */
import type { Engagement } from '../engagement/model.js';
import type { ApiWindow } from '../maintenance/windows.js';
import { maintenanceAt } from '../maintenance/windows.js';
import type { MaintenanceLookup } from './routes.js';

/** The lookup the status routes take; `apiWindows` reads an engagement's API windows in force at or after `now`. */
export function maintenanceLookup(apiWindows?: (engagementId: string, now: number) => Promise<readonly ApiWindow[]>): MaintenanceLookup {
  return async (engagement: Engagement, now: number) => {
    const extra = apiWindows === undefined ? [] : await apiWindows(engagement.id, now);
    return (serviceId: string) => {
      const found = maintenanceAt(engagement, serviceId, now, extra);
      return found === undefined ? undefined : { until: found.until };
    };
  };
}
