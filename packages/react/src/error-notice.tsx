import type { ReactNode } from 'react';
import type { TollgateError } from './errors.ts';

/** What the customer reads for a failure: they cannot fix a token, so say what to do instead. */
export function errorText(error: TollgateError): { title: string; detail: string } {
  if (error.status === 401) {
    return { title: 'Your session expired', detail: 'Reload the page to continue.' };
  }
  if (error.status === 403) {
    return {
      title: 'No access to this billing data',
      detail: 'Your account is not allowed to see it. Ask an administrator for access.',
    };
  }
  return { title: 'Billing data is unavailable', detail: 'Something went wrong on our side. Try again.' };
}

/**
 * The failure state every component shows (401 expired, 403 forbidden, anything else). The
 * server's code stays in a data attribute for the host's support tooling, not in the text.
 */
export function ErrorNotice({ error, onRetry }: { error: TollgateError; onRetry?: () => void }): ReactNode {
  const { title, detail } = errorText(error);
  const canReload = error.status === 401 && typeof window !== 'undefined';
  return (
    <div className="tg-notice tg-notice--error" role="alert" data-tg-error={error.code}>
      <strong className="tg-notice__title">{title}</strong>
      <span className="tg-notice__detail"> {detail}</span>
      {canReload ? (
        <button type="button" className="tg-button" onClick={() => window.location.reload()}>
          Reload
        </button>
      ) : null}
      {onRetry && error.status !== 401 && error.status !== 403 ? (
        <button type="button" className="tg-button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** The loading state: text for screen readers, a shimmer for everyone else. */
export function Loading({ label }: { label: string }): ReactNode {
  return (
    <div className="tg-loading" role="status" aria-live="polite">
      <span className="tg-visually-hidden">{label}</span>
      <span className="tg-skeleton" aria-hidden="true" />
    </div>
  );
}
