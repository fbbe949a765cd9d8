#!/usr/bin/env node
// Validates Kubernetes manifests against the Kubernetes API's JSON schemas, as packaged by
// kubernetes-models (npm, pinned in apps/e2e). Offline: the schemas ship with the package.
//   node apps/e2e/tools/validate-k8s.mjs deploy/k8s/*.yaml
// Prints one JSON line per document: {file, index, kind, name, errors[]}; exits 1 if any has errors.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { parseAllDocuments } from 'yaml';

// apiVersion → the kubernetes-models module holding its kinds ("v1" is the core group).
const moduleOf = (apiVersion) => `kubernetes-models/${apiVersion}`;

let failed = false;
for (const file of process.argv.slice(2)) {
  const documents = parseAllDocuments(readFileSync(file, 'utf8'));
  for (const [index, document] of documents.entries()) {
    const errors = document.errors.map((e) => `YAML: ${e.message}`);
    const object = errors.length === 0 ? document.toJS() : undefined;
    const kind = object?.kind;
    const name = object?.metadata?.name;
    if (object !== undefined) {
      if (typeof object.apiVersion !== 'string' || typeof kind !== 'string') {
        errors.push('apiVersion and kind must be strings');
      } else {
        let models;
        try {
          models = await import(moduleOf(object.apiVersion));
        } catch {
          errors.push(`unknown apiVersion ${object.apiVersion}`);
        }
        const Model = models?.[kind];
        if (models !== undefined && typeof Model !== 'function') errors.push(`unknown kind ${kind} in ${object.apiVersion}`);
        if (typeof Model === 'function') {
          try {
            new Model(object).validate();
          } catch (error) {
            errors.push(...String(error.message).split(/,\s*(?=data)/));
          }
        }
      }
    }
    if (errors.length > 0) failed = true;
    process.stdout.write(`${JSON.stringify({ file, index, kind, name, errors })}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
