import { Construct } from "constructs";
import { ProjectIamMember } from "@cdktf/provider-google/lib/project-iam-member";
import { VertexAiFeatureOnlineStore } from "@cdktf/provider-google/lib/vertex-ai-feature-online-store";
import { VertexAiFeatureOnlineStoreFeatureview } from "@cdktf/provider-google/lib/vertex-ai-feature-online-store-featureview";
import { IWorkloadIdentity, WorkloadIdentityKind } from "../core/cluster";
import { requireIdentity } from "../core/grants";
import {
  invalid,
  isUnresolved,
  typeName,
  validateBoolean,
  validateEnum,
  validateGcpProjectId,
  validateGcpRegion,
  validateInteger,
  validateMinMax,
  validateStringList,
  validateUniqueList,
} from "../core/validation";

/** Serving type of a Vertex AI feature online store. */
export enum VertexOnlineStoreType {
  /** Bigtable-backed: large data, autoscaled nodes (`minNodeCount`..`maxNodeCount`). */
  BIGTABLE = "bigtable",
  /** Optimized: low-latency serving from a dedicated endpoint (private by default, see `publicEndpoint`). */
  OPTIMIZED = "optimized",
}

/** Options of `VertexFeatureOnlineStore.addFeatureView`. */
export interface VertexFeatureViewOptions {
  /** Feature view name: 1 to 60 lowercase letters, digits and '_', not starting with a digit. */
  readonly featureViewName: string;
  /** BigQuery table or view to serve, `bq://<project>.<dataset>.<table>`. */
  readonly bigQueryUri: string;
  /** Columns of the source that identify an entity (at least one). */
  readonly entityIdColumns: string[];
  /**
   * Cron schedule (5 fields, optionally prefixed `TZ=<zone> `) that syncs the source into the store.
   * @default - no schedule (sync on demand)
   */
  readonly syncCron?: string;
}

/** Props of `VertexFeatureOnlineStore`. */
export interface VertexFeatureOnlineStoreProps {
  /** Project id. */
  readonly project: string;
  /** Region, e.g. `us-central1`. */
  readonly region: string;
  /** Store name: 1 to 60 lowercase letters, digits and '_', not starting with a digit. */
  readonly storeName: string;
  /**
   * Acknowledges that the store is encrypted with a Google-managed key: `google_vertex_ai_feature_online_store`
   * in provider 16.12.1 (the final cdktf release) has no `encryption_spec`, so Strata cannot set a
   * customer-managed key. Required (`true`) so that this is a decision, not a surprise.
   * @default false (synth error)
   */
  readonly acceptGoogleManagedEncryption?: boolean;
  /**
   * Serving type.
   * @default VertexOnlineStoreType.BIGTABLE
   */
  readonly storeType?: VertexOnlineStoreType;
  /**
   * Bigtable: minimum nodes (1 to 1000).
   * @default 1
   */
  readonly minNodeCount?: number;
  /**
   * Bigtable: maximum nodes (`minNodeCount` to 1000).
   * @default 3
   */
  readonly maxNodeCount?: number;
  /**
   * Bigtable: CPU utilization target of autoscaling, percent (10 to 80).
   * @default 50
   */
  readonly cpuUtilizationTarget?: number;
  /**
   * Optimized: serve from a public endpoint instead of a Private Service Connect endpoint.
   * @default false (Private Service Connect, allowlisting `project`)
   */
  readonly publicEndpoint?: boolean;
  /**
   * Optimized with Private Service Connect: projects allowed to connect.
   * @default - [project]
   */
  readonly pscProjectAllowlist?: string[];
  /**
   * Let `terraform destroy` delete the store (and its feature views).
   * @default false (prevent_destroy, force_destroy false)
   */
  readonly allowDestroy?: boolean;
}

const STORE_NAME = /^[a-z_][a-z0-9_]{0,59}$/;
const BQ_URI = /^bq:\/\/[a-z][a-z0-9-.:]{4,61}[a-z0-9]\.[A-Za-z0-9_]{1,1024}\.[^.\s]{1,1024}$/;

