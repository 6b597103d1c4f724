import { IConstruct } from "constructs";
import { warn } from "../core/validation";

/**
 * Internal: GCP service agents the data layer grants CMEK use to. A service agent
 * (`service-<project number>@<domain>`) is created by Google on first use of its API in a project,
 * so in a fresh project the IAM binding on the key can fail ("service account does not exist").
 * The google provider has no resource that creates one (`google_project_service_identity` is
 * google-beta only); Cloud Storage has a data source that returns (and, per its provider docs,
 * provisions) its agent, which `GcsDataLake` uses. For the others the one-time prerequisite is
 * `gcloud beta services identity create --service=<api> --project=<project>` (docs/data.md).
 */
export enum GcpServiceAgent {
  /** Pub/Sub (`gcp-sa-pubsub`). */
  PUBSUB = "pubsub.googleapis.com",
  /** Memorystore for Redis (`cloud-redis`). */
  MEMORYSTORE_REDIS = "redis.googleapis.com",
  /** Secret Manager (`gcp-sa-secretmanager`). */
  SECRET_MANAGER = "secretmanager.googleapis.com",
}

/** Projects (and services) already warned about, per construct tree. */
const WARNED = new WeakMap<IConstruct, Set<string>>();

/**
 * Internal: records, once per project and service in the app, a synth warning naming the command
 * that creates the service agent before its CMEK grant applies.
 */
export function warnServiceAgentPrerequisite(scope: IConstruct, project: string, service: GcpServiceAgent): void {
  const root = scope.node.root;
  let seen = WARNED.get(root);
  if (!seen) {
    seen = new Set<string>();
    WARNED.set(root, seen);
  }
  const key = `${project}|${service}`;
  if (seen.has(key)) return;
  seen.add(key);
  warn(
    scope,
    "project",
    project,
    `the ${service} service agent is granted the CMEK key but may not exist yet in a fresh project (Google creates it on first use of the API); ` +
      `create it once before the first apply: gcloud beta services identity create --service=${service} --project=${project} (see docs/data.md, "GCP service agents")`,
  );
}
