import { Construct, IConstruct } from "constructs";
import { RoleV1 } from "@cdktf/provider-kubernetes/lib/role-v1";
import { RoleBindingV1 } from "@cdktf/provider-kubernetes/lib/role-binding-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { CapacityType, IWorkloadIdentity, NodePoolInfo, NodePoolPurpose, Toleration, WorkloadIdentityKind } from "../core/cluster";
import { trustedCaMount } from "../core/ca-trust";
import { ClusterConnection } from "../core/connection";
import { CustomResource } from "../core/custom-resource";
import { MANAGED_BY_LABELS } from "../core/labels";
import { NamingRule, validateName } from "../core/naming";
import { IObjectStore, ObjectStoreKind } from "../core/object-store";
import { Scheduling } from "../core/scheduling";
import {
  invalid,
  isUnresolved,
  typeName,
  validateBoolean,
  validateEnum,
  validateInteger,
  validateNonEmpty,
  validateRecord,
  validateStringList,
  warn,
} from "../core/validation";
import { validateCron } from "../core/validation";
import { SparkOperator } from "./spark-operator";
import { SparkValidationGate, SparkValidationGateOptions } from "./spark-validation-gate";

/** The language of a Spark application (`spec.type`). */
export enum SparkApplicationType {
  /** PySpark; `mainApplicationFile` is a `.py` file. */
  PYTHON = "Python",
  /** Scala; needs `mainClass`. */
  SCALA = "Scala",
  /** Java; needs `mainClass`. */
  JAVA = "Java",
  /** SparkR. */
  R = "R",
}

/** What a ScheduledSparkApplication does when a run is due while the previous one still runs. */
export enum SparkConcurrencyPolicy {
  /** Skip the new run. The default. */
  FORBID = "Forbid",
  /** Start the new run alongside the old one. */
  ALLOW = "Allow",
  /** Stop the old run and start the new one. */
  REPLACE = "Replace",
}

/** An input or output location of a `SparkJob`: an object store and a key prefix. */
export interface SparkJobLocation {
  /** The bucket (a data-lake zone, or any `IObjectStore`). */
  readonly store: IObjectStore;
  /**
   * Key prefix under the bucket (`raw/events/`: no leading '/', ends with '/'). The grant is
   * limited to it.
   * @default - the whole bucket
   */
  readonly prefix?: string;
}