/**
 * A Vertex AI Feature Store online store (`google_vertex_ai_feature_online_store`), Bigtable or
 * Optimized, protected from destroy, with feature views that serve BigQuery tables. Optimized
 * stores serve over Private Service Connect unless `publicEndpoint` says otherwise.
 *
 * Encryption: provider 16.12.1 cannot set a customer-managed key on this resource; the store is
 * encrypted with a Google-managed key and you must say `acceptGoogleManagedEncryption: true`.
 *
 * @example
 * const online = new VertexFeatureOnlineStore(infra, "Online", {
 *   project: "ml-prod", region: "us-central1", storeName: "features", acceptGoogleManagedEncryption: true,
 * });
 * online.addFeatureView("Customers", {
 *   featureViewName: "customers", bigQueryUri: "bq://ml-prod.features.customers",
 *   entityIdColumns: ["customer_id"], syncCron: "0 * * * *",
 * });
 * online.grantRead(cluster.addWorkloadIdentity("Ranker", { namespace: "serving", serviceAccountName: "ranker" }));
 */
export class VertexFeatureOnlineStore extends Construct {
  /** The google_vertex_ai_feature_online_store resource. */
  public readonly store: VertexAiFeatureOnlineStore;
  /** Store name. */
  public readonly storeName: string;
  /** Project id. */
  public readonly project: string;
  /** Region. */
  public readonly region: string;
  private readonly protect: boolean;

  constructor(scope: Construct, id: string, props: VertexFeatureOnlineStoreProps) {
    super(scope, id);
    if (props === null || typeof props !== "object") invalid(this, "props", props, "must be a VertexFeatureOnlineStoreProps object");
    validateGcpProjectId(this, "project", props.project);
    validateGcpRegion(this, "region", props.region);
    checkName(this, "storeName", props.storeName);
    validateBoolean(this, "acceptGoogleManagedEncryption", props.acceptGoogleManagedEncryption);
    if (props.acceptGoogleManagedEncryption !== true) {
      invalid(
        this,
        "acceptGoogleManagedEncryption",
        props.acceptGoogleManagedEncryption,
        "must be true: google_vertex_ai_feature_online_store in @cdktf/provider-google 16.12.1 has no encryption_spec, so the store " +
          "can only use a Google-managed key; set it to accept that, or use the self-managed FeatureStore (Feast) with a CMEK Memorystore",
      );
    }
    const type = props.storeType ?? VertexOnlineStoreType.BIGTABLE;
    validateEnum(this, "storeType", type, VertexOnlineStoreType, "VertexOnlineStoreType");
    validateBoolean(this, "publicEndpoint", props.publicEndpoint);
    validateBoolean(this, "allowDestroy", props.allowDestroy);
    validateStringList(this, "pscProjectAllowlist", props.pscProjectAllowlist, '["ml-prod"]');
    (props.pscProjectAllowlist ?? []).forEach((p, i) => validateGcpProjectId(this, `pscProjectAllowlist[${i}]`, p));
    const bigtable = type === VertexOnlineStoreType.BIGTABLE;
    for (const [prop, value] of [
      ["minNodeCount", props.minNodeCount],
      ["maxNodeCount", props.maxNodeCount],
      ["cpuUtilizationTarget", props.cpuUtilizationTarget],
    ] as const) {
      if (!bigtable && value !== undefined) invalid(this, prop, value, "applies to storeType: VertexOnlineStoreType.BIGTABLE only");
    }
    if (bigtable) {
      for (const [prop, value] of [
        ["publicEndpoint", props.publicEndpoint],
        ["pscProjectAllowlist", props.pscProjectAllowlist],
      ] as const) {
        if (value !== undefined) invalid(this, prop, value, "applies to storeType: VertexOnlineStoreType.OPTIMIZED only");
      }
    }
    if (props.publicEndpoint === true && props.pscProjectAllowlist !== undefined) {
      invalid(this, "pscProjectAllowlist", props.pscProjectAllowlist, "applies to the Private Service Connect endpoint, which publicEndpoint: true turns off");
    }
    const minNodes = props.minNodeCount ?? 1;
    const maxNodes = props.maxNodeCount ?? Math.max(3, minNodes);
    const cpu = props.cpuUtilizationTarget ?? 50;
    validateInteger(this, "minNodeCount", minNodes, 1, 1000);
    validateInteger(this, "maxNodeCount", maxNodes, 1, 1000);
    validateMinMax(this, "minNodeCount", minNodes, "maxNodeCount", maxNodes);
    validateInteger(this, "cpuUtilizationTarget", cpu, 10, 80);
    this.protect = props.allowDestroy !== true;

    this.store = new VertexAiFeatureOnlineStore(this, "Resource", {
      project: props.project,
      region: props.region,
      name: props.storeName,
      forceDestroy: false,
      bigtable: bigtable ? { autoScaling: { minNodeCount: minNodes, maxNodeCount: maxNodes, cpuUtilizationTarget: cpu } } : undefined,
      optimized: bigtable ? undefined : {},
      dedicatedServingEndpoint:
        bigtable || props.publicEndpoint === true
          ? undefined
          : { privateServiceConnectConfig: { enablePrivateServiceConnect: true, projectAllowlist: props.pscProjectAllowlist ?? [props.project] } },
      lifecycle: { preventDestroy: this.protect },
    });
    this.storeName = props.storeName;
    this.project = props.project;
    this.region = props.region;
  }

