#!/usr/bin/env node
// Check a YAML stream of Backstage entities the way Backstage's catalog
// would take it in, with the real @backstage/catalog-model validators:
//
//   node testdata/backstage/validate.js FILE     (- reads stdin)
//
// For every document: the YAML parses with no error or warning (and
// reads the same as YAML 1.1 and 1.2), the entity passes the envelope
// schema, the default policies (SchemaValid, DefaultNamespace,
// NoForeignRootFields, FieldFormat) and exactly one kind validator
// (Resource or Component); every entity ref in spec.owner, dependsOn and
// dependencyOf parses, names a valid entity of an allowed kind, and
// dependsOn/dependencyOf point at entities of the stream, stated from
// both sides. Prints each problem, then "N entities (...), N errors";
// exits 1 on any error or when there is no entity at all.
//
// The packages come from testdata/backstage/node_modules (npm ci there,
// as .ci/run does), or from HONK_BACKSTAGE_PREFIX/node_modules.
'use strict';

const fs = require('fs');
const path = require('path');

const prefix = process.env.HONK_BACKSTAGE_PREFIX || __dirname;
const load = (m) => require(require.resolve(m, { paths: [prefix] }));
const YAML = load('yaml');
const cm = load('@backstage/catalog-model');

const kindValidators = [
	cm.resourceEntityV1alpha1Validator,
	cm.componentEntityV1alpha1Validator,
];
const policies = cm.EntityPolicies.allOf([
	new cm.SchemaValidEntityPolicy(),
	new cm.DefaultNamespaceEntityPolicy(),
	new cm.NoForeignRootFieldsEntityPolicy(),
	new cm.FieldFormatEntityPolicy(),
]);
const envelope = cm.entityEnvelopeSchemaValidator();

// The relation fields of the two kinds: [field, default kind, allowed kinds]
const relationFields = [
	['owner', 'group', ['group', 'user']],
	['dependsOn', undefined, undefined],
	['dependencyOf', undefined, undefined],
];

function refList(spec, field) {
	const v = spec ? spec[field] : undefined;
	if (v === undefined) return [];
	return Array.isArray(v) ? v : [v];
}

async function main() {
	const file = process.argv[2];
	if (!file) {
		console.error('usage: validate.js FILE');
		process.exit(2);
	}
	const text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
	const errors = [];
	const fail = (where, msg) => errors.push(`${where}: ${msg}`);

	const docs12 = YAML.parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
	const docs11 = YAML.parseAllDocuments(text, { version: '1.1', uniqueKeys: true });
	if (!Array.isArray(docs12)) {
		fail('stream', 'not a YAML stream');
	}
	const entities = [];
	(Array.isArray(docs12) ? docs12 : []).forEach((doc, i) => {
		const where = `document ${i + 1}`;
		for (const e of doc.errors) fail(where, `YAML error: ${e.message}`);
		for (const w of doc.warnings) fail(where, `YAML warning: ${w.message}`);
		if (doc.errors.length) return;
		const value = doc.toJS();
		if (value === null || value === undefined) {
			fail(where, 'empty document');
			return;
		}
		const as11 = docs11[i] && !docs11[i].errors.length ? docs11[i].toJS() : undefined;
		if (JSON.stringify(as11) !== JSON.stringify(value))
			fail(where, 'reads differently as YAML 1.1 and 1.2 (a scalar needs quotes)');
		entities.push({ where, value });
	});

	const byRef = new Map();
	const counts = {};
	for (const ent of entities) {
		let entity = JSON.parse(JSON.stringify(ent.value));
		const name = entity && entity.metadata && entity.metadata.name;
		ent.where = `${ent.where} (${entity && entity.kind}:${name})`;
		try {
			envelope(entity);
		} catch (e) {
			fail(ent.where, `envelope: ${e.message}`);
			continue;
		}
		try {
			entity = await policies.enforce(entity);
		} catch (e) {
			fail(ent.where, `policy: ${e.message}`);
			continue;
		}
		let matched = 0;
		for (const v of kindValidators) {
			try {
				if (await v.check(entity)) matched++;
			} catch (e) {
				fail(ent.where, `kind ${entity.kind}: ${e.message}`);
				matched = -1;
				break;
			}
		}
		if (matched === 0) fail(ent.where, `no validator for kind ${entity.kind}`);
		if (matched !== 1) continue;
		const ref = cm.stringifyEntityRef(entity);
		if (byRef.has(ref)) fail(ent.where, `${ref} is in the stream twice`);
		byRef.set(ref, entity);
		ent.entity = entity;
		ent.ref = ref;
		counts[entity.kind] = (counts[entity.kind] || 0) + 1;
	}

	// Relations: well-formed refs; dependsOn/dependencyOf within the
	// stream and stated from both sides.
	for (const ent of entities) {
		if (!ent.entity) continue;
		const ns = ent.entity.metadata.namespace;
		for (const [field, defaultKind, allowed] of relationFields) {
			for (const r of refList(ent.entity.spec, field)) {
				let p;
				try {
					p = cm.parseEntityRef(r, { defaultKind, defaultNamespace: ns });
				} catch (e) {
					fail(ent.where, `spec.${field} ${r}: ${e.message}`);
					continue;
				}
				if (!p.kind) {
					fail(ent.where, `spec.${field} ${r}: no kind`);
					continue;
				}
				if (!cm.KubernetesValidatorFunctions.isValidObjectName(p.name))
					fail(ent.where, `spec.${field} ${r}: "${p.name}" is not a valid entity name`);
				if (!cm.KubernetesValidatorFunctions.isValidNamespace(p.namespace))
					fail(ent.where, `spec.${field} ${r}: "${p.namespace}" is not a valid namespace`);
				if (allowed && !allowed.includes(p.kind.toLowerCase()))
					fail(ent.where, `spec.${field} ${r}: kind must be one of ${allowed.join(', ')}`);
				if (field === 'owner') continue;
				const target = byRef.get(cm.stringifyEntityRef(p));
				if (!target) {
					fail(ent.where, `spec.${field} ${r}: no such entity in the stream`);
					continue;
				}
				const back = field === 'dependsOn' ? 'dependencyOf' : 'dependsOn';
				const stated = refList(target.spec, back).some((x) => {
					try {
						return cm.stringifyEntityRef(cm.parseEntityRef(x, { defaultNamespace: target.metadata.namespace })) === ent.ref;
					} catch (e) {
						return false;
					}
				});
				if (!stated)
					fail(ent.where, `spec.${field} ${r}: ${r} does not state ${back} ${ent.ref}`);
			}
		}
	}

	for (const e of errors) console.log(`validate.js: ${e}`);
	const kinds = Object.keys(counts).sort().map((k) => `${counts[k]} ${k}`).join(', ');
	console.log(`validate.js: ${entities.length} entities (${kinds || 'none valid'}), ${errors.length} errors`);
	process.exit(errors.length || !entities.length ? 1 : 0);
}

main().catch((e) => {
	console.error(`validate.js: ${e.stack || e}`);
	process.exit(1);
});
