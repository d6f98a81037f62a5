import { Component, useState, type ErrorInfo, type ReactNode } from 'react';
import { useI18n } from './i18n';

/**
 * One screen's safety net: an error thrown while rendering it shows a translated message and "Try again"
 * instead of a blank frame; the rest of the app keeps working. "Try again" calls `onRetry` (e.g. drop the
 * cached answers the screen was drawn from) and draws the screen afresh.
 */
export function ScreenBoundary({ name, onRetry, children }: { name: string; onRetry?: () => void; children: ReactNode }) {
  const [attempt, setAttempt] = useState(0);
  return (
    <Boundary
      key={attempt}
      fallback={
        <Crashed
          name={name}
          onRetry={() => {
            onRetry?.();
            setAttempt((n) => n + 1);
          }}
        />
      }
    >
      {children}
    </Boundary>
  );
}

class Boundary extends Component<{ fallback: ReactNode; children: ReactNode }, { failed: boolean }> {
  state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('screen crashed', error, info.componentStack);
  }

  render(): ReactNode {
    return this.state.failed ? this.props.fallback : this.props.children;
  }
}

function Crashed({ name, onRetry }: { name: string; onRetry: () => void }) {
  const { t } = useI18n();
  return (
    <section className="card notice" role="alert" data-testid="screen-crashed" data-screen={name}>
      <h2>{t('crash.title')}</h2>
      <p>{t('crash.body')}</p>
      <button type="button" className="button" onClick={onRetry}>
        {t('crash.retry')}
      </button>
    </section>
  );
}
