import { type ReactNode, useId } from 'react';
import { useTollgateContext } from './context.ts';
import { cx } from './cx.ts';
import { ErrorNotice, Loading } from './error-notice.tsx';
import { formatAmount, formatDate, toUnits } from './format.ts';
import { useCredits } from './use-credits.ts';

/** Props of {@link CreditBalance}. */
export interface CreditBalanceProps {
  /** Heading of the card (default "Credit balance"). */
  title?: string;
  /** Show which credits expire within 30 days (default true). */
  showExpiring?: boolean;
  className?: string;
}

/**
 * The customer's available balance in the wallet's unit (currency for `usd`, "N credits"
 * otherwise), what is reserved or owed, and credits expiring soon. Updates live.
 *
 * @example
 * ```tsx
 * <TollgateProvider token={token} baseUrl={url}>
 *   <CreditBalance title="Your credits" />
 * </TollgateProvider>
 * ```
 */
export function CreditBalance({
  title = 'Credit balance',
  showExpiring = true,
  className,
}: CreditBalanceProps): ReactNode {
  const { locale } = useTollgateContext('<CreditBalance>');
  const { balance, expiringSoon, loading, error } = useCredits();
  const headingId = useId();

  let body: ReactNode;
  if (error) body = <ErrorNotice error={error} />;
  else if (loading) body = <Loading label="Loading balance…" />;
  else if (!balance) body = <p className="tg-empty">No credits yet.</p>;
  else {
    const unit = balance.unit;
    body = (
      <>
        <p className="tg-balance__amount" data-testid="tg-balance">
          {formatAmount(balance.available, unit, locale)}
        </p>
        {toUnits(balance.pending) > 0 ? (
          <p className="tg-muted">
            {formatAmount(balance.pending, unit, locale)} reserved for calls in progress
          </p>
        ) : null}
        {toUnits(balance.owed) > 0 ? (
          <p className="tg-balance__owed">{formatAmount(balance.owed, unit, locale)} owed</p>
        ) : null}
        {showExpiring && expiringSoon.length > 0 ? (
          <ul className="tg-balance__expiring" aria-label="Credits expiring soon">
            {expiringSoon.map((grant) => (
              <li key={grant.grant_id}>
                {formatAmount(grant.amount, unit, locale)} expire on {formatDate(grant.expires_at, locale)}
              </li>
            ))}
          </ul>
        ) : null}
      </>
    );
  }
  return (
    <section className={cx('tg-card tg-balance', className)} aria-labelledby={headingId}>
      <h2 className="tg-card__title" id={headingId}>
        {title}
      </h2>
      {body}
    </section>
  );
}