/** Props of `SparkJob`. */
export interface SparkJobProps {
  /** The cluster connection of the workloads stack. */
  readonly connection: ClusterConnection;
  /**
   * The workload identity the driver and executors run as (from `cluster.addWorkloadIdentity`
   * in the infra stack). Its namespace is the job's namespace and must be one of the Spark
   * operator's `jobNamespaces`; its service account is created here (one job per identity).
   */
  readonly identity: IWorkloadIdentity;
  /**
   * Container image of the driver and executors, pinned by tag or digest
   * (`registry/etl:1.4.2`, `registry/etl@sha256:...`); `latest` and untagged images are rejected.
   * It must contain the application, Spark and the object-store connector (hadoop-aws for S3 and
   * S3-compatible stores, the GCS connector for Cloud Storage) and run as a non-root user.
   */
  readonly image: string;
  /** Spark version in the image (`3.5.7`, `4.0.1`). */
  readonly sparkVersion: string;
  /** The application: `local:///opt/spark/app/job.py` (in the image), or an `s3a://` / `gs://` URI. */
  readonly mainApplicationFile: string;
  /** Input location; read access (list and get, no write) is granted on it. */
  readonly input: SparkJobLocation;
  /** Output location; write access without delete is granted on it. */
  readonly output: SparkJobLocation;
  /**
   * Name of the SparkApplication (or ScheduledSparkApplication), a DNS-1123 label of at most 56
   * characters, 36 with a schedule (the operator derives service names from it).
   * @default - the construct id, lowercased
   */
  readonly name?: string;
  /**
   * Application language.
   * @default SparkApplicationType.PYTHON
   */
  readonly applicationType?: SparkApplicationType;
  /**
   * Main class (Java and Scala applications only, where it is required).
   * @default - none
   */
  readonly mainClass?: string;
  /**
   * Arguments passed to the application after Strata's (see the docs for the conf keys Strata sets).
   * @default []
   */
  readonly arguments?: string[];
  /**
   * Extra Spark configuration (`spark.*` keys). Keys Strata sets (`spark.strata.*`) may not be given.
   * @default - none
   */
  readonly sparkConf?: { [key: string]: string };
  /**
   * Driver CPU cores (request and limit).
   * @default 1
   */
  readonly driverCores?: number;
  /**
   * Driver JVM memory in Spark's format (`512m`, `2g`), not a Kubernetes quantity (`2Gi`).
   * @default "2g"
   */
  readonly driverMemory?: string;
  /**
   * Executor CPU cores (request and limit).
   * @default 2
   */
  readonly executorCores?: number;
  /**
   * Executor JVM memory in Spark's format (`512m`, `4g`), not a Kubernetes quantity (`4Gi`).
   * @default "4g"
   */
  readonly executorMemory?: string;
  /**
   * Number of executors.
   * @default 2
   */
  readonly executorInstances?: number;
  /**
   * Let executors run on spot CPU pools (their taints are tolerated). The driver always stays on
   * on-demand capacity: losing it fails the run.
   * @default false
   */
  readonly allowSpotExecutors?: boolean;
  /**
   * User ID the containers run as (the apache/spark images use 185).
   * @default 185
   */
  readonly runAsUser?: number;
  /**
   * Data-validation gate: thresholds the application checks before it writes (see
   * `SparkValidationGateOptions` for the contract).
   * @default - no gate
   */
  readonly validationGate?: SparkValidationGateOptions;
  /**
   * Cron schedule (`0 3 * * *`, five fields, or `@daily`, `@hourly`, ...). With a schedule a
   * ScheduledSparkApplication is emitted instead of a SparkApplication.
   * @default - run once
   */
  readonly schedule?: string;
  /**
   * IANA time zone of the schedule (`Europe/Berlin`). Only with `schedule`.
   * @default - the operator's time zone (UTC in the released image)
   */
  readonly timeZone?: string;
  /**
   * What to do when a run is due while the previous one still runs. Only with `schedule`.
   * @default SparkConcurrencyPolicy.FORBID
   */
  readonly concurrencyPolicy?: SparkConcurrencyPolicy;
  /**
   * Retries after a failed run (with `restartPolicy: OnFailure`).
   * @default 2
   */
  readonly retries?: number;
  /**
   * Seconds a finished (non-scheduled) application is kept before the operator deletes it.
   * @default 86400
   */
  readonly timeToLiveSeconds?: number;
}

/** Spark memory: a whole number and a lowercase binary unit (k, m, g, t), as `spark.driver.memory` takes it. */
const SPARK_MEMORY = /^[1-9][0-9]*[kmgt]$/;
/** Descriptors robfig/cron (the operator's cron parser) accepts. */
/** Keys of the Spark configuration that Strata sets. */
const STRATA_CONF_PREFIX = "spark.strata.";
/** Where driver and executors see the object store's CA certificate and the JVM truststore built from it. */
const CA_DIR = "/etc/strata/object-store-ca";
const TRUSTSTORE_DIR = "/opt/strata/truststore";
/** Password of the generated truststore: the JDK's default (a truststore holds only public certificates). */
const TRUSTSTORE_PASSWORD = "changeit";
/**
 * Builds the JVM truststore: the image's default `cacerts` plus the store's CA. Assumes the image
 * has `/bin/sh`, `java` and `keytool` (the apache/spark images, on Eclipse Temurin, do). No `$` + `{`
 * sequence: Terraform would read it as an interpolation.
 */
const TRUSTSTORE_SCRIPT = [
  "set -e",
  "src=$JAVA_HOME/lib/security/cacerts",
  'if [ ! -f "$src" ]; then src=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/security/cacerts; fi',
  `cp "$src" ${TRUSTSTORE_DIR}/cacerts`,
  `chmod u+w ${TRUSTSTORE_DIR}/cacerts`,
  `keytool -importcert -noprompt -alias strata-object-store-ca -file ${CA_DIR}/ca.crt -keystore ${TRUSTSTORE_DIR}/cacerts -storepass ${TRUSTSTORE_PASSWORD}`,
].join("\n");

