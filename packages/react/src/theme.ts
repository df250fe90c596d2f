import type { CSSProperties } from 'react';

/** The variables a theme object may set, each mapped to one `--tg-*` CSS custom property. */
export interface ThemeVariables {
  colorPrimary?: string;
  colorBackground?: string;
  colorSurface?: string;
  colorText?: string;
  colorMuted?: string;
  colorBorder?: string;
  colorOk?: string;
  colorWarning?: string;
  colorDanger?: string;
  fontFamily?: string;
  fontSizeBase?: string;
  borderRadius?: string;
  spacingUnit?: string;
  /** Colours of the chart's series, in order (up to 6). */
  chartColors?: string[];
}

/** Base palette name. `auto` follows the user's `prefers-color-scheme`. */
export type ThemeName = 'light' | 'dark' | 'auto';

/** The `theme` prop: a palette name, or (like Stripe's `appearance`) a base plus variables. */
export type Theme = ThemeName | { theme?: ThemeName; variables?: ThemeVariables };

const PROPERTY: Record<Exclude<keyof ThemeVariables, 'chartColors'>, string> = {
  colorPrimary: '--tg-color-primary',
  colorBackground: '--tg-color-bg',
  colorSurface: '--tg-color-surface',
  colorText: '--tg-color-text',
  colorMuted: '--tg-color-muted',
  colorBorder: '--tg-color-border',
  colorOk: '--tg-color-ok',
  colorWarning: '--tg-color-warning',
  colorDanger: '--tg-color-danger',
  fontFamily: '--tg-font-family',
  fontSizeBase: '--tg-font-size',
  borderRadius: '--tg-radius',
  spacingUnit: '--tg-spacing',
};

/** Number of chart colour slots styles.css defines. */
export const CHART_COLORS_MAX = 6;

/** Resolves the theme prop into the `data-tg-theme` attribute and inline custom properties. */
export function resolveTheme(theme: Theme | undefined): { name: ThemeName; style: CSSProperties } {
  if (theme === undefined || typeof theme === 'string') return { name: theme ?? 'light', style: {} };
  const style: Record<string, string> = {};
  const variables = theme.variables ?? {};
  for (const [key, property] of Object.entries(PROPERTY)) {
    const value = variables[key as keyof typeof PROPERTY];
    if (value !== undefined) style[property] = value;
  }
  variables.chartColors?.slice(0, CHART_COLORS_MAX).forEach((color, i) => {
    style[`--tg-chart-${i + 1}`] = color;
  });
  return { name: theme.theme ?? 'light', style: style as CSSProperties };
}
