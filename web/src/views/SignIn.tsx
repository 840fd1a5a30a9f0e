import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api } from '../api';
import { Icon } from '../components/icons';
import { useTitle } from '../hooks';

/**
 * Exchanges an API token for a session cookie (POST /api/v1/session); the token itself is not kept.
 * When the server has single sign-on (GET /auth/sso answers), the organization's sign-in comes first.
 */
export function SignIn({ onSignedIn, expired }: { onSignedIn: () => void; expired: boolean }) {
  useTitle('Sign in');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sso, setSso] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    let live = true;
    fetch('/auth/sso', { credentials: 'same-origin' })
      .then((res) => {
        if (live && res.ok) setSso(true);
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!token.trim()) {
      setError('Paste an API token to sign in.');
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/session', { token: token.trim() }, { quiet401: true });
      setToken('');
      onSignedIn();
    } catch (err) {
      setError(err instanceof ApiError ? (err.status === 401 ? 'That token is unknown or has been revoked.' : err.message) : String(err));
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="signin" tabIndex={-1}>
      <div className="signin-card">
        <div className="brand brand-lg">
          <span className="brand-mark" aria-hidden="true" />
          <span>Tandem</span>
        </div>
        <h1>Sign in to the operations desk</h1>
        <p className="muted">One live view of incidents, on-call and SLAs for your team and your partner.</p>
        {expired ? (
          <p className="notice" role="status">
            Your session ended. Sign in again to continue.
          </p>
        ) : null}
        {sso ? (
          <>
            <a className="btn btn-primary btn-block" href={`/auth/login?next=${encodeURIComponent(location.pathname + location.search)}`}>
              Sign in with your organization
            </a>
            <p className="fineprint">or, with an API token:</p>
          </>
        ) : null}
        <form onSubmit={submit} noValidate>
          <label htmlFor="token">API token</label>
          <input
            id="token"
            ref={input}
            name="token"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-describedby="token-hint"
            aria-invalid={error ? true : undefined}
            {...(error ? { 'aria-errormessage': 'token-error' } : {})}
            placeholder="tdm_…"
          />
          <p id="token-hint" className="hint">
            <code>npm start</code> printed a demo token when the server started. Otherwise create one with <code>tandem token create</code>.
          </p>
          {error ? (
            <p id="token-error" className="field-error" role="alert">
              <Icon name="alert" /> {error}
            </p>
          ) : null}
          <button type="submit" className={`btn ${sso ? 'btn-outline' : 'btn-primary'} btn-block`} disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        <p className="fineprint">The token is exchanged for a session cookie (12 hours) and is not stored in the browser.</p>
      </div>
    </main>
  );
}