/**
 * A batch transformation on the cluster with the Kubeflow Spark operator: a `SparkApplication`
 * (or, with `schedule`, a `ScheduledSparkApplication`) `sparkoperator.k8s.io/v1beta2` in the
 * workloads stack, reading `input` and writing `output` through a workload identity.
 *
 * - The identity gets read on the input prefix and write without delete on the output prefix
 *   (the object store's grant API); its service account is created with a Role that lets the
 *   driver manage its executor pods, services and config maps in its namespace.
 * - Driver and executors run non-root (restricted Pod Security), with CPU and memory requests and
 *   limits, on CPU nodes: the cluster's GENERAL pools when it has any, otherwise nodes that are
 *   not GPU pools. Executors may use spot CPU pools with `allowSpotExecutors`.
 * - Input and output URIs and the validation-gate thresholds reach the application as Spark
 *   configuration (`spark.strata.input.uri`, `spark.strata.output.uri`, `spark.strata.validation.*`).
 *
 * @example
 * new SparkJob(workloads, "Curate", {
 *   connection, identity: etlIdentity,
 *   image: "registry.example.com/etl:1.4.2", sparkVersion: "3.5.7",
 *   mainApplicationFile: "local:///opt/spark/app/curate.py",
 *   input: { store: lake.raw, prefix: "events/" }, output: { store: lake.curated, prefix: "events/" },
 *   validationGate: { minRowCount: 1000, maxNullFraction: 0.01 },
 *   schedule: "0 3 * * *",
 * });
 */
export class SparkJob extends Construct {
  /** The SparkApplication or ScheduledSparkApplication. */
  public readonly resource: CustomResource;
  /** The job's Kubernetes service account. */
  public readonly serviceAccount: ServiceAccountV1;
  /** Name of the (Scheduled)SparkApplication. */
  public readonly name: string;
  /** Namespace of the job (the identity's). */
  public readonly namespace: string;
  /** URI the application reads (`s3a://bucket/prefix`, `gs://bucket/prefix`). */
  public readonly inputUri: string;
  /** URI the application writes. */
  public readonly outputUri: string;