  /** Adds a feature view serving a BigQuery table or view; returns the feature view resource. */
  public addFeatureView(id: string, options: VertexFeatureViewOptions): VertexAiFeatureOnlineStoreFeatureview {
    if (options === null || typeof options !== "object") invalid(this, "options", options, `must be a VertexFeatureViewOptions object, not ${typeName(options)}`);
    checkName(this, "featureViewName", options.featureViewName);
    const uri = options.bigQueryUri as unknown;
    if (!isUnresolved(uri) && (typeof uri !== "string" || !BQ_URI.test(uri))) {
      invalid(this, "bigQueryUri", uri, "must be a BigQuery table URI: bq://<project>.<dataset>.<table>");
    }
    validateStringList(this, "entityIdColumns", options.entityIdColumns, '["customer_id"]');
    if (Array.isArray(options.entityIdColumns) && options.entityIdColumns.length === 0) invalid(this, "entityIdColumns", [], "must name at least one column");
    validateUniqueList(this, "entityIdColumns", options.entityIdColumns, "column");
    const cron = options.syncCron as unknown;
    if (cron !== undefined && !isUnresolved(cron)) {
      if (typeof cron !== "string" || !/^(TZ=[A-Za-z_/+-]+\s+)?(\S+\s+){4}\S+$/.test(cron.trim())) {
        invalid(this, "syncCron", cron, 'must be a 5-field cron expression, optionally prefixed "TZ=<zone> ", e.g. "0 * * * *"');
      }
    }
    return new VertexAiFeatureOnlineStoreFeatureview(this, id, {
      project: this.project,
      region: this.region,
      featureOnlineStore: this.store.name,
      name: options.featureViewName,
      bigQuerySource: { uri: options.bigQueryUri, entityIdColumns: options.entityIdColumns },
      syncConfig: options.syncCron === undefined ? undefined : { cron: options.syncCron },
      lifecycle: { preventDestroy: this.protect },
    });
  }

  /**
   * Lets `identity` fetch feature values online: `roles/aiplatform.featurestoreDataViewer`.
   * Provider 16.12.1 has no IAM resource for feature online stores, so this is a project-level
   * binding (it covers every feature store of the project).
   */
  public grantRead(identity: IWorkloadIdentity): void {
    requireIdentity(this, identity, WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "a Vertex AI feature online store");
    const id = `Read-${identity.node.addr.slice(0, 8)}`;
    if (this.node.tryFindChild(id)) return;
    new ProjectIamMember(this, id, {
      project: this.project,
      role: "roles/aiplatform.featurestoreDataViewer",
      member: `serviceAccount:${identity.gcpServiceAccountEmail}`,
    });
  }
}

function checkName(scope: Construct, prop: string, value: unknown): void {
  if (isUnresolved(value)) return;
  if (typeof value !== "string" || !STORE_NAME.test(value)) {
    invalid(scope, prop, value, `must be 1 to 60 lowercase letters, digits and '_', not starting with a digit${typeof value === "string" ? "" : `, not ${typeName(value)}`}`);
  }
}
