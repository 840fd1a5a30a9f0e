/**
 * A windowed list: only the rows in view (plus a few either side) exist in
 * the DOM, positioned inside a spacer as tall as the whole list, so 5,000
 * rows cost what 30 do. Rows have one fixed height.
 */
import { forwardRef, useCallback, useImperativeHandle, useLayoutEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';

export interface VirtualListHandle {
  /** Scrolls the least needed to show row `index`. */
  scrollToIndex(index: number): void;
  element(): HTMLDivElement | null;
}

interface Props {
  count: number;
  rowHeight: number;
  overscan?: number;
  renderRow: (index: number) => ReactNode;
  rowKey: (index: number) => string | number;
  rowClassName?: (index: number) => string;
  className?: string;
  /** Rows are table rows: the first data row is aria-rowindex 2 (after the header). */
  firstRowIndex?: number;
}

export const VirtualList = forwardRef<VirtualListHandle, Props>(function VirtualList(
  { count, rowHeight, overscan = 6, renderRow, rowKey, rowClassName, className, firstRowIndex = 2 },
  ref,
) {
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 0 });
  const frame = useRef(0);

  const measure = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    setView((v) => (v.top === el.scrollTop && v.height === el.clientHeight ? v : { top: el.scrollTop, height: el.clientHeight }));
  }, []);

  useLayoutEffect(() => {
    measure();
    const el = scroller.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => measure());
    ro.observe(el);
    return () => ro.disconnect();
  }, [measure]);

  const onScroll = useCallback(() => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      measure();
    });
  }, [measure]);

  useImperativeHandle(
    ref,
    () => ({
      scrollToIndex(index: number) {
        const el = scroller.current;
        if (!el) return;
        const top = index * rowHeight;
        if (top < el.scrollTop) el.scrollTop = top;
        else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
        measure();
      },
      element: () => scroller.current,
    }),
    [rowHeight, measure],
  );

  // Before the first measurement, assume a tall screen so the first paint has rows.
  const height = view.height || 1200;
  const start = Math.max(0, Math.floor(view.top / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((view.top + height) / rowHeight) + overscan);
  const rows: ReactNode[] = [];
  for (let i = start; i < end; i++) {
    rows.push(
      <div
        key={rowKey(i)}
        role="row"
        aria-rowindex={i + firstRowIndex}
        data-index={i}
        className={`vrow${rowClassName ? ` ${rowClassName(i)}` : ''}`}
        style={{ transform: `translateY(${i * rowHeight}px)`, height: rowHeight }}
      >
        {renderRow(i)}
      </div>,
    );
  }

  return (
    <div ref={scroller} className={`vlist${className ? ` ${className}` : ''}`} onScroll={onScroll} role="rowgroup">
      <div className="vlist-spacer" style={{ height: count * rowHeight }}>
        {rows}
      </div>
    </div>
  );
});