  constructor(scope: Construct, id: string, props: SparkJobProps) {
    super(scope, id);
    const name = props.name ?? id.toLowerCase();
    const type = props.applicationType ?? SparkApplicationType.PYTHON;
    const driverCores = props.driverCores ?? 1;
    const executorCores = props.executorCores ?? 2;
    const driverMemory = props.driverMemory ?? "2g";
    const executorMemory = props.executorMemory ?? "4g";
    const executorInstances = props.executorInstances ?? 2;
    const runAsUser = props.runAsUser ?? 185;
    const retries = props.retries ?? 2;
    const allowSpot = props.allowSpotExecutors ?? false;

    // ---- validation ----
    validateName(this, "name", name, NamingRule.DNS1123_LABEL);
    // The operator names the UI service "<app>-ui-svc" (a DNS-1035 label, at most 63 characters); a
    // scheduled run's application is "<name>-<19-digit nanosecond timestamp>" (timestamp precision
    // "nanos", the chart's default), so a scheduled job's name leaves 63 - 7 - 20 = 36 characters.
    const maxName = props.schedule === undefined ? 56 : 36;
    if (!isUnresolved(name) && name.length > maxName) {
      invalid(
        this,
        "name",
        name,
        `must be at most ${maxName} characters${props.schedule === undefined ? "" : " with a schedule"} (the operator names the UI service "<name>${props.schedule === undefined ? "" : "-<run timestamp>"}-ui-svc", at most 63 characters)`,
      );
    }
    const identity = props.identity;
    if (identity === undefined || identity === null || typeof identity !== "object" || typeof identity.namespace !== "string") {
      invalid(this, "identity", identity, "must be an IWorkloadIdentity (cluster.addWorkloadIdentity(...))");
    }
    validateImage(this, "image", props.image);
    validateNonEmpty(this, "sparkVersion", props.sparkVersion);
    if (!isUnresolved(props.sparkVersion) && !/^[1-9]\d*\.\d+\.\d+$/.test(props.sparkVersion)) {
      invalid(this, "sparkVersion", props.sparkVersion, 'must be the exact Spark version of the image, e.g. "3.5.7"');
    }
    validateNonEmpty(this, "mainApplicationFile", props.mainApplicationFile);
    if (!isUnresolved(props.mainApplicationFile) && !/^(local|s3a|gs|https):\/\/\S+$/.test(props.mainApplicationFile)) {
      invalid(this, "mainApplicationFile", props.mainApplicationFile, 'must be a URI: "local:///path/in/image", "s3a://", "gs://" or "https://"');
    }
    validateEnum(this, "applicationType", type, SparkApplicationType, "SparkApplicationType");
    if (type === SparkApplicationType.JAVA || type === SparkApplicationType.SCALA) {
      if (props.mainClass === undefined) invalid(this, "mainClass", props.mainClass, `is required for ${type} applications`);
      validateNonEmpty(this, "mainClass", props.mainClass);
    } else if (props.mainClass !== undefined) {
      invalid(this, "mainClass", props.mainClass, `only applies to Java and Scala applications (applicationType is ${type})`);
    }
    validateStringList(this, "arguments", props.arguments, '["--date", "2026-01-01"]');
    validateRecord(this, "sparkConf", props.sparkConf);
    for (const key of Object.keys(props.sparkConf ?? {})) {
      if (!key.startsWith("spark.")) invalid(this, "sparkConf key", key, 'must be a Spark configuration key starting with "spark."');
      if (key.startsWith(STRATA_CONF_PREFIX)) invalid(this, "sparkConf key", key, `is set by Strata (input, output, validationGate); remove it from sparkConf`);
    }
    validateInteger(this, "driverCores", driverCores, 1, 64);
    validateInteger(this, "executorCores", executorCores, 1, 64);
    validateInteger(this, "executorInstances", executorInstances, 1, 1000);
    validateSparkMemory(this, "driverMemory", driverMemory);
    validateSparkMemory(this, "executorMemory", executorMemory);
    validateInteger(this, "runAsUser", runAsUser, 1, 2147483647);
    validateInteger(this, "retries", retries, 0, 100);
    validateInteger(this, "timeToLiveSeconds", props.timeToLiveSeconds, 60, 31536000);
    validateBoolean(this, "allowSpotExecutors", props.allowSpotExecutors);
    validateEnum(this, "concurrencyPolicy", props.concurrencyPolicy, SparkConcurrencyPolicy, "SparkConcurrencyPolicy");
    if (props.schedule !== undefined) {
      validateCron(this, "schedule", props.schedule);
      if (props.timeToLiveSeconds !== undefined) {
        invalid(this, "timeToLiveSeconds", props.timeToLiveSeconds, "does not apply with schedule (the scheduled application keeps run history instead)");
      }
    } else {
      if (props.timeZone !== undefined) invalid(this, "timeZone", props.timeZone, "only applies with schedule");
      if (props.concurrencyPolicy !== undefined) invalid(this, "concurrencyPolicy", props.concurrencyPolicy, "only applies with schedule");
    }
    if (props.timeZone !== undefined) {
      validateNonEmpty(this, "timeZone", props.timeZone);
      if (!isUnresolved(props.timeZone) && !/^([A-Za-z_+-]+(\/[A-Za-z0-9_+-]+)*|UTC)$/.test(props.timeZone)) {
        invalid(this, "timeZone", props.timeZone, 'must be an IANA time zone name such as "UTC" or "Europe/Berlin"');
      }
    }
    const input = location(this, "input", props.input);
    const output = location(this, "output", props.output);
    const gateConf = props.validationGate === undefined ? {} : SparkValidationGate.toSparkConf(this, "validationGate", props.validationGate);

    const connection = props.connection;
    const cluster = connection.cluster;
    const namespace = identity.namespace;
    // The operator (when Strata installed it on this cluster) must watch the identity's namespace.
    const operators = this.node.root.node
      .findAll()
      .filter((c): c is SparkOperator => c instanceof SparkOperator && c.connection.cluster === cluster);
    if (operators.length > 0 && !isUnresolved(namespace) && !operators.some((o) => o.jobNamespaces.includes(namespace))) {
      invalid(
        this,
        "identity.namespace",
        namespace,
        `is not one of the Spark operator's jobNamespaces (${operators[0].jobNamespaces.join(", ")}) on cluster "${cluster.clusterName}"; ` +
          "add it to SparkOperator jobNamespaces or create the identity in one of them",
      );
    }

    // ---- storage: grants and Spark configuration ----
    const stores = [input.store, output.store];
    const compatible = stores.filter((s) => s.kind === ObjectStoreKind.S3_COMPATIBLE);
    if (compatible.length === 2 && compatible[0].endpoint !== compatible[1].endpoint) {
      invalid(this, "output.store", output.store.node.path, "is an S3-compatible store with another endpoint than the input's; one job reaches one S3-compatible endpoint (Hadoop's fs.s3a.endpoint)");
    }
    if (compatible.length > 0 && stores.some((s) => s.kind === ObjectStoreKind.S3)) {
      invalid(this, "output.store", output.store.node.path, "mixes Amazon S3 and an S3-compatible store; Hadoop's s3a connector is given one endpoint per job");
    }
    // An empty prefix is passed on (and rejected by the grant), never read as "the whole bucket".
    input.store.grantRead(identity, input.prefix === undefined ? undefined : { prefix: input.prefix });
    // Spark's output committers list the output, write under `_temporary/`, then copy and delete into
    // place: a job needs read, write and delete within its own output prefix, and nothing beyond it.
    output.store.grantReadWrite(identity, output.prefix === undefined ? { allowDelete: true } : { prefix: output.prefix, allowDelete: true });
    this.inputUri = `${sparkUri(input.store)}/${input.prefix ?? ""}`;
    this.outputUri = `${sparkUri(output.store)}/${output.prefix ?? ""}`;

    // EKS Pod Identity (an AWS role without the IRSA annotation) reaches S3A through the SDK's
    // container credential provider (AWS_CONTAINER_CREDENTIALS_FULL_URI and
    // AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, set by the Pod Identity webhook), which needs AWS SDK
    // for Java v2 >= 2.21.30 or v1 >= 1.12.746 (AWS EKS user guide, "Use pod identity with the AWS
    // SDK"). Spark 4 (hadoop-aws 3.4.x, SDK v2) meets it; Spark 3's hadoop-aws 3.3.x bundles an older
    // v1 SDK (1.12.262 with hadoop 3.3.4: not verified here), so warn unless the user set the provider.
    const podIdentity = identity.kind === WorkloadIdentityKind.AWS_IAM_ROLE && identity.serviceAccountAnnotations?.["eks.amazonaws.com/role-arn"] === undefined;
    const sparkMajor = isUnresolved(props.sparkVersion) ? 4 : Number(props.sparkVersion.split(".")[0]);
    if (podIdentity && sparkMajor < 4 && props.sparkConf?.["spark.hadoop.fs.s3a.aws.credentials.provider"] === undefined) {
      warn(
        this,
        "sparkVersion",
        props.sparkVersion,
        "the identity is an EKS Pod Identity role, which the AWS SDK's default chain supports only from AWS SDK for Java 1.12.746 (v1) / 2.21.30 (v2); " +
          "Spark 3's hadoop-aws 3.3.x ships an older aws-java-sdk-bundle, so S3A would fall back to the node role and fail: " +
          "put aws-java-sdk-bundle >= 1.12.746 in the image, use Spark 4 (hadoop-aws 3.4, SDK v2), or use IRSA (see docs/data.md, \"Spark and EKS Pod Identity\")",
      );
    }
    // A private CA (SeaweedFS's cert-manager CA): a copy of its certificate in the job's namespace,
    // imported into a JVM truststore by an init container, used by driver and executors.
    const ca = compatible.map((s) => s.caCertificate).find((c) => c !== undefined);
    const caMount = ca === undefined ? undefined : trustedCaMount(this, connection, ca, identity.namespace);
    const userConf = { ...(props.sparkConf ?? {}) };
    if (caMount !== undefined) {
      const trust = `-Djavax.net.ssl.trustStore=${TRUSTSTORE_DIR}/cacerts -Djavax.net.ssl.trustStoreType=PKCS12 -Djavax.net.ssl.trustStorePassword=${TRUSTSTORE_PASSWORD}`;
      for (const key of ["spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions"]) {
        userConf[key] = userConf[key] === undefined ? trust : `${userConf[key]} ${trust}`;
      }
    }
    const sparkConf: { [key: string]: string } = {
      ...userConf,
      ...storageConf(identity, props.sparkVersion, compatible[0]),
      "spark.strata.input.uri": this.inputUri,
      "spark.strata.output.uri": this.outputUri,
      ...gateConf,
    };
    const envFrom =
      identity.kind === WorkloadIdentityKind.KUBERNETES_SECRET && identity.credentialsSecretName !== undefined
        ? [{ secretRef: { name: identity.credentialsSecretName } }]
        : undefined;

    // ---- identity: service account and the driver's Role ----
    this.serviceAccount = connection.addServiceAccount(identity, { automountToken: true });
    const saName = identity.serviceAccountName;
    const role = new RoleV1(this, "DriverRole", {
      provider: connection.kubernetesProvider,
      metadata: { name: `${name}-spark-driver`, namespace, labels: { ...MANAGED_BY_LABELS } },
      rule: [
        {
          apiGroups: [""],
          resources: ["pods", "services", "configmaps", "persistentvolumeclaims"],
          verbs: ["create", "get", "list", "watch", "update", "patch", "delete", "deletecollection"],
        },
      ],
    });
    new RoleBindingV1(this, "DriverRoleBinding", {
      provider: connection.kubernetesProvider,
      metadata: { name: `${name}-spark-driver`, namespace, labels: { ...MANAGED_BY_LABELS } },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subject: [{ kind: "ServiceAccount", name: this.serviceAccount.metadata.name, namespace }],
    });

    // ---- placement: CPU nodes, never GPU pools ----
    const placement = cpuPlacement(this, cluster.nodePools, allowSpot);

    const podSecurityContext = { runAsNonRoot: true, runAsUser, runAsGroup: runAsUser, fsGroup: runAsUser, seccompProfile: { type: "RuntimeDefault" } };
    const securityContext = { runAsNonRoot: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] } };
    const labels = { ...MANAGED_BY_LABELS, "strata.io/spark-job": name };
    const caVolumeMounts = [
      { name: "strata-object-store-ca", mountPath: CA_DIR, readOnly: true },
      { name: "strata-truststore", mountPath: TRUSTSTORE_DIR },
    ];
    const caPod =
      caMount === undefined
        ? {}
        : {
            volumeMounts: caVolumeMounts,
            initContainers: [
              {
                name: "strata-truststore",
                image: props.image,
                command: ["/bin/sh", "-c", TRUSTSTORE_SCRIPT],
                securityContext,
                resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                volumeMounts: caVolumeMounts,
              },
            ],
          };
    const pod = (cores: number, memory: string, affinity: object, tolerations: Toleration[]) => ({
      cores,
      coreLimit: String(cores),
      memory,
      serviceAccount: saName,
      labels,
      podSecurityContext,
      securityContext,
      affinity,
      tolerations: tolerations.length > 0 ? tolerations : undefined,
      envFrom,
      ...caPod,
    });
    const spec: Record<string, any> = {
      type,
      mode: "cluster",
      sparkVersion: props.sparkVersion,
      image: props.image,
      imagePullPolicy: "IfNotPresent",
      mainApplicationFile: props.mainApplicationFile,
      mainClass: props.mainClass,
      arguments: props.arguments !== undefined && props.arguments.length > 0 ? props.arguments : undefined,
      sparkConf,
      restartPolicy:
        retries > 0
          ? { type: "OnFailure", onFailureRetries: retries, onFailureRetryInterval: 60, onSubmissionFailureRetries: retries, onSubmissionFailureRetryInterval: 30 }
          : { type: "Never" },
      driver: pod(driverCores, driverMemory, placement.driverAffinity, placement.driverTolerations),
      executor: {
        ...pod(executorCores, executorMemory, placement.executorAffinity, placement.executorTolerations),
        instances: executorInstances,
        // Executors never call the Kubernetes API (only the driver creates pods), yet they share the
        // driver's service account and so its token and Role. Where the storage credentials do not
        // come through that account's token (a Secret on-prem; the GKE metadata server), the executor
        // pod template drops the token. AWS (IRSA / Pod Identity) keeps it: whether the EKS webhooks
        // inject their own token volume with the automount off is not verified here.
        template: identity.kind === WorkloadIdentityKind.AWS_IAM_ROLE ? undefined : { spec: { automountServiceAccountToken: false } },
      },
    };
    if (type === SparkApplicationType.PYTHON) spec.pythonVersion = "3";
    if (caMount !== undefined) {
      spec.volumes = [
        { name: "strata-object-store-ca", secret: { secretName: caMount.secretName, items: [{ key: caMount.key, path: "ca.crt" }] } },
        { name: "strata-truststore", emptyDir: { sizeLimit: "16Mi" } },
      ];
    }

    const metadata = { name, namespace, labels: { ...MANAGED_BY_LABELS } };
    const manifest =
      props.schedule === undefined
        ? {
            apiVersion: SparkOperator.API_VERSION,
            kind: "SparkApplication",
            metadata,
            spec: { ...spec, timeToLiveSeconds: props.timeToLiveSeconds ?? 86400 },
          }
        : {
            apiVersion: SparkOperator.API_VERSION,
            kind: "ScheduledSparkApplication",
            metadata,
            spec: {
              schedule: props.schedule,
              timeZone: props.timeZone,
              concurrencyPolicy: props.concurrencyPolicy ?? SparkConcurrencyPolicy.FORBID,
              successfulRunHistoryLimit: 3,
              failedRunHistoryLimit: 3,
              template: spec,
            },
          };
    this.resource = new CustomResource(this, "Resource", { connection, manifest });
    this.resource.resource.dependsOn = [this.serviceAccount.fqn, role.fqn, ...(caMount?.ready ? [caMount.ready.fqn] : [])];
    this.name = name;
    this.namespace = namespace;
  }
}

