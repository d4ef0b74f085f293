import { type GateResult } from './gates';
import { type ModelVersion } from './model-version';
import { type TensorDecl } from './signature';

export interface CardModel {
  name: string;
  description: string;
  owner: string;
  /** e.g. "binary classification". */
  task: string;
}

export interface CardPromotion {
  id: string;
  state: string;
  targetAlias: string;
  requestedBy: string;
  approvedBy: string[];
  gateResult?: GateResult;
  requestedAt: Date;
}

/** Markdown cells must not break the table. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
// Six significant digits without trailing zeros; through Number so 100000.4 ("100000", no point) keeps its zeros.
const num = (n: number | undefined) => (n === undefined ? '–' : Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6))));
const shape = (t: TensorDecl) => `[${t.shape.map((d) => (d === -1 ? 'batch' : d)).join(', ')}]`;

/** A human-readable account of one version: what it is, how good, what it takes, where it came from, how it got promoted. */
export function renderModelCard(model: CardModel, version: ModelVersion, promotions: CardPromotion[]): string {
  const { lineage } = version;
  const lines: string[] = [`# ${model.name} — version ${version.version}`, ''];
  if (model.description) lines.push(model.description, '');
  if (version.description) lines.push(version.description, '');
  lines.push(
    '| | |', '|---|---|',
    `| Task | ${cell(model.task)} |`,
    `| Owner | ${cell(model.owner || '–')} |`,
    `| Stage | ${version.stage.toLowerCase()} |`,
    `| Aliases | ${version.aliases.length ? version.aliases.join(', ') : '–'} |`,
    `| Registered | ${version.createdAt.toISOString()} by ${cell(version.createdBy)} |`,
    `| Artifact | \`${version.artifact.digest}\` (${version.artifact.sizeBytes} bytes) |`,
    '',
  );
  const metrics = Object.entries(version.metrics).sort(([a], [b]) => a.localeCompare(b));
  lines.push('## Metrics', '');
  if (metrics.length === 0) lines.push('No metrics were recorded.', '');
  else lines.push('| Metric | Value |', '|---|---|', ...metrics.map(([k, v]) => `| ${cell(k)} | ${num(v)} |`), '');
  lines.push('## Signature', '', '| Direction | Name | Type | Shape |', '|---|---|---|---|');
  for (const t of version.signature.inputs) lines.push(`| input | ${cell(t.name)} | ${t.datatype} | ${shape(t)} |`);
  for (const t of version.signature.outputs) lines.push(`| output | ${cell(t.name)} | ${t.datatype} | ${shape(t)} |`);
  lines.push('', '## Lineage', '');
  const facts: [string, string | undefined][] = [
    ['Training run', lineage.trainingRunId],
    ['Experiment', lineage.experimentId],
    ['Dataset', lineage.dataset],
    ['Dataset snapshot', lineage.datasetSnapshotId],
    ['Contract version', lineage.contractVersion],
    ['Feature service', lineage.featureService && `${lineage.featureService.name} v${lineage.featureService.version}`],
    ['Feature views', lineage.featureViews.map((v) => `${v.name} v${v.version}`).join(', ')],
    ['Code', lineage.codeCommit && `${lineage.codeRepository ? `${lineage.codeRepository} @ ` : ''}${lineage.codeCommit}`],
    ['Training config', lineage.configDigest],
    ['Reference profile', version.referenceProfile?.digest],
  ];
  const known = facts.filter(([, value]) => value);
  if (known.length === 0) lines.push('No lineage was recorded: this version cannot be reproduced from the registry alone.', '');
  else lines.push(...known.map(([k, v]) => `- **${k}:** ${v}`), '');
  lines.push('## Promotions', '');
  if (promotions.length === 0) lines.push('Never put up for promotion.', '');
  for (const p of promotions) {
    lines.push(`### ${p.state.toLowerCase().replace(/_/g, ' ')} to \`${p.targetAlias}\` (${p.requestedAt.toISOString()})`, '');
    lines.push(`Requested by ${cell(p.requestedBy)}${p.approvedBy.length ? `, approved by ${p.approvedBy.map(cell).join(', ')}` : ''}.`, '');
    if (p.gateResult && p.gateResult.checks.length > 0) {
      lines.push(`Gates (policy revision ${p.gateResult.policyRevision}, champion ${p.gateResult.championVersion ? `version ${p.gateResult.championVersion}` : 'none'}):`, '');
      lines.push('| Check | Result | Detail |', '|---|---|---|', ...p.gateResult.checks.map((c) => `| ${cell(c.name)} | ${c.passed ? 'pass' : '**fail**'} | ${cell(c.message)} |`), '');
    }
  }
  const tags = Object.entries(version.tags).sort(([a], [b]) => a.localeCompare(b));
  if (tags.length > 0) lines.push('## Tags', '', ...tags.map(([k, v]) => `- \`${k}\`: ${cell(v)}`), '');
  return `${lines.join('\n').trimEnd()}\n`;
}
