// Validate rendered prometheus-operator objects (ServiceMonitor, PrometheusRule) against the
// CRD schemas compiled into @kubernetes-models/prometheus-operator (npm, offline once installed).
// Input on stdin: a JSON list of objects. scripts/check_deploy.sh copies this file next to the
// package's node_modules (.dev/tools/node-crds) and runs it there.
import { readFileSync } from "node:fs";
import { PrometheusRule, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const kinds = { PrometheusRule, ServiceMonitor };
const docs = JSON.parse(readFileSync(0, "utf8"));
if (docs.length === 0) {
  console.log("no ServiceMonitor / PrometheusRule objects in the render");
  process.exit(1);
}
let bad = 0;
for (const doc of docs) {
  const name = `${doc.kind}/${doc.metadata?.name}`;
  try {
    new kinds[doc.kind](doc).validate();
    console.log(`ok   ${name}`);
  } catch (err) {
    bad += 1;
    console.log(`FAIL ${name}: ${err.message}`);
  }
}
process.exit(bad ? 1 : 0);
