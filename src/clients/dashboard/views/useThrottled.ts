import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * `value`, but changing at most once per `intervalMs` (and always ending on the latest): the
 * timeline and the log tail follow a busy daemon at a pace a person can read, while the plugin
 * rows follow every frame.
 */
export function useThrottled<T>(value: T, intervalMs: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => {
    const wait = last.current + intervalMs - performance.now();
    if (wait <= 0) {
      last.current = performance.now();
      setShown(value);
      return;
    }
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => {
      last.current = performance.now();
      setShown(value);
    }, wait);
  }, [value, intervalMs]);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return shown;
}