// -------------------------------------------------------------------------------------------------
// Internal helpers
// -------------------------------------------------------------------------------------------------

/** `s3a://bucket` for S3 and S3-compatible stores (Hadoop's connector scheme), `gs://bucket` for GCS. */
function sparkUri(store: IObjectStore): string {
  return store.kind === ObjectStoreKind.GCS ? store.uri : `s3a://${store.uri.replace(/^s3:\/\//, "")}`;
}

/**
 * Hadoop S3A settings for the identity. Unverified here (no cluster): Spark 4 ships hadoop-aws 3.4
 * (AWS SDK v2), whose DefaultCredentialsProvider covers IRSA web identity and EKS Pod Identity;
 * Spark 3.x ships hadoop 3.3 (SDK v1), whose DefaultAWSCredentialsProviderChain covers both in
 * recent SDK releases. Users override with `sparkConf` if their image differs.
 */
function storageConf(identity: IWorkloadIdentity, sparkVersion: string, compatible: IObjectStore | undefined): { [key: string]: string } {
  const conf: { [key: string]: string } = {};
  if (identity.kind === WorkloadIdentityKind.AWS_IAM_ROLE) {
    const major = isUnresolved(sparkVersion) ? 4 : Number(sparkVersion.split(".")[0]);
    conf["spark.hadoop.fs.s3a.aws.credentials.provider"] =
      major >= 4 ? "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider" : "com.amazonaws.auth.DefaultAWSCredentialsProviderChain";
  }
  if (compatible !== undefined) {
    if (compatible.endpoint !== undefined) conf["spark.hadoop.fs.s3a.endpoint"] = compatible.endpoint;
    conf["spark.hadoop.fs.s3a.path.style.access"] = "true";
    // Keys come from the identity's credentials Secret as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
    conf["spark.hadoop.fs.s3a.aws.credentials.provider"] = "org.apache.hadoop.fs.s3a.EnvironmentVariableCredentialsProvider";
  }
  return conf;
}

