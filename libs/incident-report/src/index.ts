export { renderIncidentReport, type RenderIncidentReportOptions } from './render-incident-report';
export { INCIDENT_REPORT_FORMATS, isIncidentReportFormat, type IncidentReportFormat } from './report-format';
export { BAR_STATUSES, coverageSpec, timeToApplyBars, timeToApplySpec, vegaCharts, type BarStatus, type ChartRenderer, type TimeToApplyBar } from './charts';
export { htmlText } from './html';
export { markdownText } from './markdown';
