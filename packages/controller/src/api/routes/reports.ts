// A finished run's reports, rendered from the store on each request:
// report.md, report.html, report.json (the summary) and junit.xml; a run that
// ended in error gets reports that lead with why. The HTML report is served
// with a CSP that lets it run its own inline scripts only.
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { ControllerErrors } from '../../errors.ts';
import { reportCsp } from '../../report/html.ts';
import { type ReportFormat, renderReport, storedSeries } from '../../report/report.ts';
import type { Scenario } from '../../scenario/scenario.ts';
import { validateScenario } from '../../scenario/validate.ts';
import type { RunStore } from '../../store/run-store.ts';
import { idParam } from '../schemas.ts';
import { finishedSummary } from '../stored-run.ts';

export interface ReportRoutesOptions {
  store: RunStore;
}

/** Path under /runs/:id, format and content type, in the order the routes are declared. */
const REPORTS: ReadonlyArray<readonly [path: string, format: ReportFormat, type: string]> = [
  ['report.md', 'md', 'text/markdown; charset=utf-8'],
  ['report.html', 'html', 'text/html; charset=utf-8'],
  ['report.json', 'json', 'application/json; charset=utf-8'],
  ['junit.xml', 'junit', 'application/xml; charset=utf-8'],
];

export const reportRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: ReportRoutesOptions }> = async (app, o) => {
  for (const [path, format, type] of REPORTS) {
    app.get(`/runs/:id/${path}`, { schema: { params: idParam, produces: ['text/plain'] } }, async (req, reply) => {
      const { id } = req.params;
      const summary = finishedSummary(o.store, id);
      let scenario: Scenario | undefined;
      try {
        scenario = validateScenario(o.store.getScenarioSource(id), { record: true });
      } catch (err) {
        // A run that ended in error may have failed on its scenario: its report leads with why, without it.
        if (summary.run.error === undefined)
          throw new ControllerErrors.INTERNAL(
            `the stored scenario of run ${id} no longer validates (${(err as { code?: string }).code}); the summary is still at /summary`,
          );
      }
      const run = o.store.getRun(id)!;
      const body = renderReport(format, {
        summary,
        scenario,
        target: run.target ?? undefined,
        monitorSamples: o.store.getMonitorSamples(id),
        series: storedSeries(o.store, id),
      });
      // Served from the API's origin: the page may run its own inline scripts and nothing else.
      if (format === 'html')
        reply.header('content-security-policy', reportCsp(body)).header('x-content-type-options', 'nosniff');
      return reply.type(type).send(body);
    });
  }
};
