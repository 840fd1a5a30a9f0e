/**
 * The open-incident queue, kept live: loaded page by page from
 * /api/v1/incidents, then updated from the server-sent event stream. Updates
 * are queued and applied once per animation frame (a burst of 500 changes is
 * one re-sort and one render), and the sorted list is cached per version, so
 * a 5,000-incident queue stays responsive.
 */
import { useSyncExternalStore } from 'react';
import { OPEN_STATUSES, api } from './api';
import type { Incident, IncidentList, SlaClock } from './api';

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'offline';

interface Entry {
  incident: Incident;
  rank: number;
  /** When the most urgent SLA clock runs out (ms since epoch); Infinity without one. */
  due: number;
  created: number;
}

const PAGE = 1000;
const NEW_HIGHLIGHT_MS = 5000;

export function priorityRank(p: string | null): number {
  const m = p ? /^P(\d)$/.exec(p) : null;
  return m?.[1] ? Number(m[1]) : 9;
}

/** The clock that matters now: breached first, then the running (or paused) one with least time left. Met clocks are done. */
export function urgentClock(sla: SlaClock[] | undefined, now: number): { clock: SlaClock; due: number } | undefined {
  if (!sla) return undefined;
  let best: { clock: SlaClock; due: number } | undefined;
  for (const c of sla) {
    if (c.status === 'met' || c.status === 'not_applicable') continue;
    // A clock without a target (remaining_s null) is never due.
    const left = c.remaining_s === null ? undefined : now + c.remaining_s * 1000;
    let due: number | undefined;
    if (c.status === 'breached') due = c.deadline ? Date.parse(c.deadline) : now - 1;
    else if (c.status === 'paused' || c.paused) due = left;
    else due = c.deadline ? Date.parse(c.deadline) : left;
    if (due === undefined) continue;
    if (!best || due < best.due) best = { clock: c, due };
  }
  return best;
}

function entryOf(incident: Incident): Entry {
  const now = Date.now();
  return {
    incident,
    rank: priorityRank(incident.priority),
    due: urgentClock(incident.sla, now)?.due ?? Number.POSITIVE_INFINITY,
    created: Date.parse(incident.created_at),
  };
}

function compare(a: Entry, b: Entry): number {
  return a.rank - b.rank || a.due - b.due || b.created - a.created || b.incident.id - a.incident.id;
}

function newer(a: Incident, b: Incident): boolean {
  return Date.parse(a.updated_at) >= Date.parse(b.updated_at);
}

export class IncidentStore {
  #entries = new Map<number, Entry>();
  /** Resolved while we watched: a stale page must not bring them back. */
  #gone = new Map<number, string>();
  #sorted: Incident[] | null = null;
  #filtered = new Map<string, Incident[]>();
  #pending: Incident[] = [];
  #flushScheduled = false;
  #listeners = new Set<() => void>();
  #watchers = new Set<(incident: Incident) => void>();
  #announcers = new Set<(text: string) => void>();
  #source: EventSource | undefined;
  #hellos = 0;
  #loadSeq = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  /** Ids applied since the queue last rendered (performance marks, see Now). */
  appliedSinceRender: number[] = [];
  readonly newAt = new Map<number, number>();
  version = 0;
  loaded = false;
  loading = false;
  loadError: string | null = null;
  connection: Connection = 'connecting';

