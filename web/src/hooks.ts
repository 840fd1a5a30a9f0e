/** Data loading for views: one request per key, cancelled when the key changes. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api } from './api';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/** GETs `path` (null: nothing to load yet) and keeps the last answer while reloading. */
export function useResource<T>(path: string | null): Resource<T> {
  const [state, setState] = useState<{ path: string | null; data: T | undefined; error: ApiError | undefined; loading: boolean }>({
    path,
    data: undefined,
    error: undefined,
    loading: path !== null,
  });
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    setState((s) => ({ path, data: s.path === path ? s.data : undefined, error: undefined, loading: true }));
    api<T>('GET', path, undefined, { signal: controller.signal }).then(
      (data) => setState({ path, data, error: undefined, loading: false }),
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setState({ path, data: undefined, error: err instanceof ApiError ? err : new ApiError(0, 'UNKNOWN', String(err)), loading: false });
      },
    );
    return () => controller.abort();
  }, [path, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const current = state.path === path;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: current ? state.loading : path !== null,
    reload,
  };
}

/** Sets document.title while a view is shown. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Tandem` : 'Tandem';
  }, [title]);
}

/** Single-key shortcuts, ignored while typing in a field or with a modifier held. */
export function useShortcuts(map: Record<string, (e: KeyboardEvent) => void>, enabled = true): void {
  const ref = useRef(map);
  ref.current = map;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.metaKey || e.ctrlKey || e.altKey) return;
      const t = e.target;
      if (t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
      const handler = ref.current[e.key];
      if (handler) handler(e);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled]);
}
