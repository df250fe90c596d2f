import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@tollgate/react/styles.css';
import './page.css';
import { App } from './app.tsx';
import { fetchSession, pageOptions } from './session.ts';

const options = pageOptions(window.location.search);
const root = createRoot(document.getElementById('root')!);
fetchSession(options.ttlS).then(
  (session) =>
    root.render(
      <StrictMode>
        <App session={options.token ? { ...session, token: options.token } : session} options={options} />
      </StrictMode>,
    ),
  (error: unknown) => root.render(<p role="alert">Could not start the demo: {String(error)}</p>),
);
