import { produceReport, REPORT_FORMATS, reportRange } from '../compare/report.js';
import { loadReportConfig } from '../config/config.js';
import { openStore } from '../store/open-store.js';
import { writePrivateFile } from '../util/private-files.js';
import { type Command, line, UsageError } from './command.js';

export const report: Command = {
  name: 'report',
  summary: 'the comparison report of the two sources, as JSON, Markdown or HTML',
  help: `usage: faceauth-shim report [--from ISO] [--to ISO] [--format json|md|html] [--out FILE]

Writes the comparison report of the legacy and Workflows sources over a range (default: the
last 7 days) to FILE, or to standard output; prints the verdict line on standard error.
Reads DATABASE_URL, COMPARE_MIN_PAIRS and COMPARE_MIN_AGREEMENT.

  --from ISO      start of the range, e.g. 2026-12-01T00:00:00Z (default: 7 days before --to)
  --to ISO        end of the range (default: now)
  --format F      json (default), md or html
  --out FILE      write to FILE instead of standard output`,
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string', default: 'json' },
    out: { type: 'string' },
  },
  async run(values, _positionals, ctx) {
    const format = REPORT_FORMATS.find((f) => f === values.format);
    if (!format) {
      throw new UsageError(`report --format takes json, md or html, not "${values.format}"`);
    }
    const range = reportRange(
      values.from as string | undefined,
      values.to as string | undefined,
      Date.now(),
    );
    if ('error' in range) throw new UsageError(`report --${range.error}`);
    const settings = loadReportConfig(ctx.env);
    const store = await openStore(settings.database, { mustExist: true });
    try {
      const produced = await produceReport(store, {
        ...range,
        format,
        minPairs: settings.compareMinPairs,
        minAgreement: settings.compareMinAgreement,
      });
      if (typeof values.out === 'string') {
        // 0600 when new: a report names customers and interviews.
        await writePrivateFile(values.out, produced.body);
        line(ctx, `wrote ${values.out}`);
      } else {
        ctx.write(produced.body);
      }
      ctx.note(`verdict: ${produced.report.verdict.line}\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
