// Strict schema validation of rendered Kubernetes objects, run by NodeModelValidationTest:
//   node validate.mjs objects.json  ->  one JSON result per object on stdout
// Built-in kinds: kubernetes-models (ajv over the Kubernetes OpenAPI: enums, required fields).
// ServiceMonitor, PrometheusRule: @kubernetes-models/prometheus-operator.
// NetworkAttachmentDefinition: no package models it, so nad-schema.json (ours), and the CNI config
// it embeds as a string must parse and match the CNI plugin schema beside it.
import fs from "node:fs";
import Ajv from "ajv";

const objects = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const schemas = JSON.parse(fs.readFileSync(new URL("./nad-schema.json", import.meta.url), "utf8"));
const ajv = new Ajv({ allErrors: true, strict: true });
const checkNad = ajv.compile(schemas.networkAttachmentDefinition);
const checkCni = ajv.compile(schemas.cniConfig);

function modulePath(apiVersion, kind) {
  if (apiVersion === "monitoring.coreos.com/v1") {
    return `@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${kind}`;
  }
  return `kubernetes-models/${apiVersion}/${kind}`;
}

function ajvErrors(errors) {
  return errors.map((e) => `${e.instancePath || "/"} ${e.message}${e.params ? " " + JSON.stringify(e.params) : ""}`).join("; ");
}

async function validate(object) {
  if (object.apiVersion === "k8s.cni.cncf.io/v1" && object.kind === "NetworkAttachmentDefinition") {
    if (!checkNad(object)) throw new Error(ajvErrors(checkNad.errors));
    let cni;
    try {
      cni = JSON.parse(object.spec.config);
    } catch (e) {
      throw new Error(`spec.config is not JSON: ${e.message}`);
    }
    if (!checkCni(cni)) throw new Error(`spec.config: ${ajvErrors(checkCni.errors)}`);
    if (cni.name !== object.metadata.name) throw new Error(`spec.config name ${cni.name} differs from metadata.name`);
    const resource = object.metadata.annotations?.["k8s.v1.cni.cncf.io/resourceName"];
    if ((cni.type === "sriov") !== (resource !== undefined)) {
      throw new Error("an sriov attachment needs the k8s.v1.cni.cncf.io/resourceName annotation, and only it");
    }
    return "own schema + CNI config";
  }
  let module;
  try {
    module = await import(modulePath(object.apiVersion, object.kind));
  } catch (e) {
    throw new Error(`no model for ${object.apiVersion} ${object.kind}`);
  }
  const Model = module[object.kind];
  new Model(object).validate();
  return object.apiVersion.startsWith("monitoring.coreos.com") ? "@kubernetes-models/prometheus-operator" : "kubernetes-models";
}

const results = [];
for (const [index, object] of objects.entries()) {
  try {
    results.push({ index, ok: true, by: await validate(object) });
  } catch (e) {
    results.push({ index, ok: false, error: String(e.message ?? e) });
  }
}
process.stdout.write(JSON.stringify(results) + "\n");