function location(scope: IConstruct, prop: string, value: SparkJobLocation): { store: IObjectStore; prefix?: string } {
  if (value === undefined || value === null || typeof value !== "object" || Array.isArray(value)) {
    invalid(scope, prop, value, `must be a SparkJobLocation ({ store, prefix }), not ${typeName(value)}`);
  }
  const store = value.store;
  if (store === undefined || store === null || typeof store !== "object" || typeof (store as IObjectStore).grantRead !== "function") {
    invalid(scope, `${prop}.store`, store, "must be an IObjectStore (a data-lake zone or a bucket reference)");
  }
  // The prefix's syntax is checked by the store's grant; Spark paths need it to be a string here.
  if (value.prefix !== undefined && typeof value.prefix !== "string") {
    invalid(scope, `${prop}.prefix`, value.prefix, `must be a key prefix (a string), not ${typeName(value.prefix)}`);
  }
  return { store, prefix: value.prefix };
}

/** A pinned image: a tag other than `latest`, or a digest. */
function validateImage(scope: IConstruct, prop: string, image: unknown): void {
  validateNonEmpty(scope, prop, image as string);
  if (isUnresolved(image)) return;
  const value = image as string;
  if (/\s/.test(value)) invalid(scope, prop, value, "must be an image reference without whitespace");
  if (/@sha256:[0-9a-f]{64}$/.test(value)) return;
  const lastSlash = value.lastIndexOf("/");
  const colon = value.indexOf(":", lastSlash + 1);
  if (colon < 0) invalid(scope, prop, value, 'must be pinned: add a version tag ("etl:1.4.2") or a digest ("etl@sha256:...")');
  const tag = value.slice(colon + 1);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) invalid(scope, prop, value, "has an invalid tag (letters, digits, '_', '.', '-'; at most 128 characters)");
  if (tag.toLowerCase() === "latest") invalid(scope, prop, value, 'must be pinned to a version tag or digest, not "latest" (a moving tag makes runs unreproducible)');
}