  start(): void {
    this.#stopped = false;
    void this.load();
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    this.#source?.close();
    this.#source = undefined;
    if (this.#retry) clearTimeout(this.#retry);
    this.#loadSeq++;
    this.#hellos = 0;
    this.#entries.clear();
    this.#gone.clear();
    this.#pending = [];
    this.newAt.clear();
    this.appliedSinceRender = [];
    this.loaded = false;
    this.loading = false;
    this.connection = 'connecting';
    this.#changed();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  /** Every incident change from the stream (the incident page refreshes itself with this). */
  watch(listener: (incident: Incident) => void): () => void {
    this.#watchers.add(listener);
    return () => this.#watchers.delete(listener);
  }

  onAnnounce(listener: (text: string) => void): () => void {
    this.#announcers.add(listener);
    return () => this.#announcers.delete(listener);
  }

  get size(): number {
    return this.#entries.size;
  }

  get(id: number): Incident | undefined {
    return this.#entries.get(id)?.incident;
  }

  /** Open incidents by priority, then SLA time left, then newest; optionally of one engagement. */
  list(engagement: string | null = null): Incident[] {
    if (!this.#sorted) {
      this.#sorted = [...this.#entries.values()].sort(compare).map((e) => e.incident);
      this.#filtered.clear();
    }
    if (!engagement) return this.#sorted;
    let f = this.#filtered.get(engagement);
    if (!f) {
      f = this.#sorted.filter((i) => i.engagement === engagement);
      this.#filtered.set(engagement, f);
    }
    return f;
  }

  /** Applies an incident the page itself changed (an action's answer) at once. */
  applyNow(incident: Incident): void {
    this.#pending.push(incident);
    this.#flush();
  }

  async load(): Promise<void> {
    const seq = ++this.#loadSeq;
    this.loading = true;
    this.loadError = null;
    const seen = new Set<number>();
    const firstLoad = !this.loaded;
    this.#changed();
    try {
      let cursor: string | null = null;
      do {
        const q = new URLSearchParams({ status: OPEN_STATUSES.join(','), limit: String(PAGE) });
        if (cursor) q.set('cursor', cursor);
        const page = await api<IncidentList>('GET', `/incidents?${q.toString()}`);
        if (seq !== this.#loadSeq || this.#stopped) return;
        for (const incident of page.incidents) {
          seen.add(incident.id);
          const gone = this.#gone.get(incident.id);
          if (gone !== undefined && Date.parse(gone) >= Date.parse(incident.updated_at)) continue;
          const had = this.#entries.get(incident.id);
          if (had && !newer(incident, had.incident)) continue;
          this.#entries.set(incident.id, entryOf(incident));
        }
        cursor = page.next_cursor;
        this.#sorted = null;
        this.#changed();
      } while (cursor);
      // A reload after a reconnect: whatever closed while we were away is gone.
      if (!firstLoad) {
        for (const id of [...this.#entries.keys()]) if (!seen.has(id)) this.#entries.delete(id);
      }
      this.loaded = true;
      this.loading = false;
      this.#sorted = null;
      this.#changed();
    } catch (err) {
      if (seq !== this.#loadSeq) return;
      this.loading = false;
      this.loadError = err instanceof Error ? err.message : String(err);
      this.#changed();
    }
  }

  #connect(): void {
    if (this.#stopped) return;
    const source = new EventSource('/api/v1/stream');
    this.#source = source;
    source.addEventListener('hello', () => {
      this.#hellos++;
      this.connection = 'live';
      // After a reconnect, events may have been missed: read the queue again.
      if (this.#hellos > 1) void this.load();
      this.#changed();
    });
    source.addEventListener('incident', (e: MessageEvent<string>) => {
      try {
        this.#pending.push(JSON.parse(e.data) as Incident);
      } catch {
        return;
      }
      this.#schedule();
    });
    source.addEventListener('bye', () => {
      // The server is shutting down; EventSource reconnects on its own.
      this.connection = 'reconnecting';
      this.#changed();
    });
    source.addEventListener('error', () => {
      if (this.#stopped) return;
      if (source.readyState === EventSource.CLOSED) {
        // Refused (a 401 after the session ended, or a proxy error): check the session, then try again.
        this.connection = 'offline';
        this.#changed();
        void api('GET', '/me').then(
          () => {
            this.#retry = setTimeout(() => this.#connect(), 3000);
          },
          () => {
            this.#retry = setTimeout(() => this.#connect(), 5000);
          },
        );
      } else {
        this.connection = 'reconnecting';
        this.#changed();
      }
    });
  }

  #schedule(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // One flush per frame; the timeout covers a hidden tab, where frames stop.
    const run = () => {
      if (!this.#flushScheduled) return;
      this.#flush();
    };
    requestAnimationFrame(run);
    setTimeout(run, 250);
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    const fresh: Incident[] = [];
    const now = Date.now();
    for (const incident of batch) {
      const had = this.#entries.get(incident.id);
      if (had && !newer(incident, had.incident)) continue;
      if (incident.status === 'resolved') {
        this.#gone.set(incident.id, incident.updated_at);
        this.#entries.delete(incident.id);
      } else {
        const gone = this.#gone.get(incident.id);
        if (gone !== undefined && Date.parse(gone) >= Date.parse(incident.updated_at)) continue;
        if (!had && this.loaded && gone === undefined) {
          fresh.push(incident);
          this.newAt.set(incident.id, now);
        }
        this.#entries.set(incident.id, entryOf(incident));
      }
      this.appliedSinceRender.push(incident.id);
      for (const w of this.#watchers) w(incident);
    }
    for (const [id, at] of this.newAt) if (now - at > NEW_HIGHLIGHT_MS) this.newAt.delete(id);
    this.#sorted = null;
    this.#changed();
    if (fresh.length > 0) this.#announce(fresh);
  }

  #announce(fresh: Incident[]): void {
    let text: string;
    if (fresh.length === 1 && fresh[0]) {
      const i = fresh[0];
      text = `New ${i.priority ?? ''} incident ${i.number}: ${i.title}`;
    } else {
      const top = [...fresh].sort((a, b) => priorityRank(a.priority) - priorityRank(b.priority))[0];
      text = `${fresh.length} new incidents${top?.priority ? `, highest priority ${top.priority}` : ''}`;
    }
    for (const a of this.#announcers) a(text);
  }

  #changed(): void {
    this.version++;
    for (const l of this.#listeners) l();
  }
}

export const incidents = new IncidentStore();

/** Re-renders on every change of the queue; read it with incidents.list(). */
export function useIncidents(): number {
  return useSyncExternalStore(incidents.subscribe, incidents.getVersion);
}

export { NEW_HIGHLIGHT_MS };
