// Validates Kubernetes objects (a multi-document YAML stream on stdin, as `kubectl kustomize` prints it) against the
// Kubernetes and prometheus-operator schemas of the npm packages kubernetes-models and
// @kubernetes-models/prometheus-operator. Prints one line per object; exits 1 if any object is invalid or of a kind
// without a schema here.
import { parseAllDocuments } from "yaml";

const modules = {
  "v1": (kind) => `kubernetes-models/v1/${kind}`,
  "apps/v1": (kind) => `kubernetes-models/apps/v1/${kind}`,
  "policy/v1": (kind) => `kubernetes-models/policy/v1/${kind}`,
  "networking.k8s.io/v1": (kind) => `kubernetes-models/networking.k8s.io/v1/${kind}`,
  "monitoring.coreos.com/v1": (kind) => `@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${kind}`,
};

let input = "";
for await (const chunk of process.stdin) input += chunk;

let failed = 0;
for (const doc of parseAllDocuments(input)) {
  if (doc.errors.length > 0) {
    console.log(`INVALID YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
    failed++;
    continue;
  }
  const object = doc.toJS();
  if (object === null) continue;
  if (object.kind === "Secret" && object.data) {
    // kustomize wraps long base64 values over several lines; the API server's decoder skips line breaks.
    for (const key of Object.keys(object.data)) object.data[key] = String(object.data[key]).replace(/\s+/g, "");
  }
  const name = `${object.kind} ${object.metadata?.namespace ? object.metadata.namespace + "/" : ""}${object.metadata?.name}`;
  const module = modules[object.apiVersion];
  if (!module) {
    console.log(`INVALID ${name}: no schema for apiVersion ${object.apiVersion}`);
    failed++;
    continue;
  }
  try {
    const Model = (await import(module(object.kind)))[object.kind];
    new Model(object).validate();
    console.log(`valid ${name}`);
  } catch (error) {
    console.log(`INVALID ${name}: ${error.message}${error.errors ? " " + JSON.stringify(error.errors) : ""}`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
