import '@tollgate/react/elements';
import { useEffect, useRef } from 'react';

/**
 * The Web Components build, as a host page without React would use it: plain elements with
 * attributes. Created through the DOM so the page needs no JSX typing for custom tags.
 */
export function ElementsPanel(props: {
  token: string;
  baseUrl: string;
  customerId: string | undefined;
  theme: string;
}) {
  const { token, baseUrl, customerId, theme } = props;
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = document.createElement('tollgate-credit-balance');
    element.setAttribute('token', token);
    element.setAttribute('base-url', baseUrl);
    element.setAttribute('theme', theme);
    element.setAttribute('locale', 'en-US');
    if (customerId) element.setAttribute('customer-id', customerId);
    host.current?.replaceChildren(element);
    return () => element.remove();
  }, [token, baseUrl, customerId, theme]);
  return <div ref={host} />;
}