/** Spark's JVM memory format. */
function validateSparkMemory(scope: IConstruct, prop: string, value: unknown): void {
  if (value === undefined || isUnresolved(value)) return;
  if (typeof value !== "string") invalid(scope, prop, value, `must be a Spark memory string such as "4g" or "512m", not ${typeName(value)}`);
  if (SPARK_MEMORY.test(value)) return;
  if (/^[0-9.]+([KMGTPE]i|[KMGTPE])$/.test(value)) {
    invalid(scope, prop, value, `is a Kubernetes quantity; give Spark's format, a whole number with k, m, g or t (e.g. "4g" for 4Gi, "512m" for 512Mi); the operator adds the memory overhead to the pod`);
  }
  invalid(scope, prop, value, 'must be a whole number with a lowercase unit k, m, g or t, such as "4g" or "512m"');
}


/** Node affinity and tolerations that keep the driver on on-demand CPU nodes and executors on CPU nodes (spot when allowed). */
function cpuPlacement(
  scope: IConstruct,
  pools: NodePoolInfo[],
  allowSpot: boolean,
): { driverAffinity: object; driverTolerations: Toleration[]; executorAffinity: object; executorTolerations: Toleration[] } {
  const cpu = pools.filter((p) => p.gpu === undefined && p.purpose === NodePoolPurpose.GENERAL);
  const onDemand = cpu.filter((p) => p.capacityType !== CapacityType.SPOT);
  const spot = cpu.filter((p) => p.capacityType === CapacityType.SPOT);
  if (allowSpot && spot.length === 0) {
    warn(scope, "allowSpotExecutors", true, "the cluster has no spot CPU (GENERAL) pool; executors run on on-demand capacity");
  }
  // Without declared CPU pools: any node that is not a GPU pool's (GPU nodes are also tainted).
  const notGpu = {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          {
            matchExpressions: [
              { key: Scheduling.PURPOSE_LABEL, operator: "NotIn", values: [NodePoolPurpose.INFERENCE, NodePoolPurpose.TRAINING] },
              { key: Scheduling.GPU_LABEL, operator: "DoesNotExist" },
            ],
          },
        ],
      },
    },
  };
  const inPools = (selected: NodePoolInfo[]) => ({
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: Scheduling.POOL_LABEL, operator: "In", values: selected.map((p) => p.name) }] }],
      },
    },
  });
  const tolerate = (selected: NodePoolInfo[]): Toleration[] => {
    const out: Toleration[] = [];
    for (const t of selected.flatMap((p) => Scheduling.tolerationsFor(p))) {
      if (!out.some((o) => o.key === t.key && o.value === t.value && o.effect === t.effect)) out.push(t);
    }
    return out;
  };
  const driverPools = onDemand;
  const executorPools = allowSpot ? [...onDemand, ...spot] : onDemand;
  return {
    driverAffinity: driverPools.length > 0 ? inPools(driverPools) : notGpu,
    driverTolerations: tolerate(driverPools),
    executorAffinity: executorPools.length > 0 ? inPools(executorPools) : notGpu,
    executorTolerations: tolerate(executorPools),
  };
}
