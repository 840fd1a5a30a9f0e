import { useEffect, useRef } from 'react';
import { Icon } from '../components/icons';

const KEYS: Array<[string, string]> = [
  ['g then n', 'Now: the open queue'],
  ['g then s', 'Schedules'],
  ['g then p', 'Performance'],
  ['g then e', 'Engagement'],
  ['g then c', 'Security'],
  ['/', 'Search the queue'],
  ['j / k', 'Next / previous incident in the queue'],
  ['Enter', 'Open the selected incident'],
  ['a', 'Acknowledge (on an incident)'],
  ['n', 'Write a note (on an incident)'],
  ['?', 'This list'],
  ['Esc', 'Close a dialog'],
];

/** The keyboard shortcuts, as a modal dialog. */
export function Shortcuts({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    const before = document.activeElement;
    d.showModal();
    return () => {
      if (before instanceof HTMLElement) before.focus();
    };
  }, []);
  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="shortcuts-title" onClose={onClose} onCancel={onClose}>
      <header className="dialog-head">
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <button type="button" className="icon-btn" onClick={onClose} aria-label="Close">
          <Icon name="x" />
        </button>
      </header>
      <table className="keys">
        <tbody>
          {KEYS.map(([k, what]) => (
            <tr key={k}>
              <th scope="row">
                {k
                  .split(' ')
                  .map((part, i) =>
                    part === 'then' || (part === '/' && k.includes(' / ')) ? <span key={i}> {part} </span> : <kbd key={i}>{part}</kbd>,
                  )}
              </th>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </dialog>
  );
}
