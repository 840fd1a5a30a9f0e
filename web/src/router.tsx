/**
 * A small history router: the URL is the state (paths people can share and
 * that notifications link to, such as /incidents/ACME-42), read through
 * useLocation, changed through navigate() or <Link>.
 */
import { useSyncExternalStore } from 'react';
import type { AnchorHTMLAttributes, MouseEvent, ReactNode } from 'react';

export interface Location {
  path: string;
  query: URLSearchParams;
  href: string;
}

const listeners = new Set<() => void>();
let current = read();

function read(): Location {
  const path = window.location.pathname.replace(/\/+$/, '') || '/';
  return { path, query: new URLSearchParams(window.location.search), href: `${path}${window.location.search}` };
}

function changed(): void {
  const next = read();
  if (next.href === current.href) return;
  current = next;
  for (const l of listeners) l();
}

window.addEventListener('popstate', changed);

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === current.href) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  changed();
  if (!options.replace) window.scrollTo(0, 0);
}

/** Changes query parameters of the current path (replacing history: filters are not pages). */
export function setQuery(values: Record<string, string | null>): void {
  const q = new URLSearchParams(current.query);
  for (const [k, v] of Object.entries(values)) {
    if (v === null || v === '') q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  navigate(`${current.path}${s ? `?${s}` : ''}`, { replace: true });
}

export function useLocation(): Location {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => current,
  );
}

export type Route =
  | { name: 'now' }
  | { name: 'incident'; ref: string }
  | { name: 'schedules' }
  | { name: 'performance' }
  | { name: 'engagement' }
  | { name: 'security' }
  | { name: 'not-found' };

export function match(path: string): Route {
  if (path === '/' || path === '/now') return { name: 'now' };
  const incident = /^\/incidents\/([^/]+)$/.exec(path);
  if (incident?.[1]) return { name: 'incident', ref: decodeURIComponent(incident[1]) };
  if (path === '/schedules') return { name: 'schedules' };
  if (path === '/performance') return { name: 'performance' };
  if (path === '/engagement') return { name: 'engagement' };
  if (path === '/security') return { name: 'security' };
  return { name: 'not-found' };
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string; children: ReactNode };

/** An anchor that navigates in the page (a modified click still opens a new tab). */
export function Link({ to, children, onClick, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={handle} {...rest}>
      {children}
    </a>
  );
}
