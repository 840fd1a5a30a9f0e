/**
 * One shared 1-second ticker for every countdown on screen. It runs only
 * while something listens, fires on the second boundary, and hands out the
 * same "now" to everyone, so 30 visible clocks cost one timer and tick in step.
 */
import { useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();
let now = Math.floor(Date.now() / 1000) * 1000;
let timer: ReturnType<typeof setTimeout> | undefined;

function schedule(): void {
  timer = setTimeout(
    () => {
      now = Math.floor(Date.now() / 1000) * 1000;
      for (const l of listeners) l();
      schedule();
    },
    1000 - (Date.now() % 1000) + 5,
  );
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) {
    now = Math.floor(Date.now() / 1000) * 1000;
    schedule();
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
  };
}

const snapshot = () => now;

/** The current time, updated once a second (ms, on a whole second). */
export function useNow(): number {
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}
