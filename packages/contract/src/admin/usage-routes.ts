import { defineRoute } from '../route.ts';
import { marginReportQuery, marginReportSchema, usageQueryInput, usageReportSchema } from './usage.ts';

/** Usage queries and margin reports. */
export const usageRoutes = {
  queryUsage: defineRoute({
    method: 'get',
    path: '/usage',
    operationId: 'queryUsage',
    summary: 'Usage totals or a time series, grouped',
    description:
      "Sums of usage events in [from, to) (default the last 30 days), in buckets of the caller's time zone when granularity is given (DST-correct), grouped by dimensions or tags. `format=csv` answers text/csv with a header row (RFC 4180) as an attachment.",
    tags: ['usage'],
    auth: true,
    idempotent: false,
    query: usageQueryInput,
    status: 200,
    response: usageReportSchema,
    errors: [],
  }),
  getMarginReport: defineRoute({
    method: 'get',
    path: '/reports/margin',
    operationId: 'getMarginReport',
    summary: 'Margin per feature, model, customer… or outcome (cost per success)',
    tags: ['reports'],
    auth: true,
    idempotent: false,
    query: marginReportQuery,
    status: 200,
    response: marginReportSchema,
    errors: [],
  }),
};
