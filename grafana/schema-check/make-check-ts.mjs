// make-check-ts.mjs DASHBOARD.json: prints a TypeScript file that assigns the
// dashboard, and each panel again with its plugin's option and field types,
// to Grafana's own types from @grafana/schema, as object literals: tsc then
// rejects a wrong type, a misspelled or unknown property (excess property
// check) and a value outside an enum.  String enums are compared by value
// (Json<T>), since JSON holds "line", not GraphDrawStyle.Line.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const dashboard = JSON.parse(readFileSync(file, 'utf8'));
// __requires and __inputs are the envelope of an exported dashboard, which
// the import dialog reads and Grafana drops: not part of the Dashboard model
delete dashboard.__requires;
delete dashboard.__inputs;
const raw = '@grafana/schema/dist/esm/raw/composable';
const plugins = {
	timeseries: `${raw}/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen`,
	table: `${raw}/table/panelcfg/x/TablePanelCfg_types.gen`,
};
const out = [];
out.push(`// generated from ${file} by make-check-ts.mjs: do not edit`);
out.push(`import type { AnnotationQuery, Dashboard, DataQuery, Panel, RowPanel } from '@grafana/schema';`);
for (const [type, path] of Object.entries(plugins))
	out.push(`import type { Options as ${type}Options, FieldConfig as ${type}FieldConfig } from '${path}';`);
out.push(`type Json<T> = T extends string ? \`\${T}\` : T extends (infer E)[] ? Json<E>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;`);
// The query of Grafana's SQL datasources (PostgreSQL included): not in
// @grafana/schema, which knows only the DataQuery every query extends; this is
// SQLQuery of grafana/grafana public/app/features/plugins/sql/types.ts
// (Grafana 11), with its enums QueryFormat and EditorMode as their values.
out.push(`interface SQLQuery extends DataQuery { alias?: string; format?: 'time_series' | 'table'; rawSql?: string; dataset?: string; table?: string; sql?: Record<string, unknown>; editorMode?: 'builder' | 'code'; rawQuery?: boolean; }`);
out.push(`type SQLTargets = { targets?: Json<SQLQuery>[] };`);
out.push(`export const dashboard: Json<Omit<Dashboard, 'annotations'>> & { annotations?: { list?: Json<AnnotationQuery<SQLQuery>>[] } } = ${JSON.stringify(dashboard, null, 1)};`);

const panels = [];
for (const p of dashboard.panels ?? []) {
	panels.push(p);
	for (const q of p.panels ?? []) panels.push(q);
}
const unknown = [];
for (const p of panels) {
	const name = `panel_${p.id}`;
	if (p.type === 'row')
		out.push(`export const ${name}: Json<RowPanel> = ${JSON.stringify(p)};`);
	else if (plugins[p.type])
		out.push(`export const ${name}: Json<Panel<${p.type}Options, ${p.type}FieldConfig>> & SQLTargets & { options: Json<${p.type}Options>; fieldConfig: { defaults: { custom?: Json<${p.type}FieldConfig> } } } = ${JSON.stringify(p)};`);
	else
		unknown.push(`${p.id} (${p.type})`);
}
if (unknown.length) {
	// a panel type without its option types here would go unchecked
	console.error(`make-check-ts.mjs: no option types for panel ${unknown.join(', ')}: add its plugin`);
	process.exit(1);
}
console.log(out.join('\n'));
