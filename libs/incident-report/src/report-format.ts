/** What `renderIncidentReport` writes: Markdown, one self-contained HTML page, or the model as JSON. */
export const INCIDENT_REPORT_FORMATS = ['md', 'html', 'json'] as const;
export type IncidentReportFormat = (typeof INCIDENT_REPORT_FORMATS)[number];

/** Whether `value` names a format (for the CLI's `--format` and callers reading user input). */
export function isIncidentReportFormat(value: string): value is IncidentReportFormat {
  return (INCIDENT_REPORT_FORMATS as readonly string[]).includes(value);
}
