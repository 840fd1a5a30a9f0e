/**
 * The shell: who is signed in (GET /api/v1/me; a 401 anywhere shows the
 * sign-in page), the header with navigation, the live connection, and the
 * routed view.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, onUnauthorized } from './api';
import type { EngagementList, EngagementSummary, Me } from './api';
import { Icon } from './components/icons';
import { SessionContext } from './context';
import type { Session } from './context';
import { useShortcuts } from './hooks';
import { incidents, useIncidents } from './live';
import { Link, match, navigate, useLocation } from './router';
import { toggleTheme, useTheme } from './theme';
import { EngagementView } from './views/Engagement';
import { IncidentView } from './views/Incident';
import { NowView } from './views/Now';
import { PerformanceView } from './views/Performance';
import { SchedulesView } from './views/Schedules';
import { SecurityView } from './views/Security';
import { SignIn } from './views/SignIn';
import { Shortcuts } from './views/Shortcuts';
import { Loading } from './components/ui';

type Auth =
  | { state: 'checking' }
  | { state: 'signed-out'; expired: boolean }
  | { state: 'signed-in'; me: Me; engagements: EngagementSummary[]; justSignedIn: boolean };

export function App() {
  const [auth, setAuth] = useState<Auth>({ state: 'checking' });

  const load = useCallback(async (justSignedIn = false) => {
    try {
      const me = await api<Me>('GET', '/me', undefined, { quiet401: true });
      const { engagements } = await api<EngagementList>('GET', '/engagements');
      setAuth({ state: 'signed-in', me, engagements, justSignedIn });
    } catch {
      setAuth({ state: 'signed-out', expired: false });
    }
  }, []);

  useEffect(() => {
    onUnauthorized(() => setAuth((a) => (a.state === 'signed-in' ? { state: 'signed-out', expired: true } : a)));
    void load();
  }, [load]);

  useEffect(() => {
    if (auth.state !== 'signed-in') return;
    incidents.start();
    return () => incidents.stop();
  }, [auth.state]);

  if (auth.state === 'checking') {
    return (
      <main id="main" className="boot" tabIndex={-1}>
        <Loading label="Starting Tandem" />
      </main>
    );
  }
  if (auth.state === 'signed-out') return <SignIn expired={auth.expired} onSignedIn={() => void load(true)} />;
  return (
    <Shell
      me={auth.me}
      engagements={auth.engagements}
      focusMain={auth.justSignedIn}
      onSignOut={() => setAuth({ state: 'signed-out', expired: false })}
    />
  );
}

const NAV = [
  { to: '/', label: 'Now', icon: 'activity', key: 'n' },
  { to: '/schedules', label: 'Schedules', icon: 'calendar', key: 's' },
  { to: '/performance', label: 'Performance', icon: 'chart', key: 'p' },
  { to: '/engagement', label: 'Engagement', icon: 'grid', key: 'e' },
  { to: '/security', label: 'Security', icon: 'shield', key: 'c' },
] as const;

function Shell({
  me,
  engagements,
  focusMain,
  onSignOut,
}: {
  me: Me;
  engagements: EngagementSummary[];
  focusMain: boolean;
  onSignOut: () => void;
}) {
  const location = useLocation();
  const route = match(location.path);
  const theme = useTheme();
  const [message, setMessage] = useState('');
  const [help, setHelp] = useState(false);
  const main = useRef<HTMLElement>(null);
  const pendingG = useRef(0);

  const announce = useCallback((text: string) => {
    // Clearing first makes screen readers repeat an identical message.
    setMessage('');
    requestAnimationFrame(() => setMessage(text));
  }, []);
  useEffect(() => incidents.onAnnounce(announce), [announce]);

  const session = useMemo<Session>(() => {
    const names = new Map(engagements.map((e) => [e.id, e.name]));
    return { me, engagements, multi: me.token.engagements.length > 1, engagementName: (id) => names.get(id) ?? id, announce };
  }, [me, engagements, announce]);

  // Moving between views (or arriving from the sign-in form) puts focus on the new page's content.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      if (!focusMain) return;
    }
    main.current?.focus({ preventScroll: true });
  }, [route.name, focusMain]);

  async function signOut() {
    try {
      await api('DELETE', '/session', undefined, { quiet401: true });
    } finally {
      onSignOut();
      navigate('/', { replace: true });
    }
  }

  useShortcuts({
    g: () => {
      pendingG.current = Date.now();
    },
    n: () => goIf('/'),
    s: () => goIf('/schedules'),
    p: () => goIf('/performance'),
    e: () => goIf('/engagement'),
    c: () => goIf('/security'),
    '?': () => setHelp(true),
  });
  function goIf(to: string) {
    if (Date.now() - pendingG.current < 1200) {
      pendingG.current = 0;
      navigate(to);
    }
  }

  const current = route.name === 'incident' ? '/' : location.path;
  const scopeLabel = engagements.length === 1 ? (engagements[0]?.name ?? '') : `${engagements.length} engagements`;

  return (
    <SessionContext.Provider value={session}>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <div className="app">
        <header className="topbar">
          <Link to="/" className="brand" aria-label="Tandem, home">
            <span className="brand-mark" aria-hidden="true" />
            <span>Tandem</span>
          </Link>
          <nav aria-label="Main" className="nav">
            {NAV.map((n) => (
              <Link key={n.to} to={n.to} className="nav-link" aria-current={current === n.to ? 'page' : undefined}>
                <Icon name={n.icon} />
                <span>{n.label}</span>
              </Link>
            ))}
          </nav>
          <div className="topbar-right">
            <LiveStatus />
            <span className="who" title={`Token ${me.token.label ?? me.token.id}`}>
              <span className="who-scope">{scopeLabel}</span>
              <span className={`role role-${me.token.role}`}>{me.token.role}</span>
            </span>
            <button
              type="button"
              className="icon-btn"
              onClick={() => setHelp(true)}
              aria-label="Keyboard shortcuts"
              title="Keyboard shortcuts (?)"
            >
              <Icon name="keyboard" />
            </button>
            <button
              type="button"
              className="icon-btn"
              onClick={toggleTheme}
              aria-label={theme === 'dark' ? 'Switch to light mode' : 'Switch to dark mode'}
              title={theme === 'dark' ? 'Light mode' : 'Dark mode'}
            >
              <Icon name={theme === 'dark' ? 'sun' : 'moon'} />
            </button>
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => void signOut()}>
              <Icon name="logout" />
              Sign out
            </button>
          </div>
        </header>
        <main id="main" ref={main} tabIndex={-1} className={`main main-${route.name}`}>
          {route.name === 'now' ? <NowView /> : null}
          {route.name === 'incident' ? <IncidentView key={route.ref} reference={route.ref} /> : null}
          {route.name === 'schedules' ? <SchedulesView /> : null}
          {route.name === 'performance' ? <PerformanceView /> : null}
          {route.name === 'engagement' ? <EngagementView /> : null}
          {route.name === 'security' ? <SecurityView /> : null}
          {route.name === 'not-found' ? <NotFound /> : null}
        </main>
        <div className="sr-only" role="status" aria-live="polite" aria-atomic="true" id="announcer">
          {message}
        </div>
      </div>
      {help ? <Shortcuts onClose={() => setHelp(false)} /> : null}
    </SessionContext.Provider>
  );
}

function LiveStatus() {
  useIncidents();
  const c = incidents.connection;
  const text = c === 'live' ? 'Live' : c === 'connecting' ? 'Connecting' : c === 'reconnecting' ? 'Reconnecting' : 'Offline';
  return (
    <span
      className={`live live-${c}`}
      title={c === 'live' ? 'Receiving changes as they happen' : 'Trying to reach the server; the page catches up when it is back'}
    >
      <span className="live-dot" aria-hidden="true" />
      {text}
    </span>
  );
}

function NotFound() {
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        There is no page at this address. <Link to="/">Go to Now</Link>.
      </p>
    </div>
  );
}
