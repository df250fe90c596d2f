import { Component, type ReactNode } from 'react';

interface State {
  error: Error | undefined;
}

/**
 * Keeps one crashing component from blanking the whole page (React unmounts the tree on an
 * uncaught render error), and marks the crash so the browser tests can fail on it by name.
 */
export class PanelBoundary extends Component<{ name: string; children: ReactNode }, State> {
  override state: State = { error: undefined };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <p role="alert" className="demo-crash" data-demo-crash={this.props.name}>
        {`<${this.props.name}> crashed: ${this.state.error.message}`}
      </p>
    );
  }
}
