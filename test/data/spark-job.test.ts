import { Testing } from "cdktf";
import { CapacityType, NodePoolInfo, NodePoolPurpose, TaintEffect, WorkloadIdentityKind } from "../../lib/core/cluster";
import { GcsBucketReference, S3BucketReference, S3CompatibleBucket } from "../../lib/core/object-store";
import { Scheduling } from "../../lib/core/scheduling";
import { EksCluster, EksIdentityMode } from "../../lib/compute/eks-cluster";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { SparkApplicationType, SparkConcurrencyPolicy, SparkJob, SparkJobProps } from "../../lib/data/spark-job";
import { SparkOperator } from "../../lib/data/spark-operator";
import { describeConformance, validateStackManifests } from "../support/conformance";
import { FakeIdentity } from "../support/fake-identity";
import { annotations, awsStack, bareStack, prepareApp, resourcesOfType, SynthJson, synthJson, testApp } from "../support/synth";

const KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

const GENERAL: NodePoolInfo = {
  name: "cpu",
  purpose: NodePoolPurpose.GENERAL,
  capacityType: CapacityType.ON_DEMAND,
  labels: { [Scheduling.POOL_LABEL]: "cpu", [Scheduling.PURPOSE_LABEL]: "general" },
  taints: [],
  minNodes: 1,
  maxNodes: 10,
};
const GENERAL_SPOT: NodePoolInfo = {
  name: "cpu-spot",
  purpose: NodePoolPurpose.GENERAL,
  capacityType: CapacityType.SPOT,
  labels: { [Scheduling.POOL_LABEL]: "cpu-spot", [Scheduling.PURPOSE_LABEL]: "general", [Scheduling.CAPACITY_TYPE_LABEL]: "spot" },
  taints: [{ key: "strata.io/spot", value: "true", effect: TaintEffect.NO_SCHEDULE }],
  minNodes: 0,
  maxNodes: 20,
};

/** An EKS cluster with an S3 input and output bucket (KMS-encrypted), the operator, and a workloads stack. */
function aws(options: { pools?: NodePoolInfo[]; operator?: boolean; namespace?: string } = {}) {
  const app = testApp();
  const infra = awsStack(app, "infra");
  const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", subnetIds: ["subnet-a", "subnet-b"] });
  for (const p of options.pools ?? []) cluster.registerNodePool(p);
  const identity = cluster.addWorkloadIdentity("Etl", { namespace: options.namespace ?? "spark-jobs", serviceAccountName: "etl" });
  const raw = new S3BucketReference(infra, "Raw", { bucketName: "acme-raw", kmsKeyArn: KMS, partition: "aws" });
  const curated = new S3BucketReference(infra, "Curated", { bucketName: "acme-curated", kmsKeyArn: KMS, partition: "aws" });
  const platform = awsStack(app, "platform");
  if (options.operator ?? true) new SparkOperator(platform, "Spark", { connection: cluster.connect(platform, "Conn") });
  const workloads = awsStack(app, "workloads");
  const connection = cluster.connect(workloads, "Conn");
  const base: SparkJobProps = {
    connection,
    identity,
    image: "registry.example.com/etl:1.4.2",
    sparkVersion: "3.5.7",
    mainApplicationFile: "local:///opt/spark/app/curate.py",
    input: { store: raw, prefix: "events/" },
    output: { store: curated, prefix: "events/" },
  };
  return { app, infra, platform, workloads, cluster, identity, raw, curated, connection, base };
}

function job(props: Partial<SparkJobProps> = {}, options: Parameters<typeof aws>[0] = {}) {
  const e = aws(options);
  const spark = new SparkJob(e.workloads, "Curate", { ...e.base, ...props });
  return { ...e, spark, json: synthJson(e.workloads) };
}

function manifest(json: SynthJson): any {
  const all = Object.values(resourcesOfType(json, "kubernetes_manifest")).map((r: any) => r.manifest);
  expect(all).toHaveLength(1);
  return all[0];
}

function policies(json: SynthJson): Record<string, any[]> {
  const out: Record<string, any[]> = {};
  for (const [id, p] of Object.entries(resourcesOfType(json, "aws_iam_role_policy"))) out[id] = JSON.parse((p as any).policy).Statement;
  return out;
}

describe("SparkJob", () => {
  test("emits a SparkApplication v1beta2 in the identity's namespace with the pinned image and resources", () => {
    const { json } = job();
    const m = manifest(json);
    expect(m.apiVersion).toBe("sparkoperator.k8s.io/v1beta2");
    expect(m.kind).toBe("SparkApplication");
    expect(m.metadata).toMatchObject({ name: "curate", namespace: "spark-jobs" });
    expect(m.spec).toMatchObject({
      type: "Python",
      mode: "cluster",
      sparkVersion: "3.5.7",
      image: "registry.example.com/etl:1.4.2",
      mainApplicationFile: "local:///opt/spark/app/curate.py",
      timeToLiveSeconds: 86400,
      restartPolicy: { type: "OnFailure", onFailureRetries: 2 },
      driver: { cores: 1, coreLimit: "1", memory: "2g", serviceAccount: "etl" },
      executor: { cores: 2, coreLimit: "2", memory: "4g", instances: 2, serviceAccount: "etl" },
    });
  });

  test("names up to the service-name limit are accepted", () => {
    expect(manifest(job({ name: "a".repeat(56) }).json).metadata.name).toHaveLength(56);
    expect(manifest(job({ name: "a".repeat(36), schedule: "@daily" }).json).metadata.name).toHaveLength(36);
  });

  test("is in the workloads stack, applied after the platform stack that installs the CRDs", () => {
    const { workloads, platform } = job();
    expect(workloads.dependencies).toContain(platform);
  });

  test("driver and executors run non-root under the restricted Pod Security profile", () => {
    const { spec } = manifest(job().json);
    for (const pod of [spec.driver, spec.executor]) {
      expect(pod.podSecurityContext).toEqual({ runAsNonRoot: true, runAsUser: 185, runAsGroup: 185, fsGroup: 185, seccompProfile: { type: "RuntimeDefault" } });
      expect(pod.securityContext).toEqual({ runAsNonRoot: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] } });
    }
  });

  test("input and output reach the application as s3a:// URIs in spark.strata.* conf", () => {
    const { json, spark } = job();
    expect(spark.inputUri).toBe("s3a://acme-raw/events/");
    expect(manifest(json).spec.sparkConf).toMatchObject({
      "spark.strata.input.uri": "s3a://acme-raw/events/",
      "spark.strata.output.uri": "s3a://acme-curated/events/",
      "spark.hadoop.fs.s3a.aws.credentials.provider": "com.amazonaws.auth.DefaultAWSCredentialsProviderChain",
    });
    expect(manifest(job({ sparkVersion: "4.0.1" }).json).spec.sparkConf["spark.hadoop.fs.s3a.aws.credentials.provider"]).toBe(
      "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider",
    );
  });

  test("grants read on the input prefix, and read, write and delete only within the output prefix (Spark's committers)", () => {
    const { infra } = job();
    const statements = Object.values(policies(synthJson(infra))).flat();
    const read = statements.find((s) => s.Sid === "Objects" && s.Resource[0] === "arn:aws:s3:::acme-raw/events/*");
    expect(read.Action).toEqual(["s3:GetObject", "s3:GetObjectVersion"]);
    const output = statements.filter((s) => s.Sid === "Objects" && s.Resource[0] === "arn:aws:s3:::acme-curated/events/*").flatMap((s) => s.Action);
    expect(output).toEqual(expect.arrayContaining(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]));
    // Delete never reaches outside the output prefix, and the input is never written.
    for (const st of statements.filter((s) => ([] as string[]).concat(s.Action).includes("s3:DeleteObject"))) expect(st.Resource).toEqual(["arn:aws:s3:::acme-curated/events/*"]);
    expect(statements.filter((s) => String(s.Resource[0]).startsWith("arn:aws:s3:::acme-raw")).flatMap((s) => s.Action)).not.toContain("s3:PutObject");
  });

  test("creates the identity's service account (token mounted for the driver) and a namespaced Role for the driver", () => {
    const { json } = job();
    const sa = Object.values(resourcesOfType(json, "kubernetes_service_account_v1"))[0] as any;
    expect(sa.metadata).toMatchObject({ name: "etl", namespace: "spark-jobs" });
    expect(sa.metadata.annotations).toBeUndefined(); // Pod Identity (the default) needs no annotation
    expect(sa.automount_service_account_token).toBe(true);
    const role = Object.values(resourcesOfType(json, "kubernetes_role_v1"))[0] as any;
    expect(role.metadata).toMatchObject({ name: "curate-spark-driver", namespace: "spark-jobs" });
    expect(role.rule[0].resources).toEqual(["pods", "services", "configmaps", "persistentvolumeclaims"]);
    expect(role.rule[0].api_groups).toEqual([""]);
    const binding = Object.values(resourcesOfType(json, "kubernetes_role_binding_v1"))[0] as any;
    expect(binding.subject[0]).toMatchObject({ kind: "ServiceAccount", namespace: "spark-jobs" });
    const m = Object.values(resourcesOfType(json, "kubernetes_manifest"))[0] as any;
    expect(m.depends_on).toHaveLength(2);
  });

  describe("placement", () => {
    test("without CPU pools: required affinity away from GPU pools, no tolerations", () => {
      const { spec } = manifest(job().json);
      expect(spec.driver.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([
        { key: "strata.io/purpose", operator: "NotIn", values: ["inference", "training"] },
        { key: "strata.io/gpu", operator: "DoesNotExist" },
      ]);
      expect(spec.driver.tolerations).toBeUndefined();
      expect(spec.executor.tolerations).toBeUndefined();
    });

    test("with GENERAL pools: on-demand CPU pools; spot pools only for executors and only when allowed", () => {
      const terms = (pod: any) => pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions;
      const off = manifest(job({}, { pools: [GENERAL, GENERAL_SPOT] }).json).spec;
      expect(terms(off.driver)).toEqual([{ key: "strata.io/pool", operator: "In", values: ["cpu"] }]);
      expect(terms(off.executor)).toEqual([{ key: "strata.io/pool", operator: "In", values: ["cpu"] }]);
      expect(off.executor.tolerations).toBeUndefined();
      const on = manifest(job({ allowSpotExecutors: true }, { pools: [GENERAL, GENERAL_SPOT] }).json).spec;
      expect(terms(on.driver)).toEqual([{ key: "strata.io/pool", operator: "In", values: ["cpu"] }]);
      expect(on.driver.tolerations).toBeUndefined();
      expect(terms(on.executor)).toEqual([{ key: "strata.io/pool", operator: "In", values: ["cpu", "cpu-spot"] }]);
      expect(on.executor.tolerations).toEqual([{ key: "strata.io/spot", operator: "Equal", value: "true", effect: "NoSchedule" }]);
    });

    test("allowSpotExecutors without a spot CPU pool warns", () => {
      const { spark } = job({ allowSpotExecutors: true }, { pools: [GENERAL] });
      expect(annotations(spark).join("\n")).toMatch(/no spot CPU \(GENERAL\) pool/);
    });
  });

  test("a schedule emits a ScheduledSparkApplication with the application as template", () => {
    const m = manifest(job({ schedule: "0 3 * * *", timeZone: "Europe/Berlin", concurrencyPolicy: SparkConcurrencyPolicy.REPLACE }).json);
    expect(m.kind).toBe("ScheduledSparkApplication");
    expect(m.spec).toMatchObject({ schedule: "0 3 * * *", timeZone: "Europe/Berlin", concurrencyPolicy: "Replace" });
    expect(m.spec.template.image).toBe("registry.example.com/etl:1.4.2");
    expect(m.spec.template.timeToLiveSeconds).toBeUndefined();
    expect(manifest(job({ schedule: "@daily" }).json).spec.concurrencyPolicy).toBe("Forbid");
  });

  test("a validation gate becomes spark.strata.validation.* conf", () => {
    const conf = manifest(
      job({
        validationGate: {
          minRowCount: 1000,
          maxRowCount: 5000000,
          requiredColumns: { user_id: "bigint", ts: "timestamp", amount: "decimal(10,2)" },
          strictSchema: true,
          maxNullFraction: 0.01,
          columnMaxNullFraction: { amount: 0.1 },
        },
      }).json,
    ).spec.sparkConf;
    expect(conf).toMatchObject({
      "spark.strata.validation.enabled": "true",
      "spark.strata.validation.minRowCount": "1000",
      "spark.strata.validation.maxRowCount": "5000000",
      "spark.strata.validation.schema": "user_id:bigint,ts:timestamp,amount:decimal(10,2)",
      "spark.strata.validation.strictSchema": "true",
      "spark.strata.validation.maxNullFraction": "0.01",
      "spark.strata.validation.maxNullFraction.amount": "0.1",
    });
    expect(Object.keys(manifest(job().json).spec.sparkConf).some((k) => k.startsWith("spark.strata.validation."))).toBe(false);
  });

  test("on-prem: S3-compatible endpoint, path-style access and keys from the identity's Secret", () => {
    const app = testApp();
    const infra = bareStack(app, "infra");
    const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
    const identity = cluster.addWorkloadIdentity("Etl", { namespace: "spark-jobs", serviceAccountName: "etl" });
    const lake = new S3CompatibleBucket(infra, "Lake", { bucketName: "lake", endpoint: "https://s3.storage.svc:8333" });
    const workloads = bareStack(app, "workloads");
    new SparkJob(workloads, "Curate", {
      connection: cluster.connect(workloads, "Conn"),
      identity,
      image: "registry.example.com/etl@sha256:" + "a".repeat(64),
      sparkVersion: "3.5.7",
      mainApplicationFile: "local:///opt/spark/app/curate.py",
      input: { store: lake, prefix: "raw/" },
      output: { store: lake, prefix: "curated/" },
    });
    const { spec } = manifest(synthJson(workloads));
    expect(spec.sparkConf).toMatchObject({
      "spark.hadoop.fs.s3a.endpoint": "https://s3.storage.svc:8333",
      "spark.hadoop.fs.s3a.path.style.access": "true",
      "spark.hadoop.fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.EnvironmentVariableCredentialsProvider",
      "spark.strata.input.uri": "s3a://lake/raw/",
    });
    expect(spec.driver.envFrom).toEqual([{ secretRef: { name: "etl-credentials" } }]);
    expect(spec.executor.envFrom).toEqual([{ secretRef: { name: "etl-credentials" } }]);
    // Executors never call the API: their pod template drops the account's token; the driver keeps it.
    expect(spec.executor.template).toEqual({ spec: { automountServiceAccountToken: false } });
    expect(spec.driver.template).toBeUndefined();
  });

  describe("a store signed by a private CA (SeaweedFS)", () => {
    /** An on-prem job on a bucket whose CA certificate lives in Secret seaweedfs/seaweedfs-ca-cert. */
    function privateCa(props: Partial<SparkJobProps> = {}, schedule?: string) {
      const app = testApp();
      const infra = bareStack(app, "infra");
      const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
      const identity = cluster.addWorkloadIdentity("Etl", { namespace: "spark-jobs", serviceAccountName: "etl" });
      const lake = new S3CompatibleBucket(infra, "Lake", {
        bucketName: "lake",
        endpoint: "https://seaweedfs-s3.seaweedfs.svc:8443",
        caCertificate: { secretName: "seaweedfs-ca-cert", namespace: "seaweedfs" },
      });
      const workloads = bareStack(app, "workloads");
      new SparkJob(workloads, "Curate", {
        connection: cluster.connect(workloads, "Conn"),
        identity,
        image: "registry.example.com/etl:1.4.2",
        sparkVersion: "3.5.7",
        mainApplicationFile: "local:///opt/spark/app/curate.py",
        input: { store: lake, prefix: "raw/" },
        output: { store: lake, prefix: "curated/" },
        schedule,
        ...props,
      });
      return { app, workloads, json: synthJson(workloads) };
    }

    test("driver and executors mount a copy of the CA certificate and build a JVM truststore from it", () => {
      const { json } = privateCa();
      const { spec } = manifest(json);
      const copy = Object.values(resourcesOfType(json, "kubernetes_secret_v1"))[0] as any;
      expect(copy.metadata).toMatchObject({ name: "strata-ca-seaweedfs-seaweedfs-ca-cert", namespace: "spark-jobs" });
      expect(spec.volumes).toEqual([
        { name: "strata-object-store-ca", secret: { secretName: "strata-ca-seaweedfs-seaweedfs-ca-cert", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        { name: "strata-truststore", emptyDir: { sizeLimit: "16Mi" } },
      ]);
      for (const pod of [spec.driver, spec.executor]) {
        expect(pod.volumeMounts).toEqual([
          { name: "strata-object-store-ca", mountPath: "/etc/strata/object-store-ca", readOnly: true },
          { name: "strata-truststore", mountPath: "/opt/strata/truststore" },
        ]);
        const init = pod.initContainers[0];
        expect(init).toMatchObject({ name: "strata-truststore", image: "registry.example.com/etl:1.4.2", command: ["/bin/sh", "-c", expect.any(String)] });
        expect(init.command[2]).toContain("keytool -importcert -noprompt -alias strata-object-store-ca -file /etc/strata/object-store-ca/ca.crt -keystore /opt/strata/truststore/cacerts");
        // Terraform would read "${" as an interpolation.
        expect(init.command[2]).not.toContain("${");
        expect(init.securityContext).toEqual(pod.securityContext);
      }
      const trust = "-Djavax.net.ssl.trustStore=/opt/strata/truststore/cacerts -Djavax.net.ssl.trustStoreType=PKCS12 -Djavax.net.ssl.trustStorePassword=changeit";
      expect(spec.sparkConf["spark.driver.extraJavaOptions"]).toBe(trust);
      expect(spec.sparkConf["spark.executor.extraJavaOptions"]).toBe(trust);
    });

    test("the user's extraJavaOptions are kept", () => {
      const { spec } = manifest(privateCa({ sparkConf: { "spark.driver.extraJavaOptions": "-XX:+UseG1GC" } }).json);
      expect(spec.sparkConf["spark.driver.extraJavaOptions"]).toMatch(/^-XX:\+UseG1GC -Djavax\.net\.ssl\.trustStore=/);
    });

    test("the application waits for the first copy of the certificate", () => {
      const { json } = privateCa();
      const app = Object.values(resourcesOfType(json, "kubernetes_manifest"))[0] as any;
      expect(JSON.stringify(app.depends_on)).toMatch(/kubernetes_job_v1\.Curate_CaCopy-[0-9a-f]{8}_FirstCopy/);
    });

    test("no store CA: no volumes, init containers or truststore options", () => {
      const { spec } = manifest(job().json);
      expect(spec.volumes).toBeUndefined();
      expect(spec.driver.initContainers).toBeUndefined();
      expect(spec.sparkConf["spark.driver.extraJavaOptions"]).toBeUndefined();
    });

    describeConformance("conformance", () => {
      test("with the CA mounts, both kinds pass the strict schemas", () => {
        for (const schedule of [undefined, "@daily"]) {
          const { app, workloads } = privateCa({}, schedule);
          prepareApp(app);
          expect(validateStackManifests(Testing.synth(workloads)).flatMap((r) => r.errors)).toEqual([]);
        }
      });
    });
  });

  test("GCS: gs:// URIs, no S3 settings", () => {
    const app = testApp();
    const infra = bareStack(app, "infra");
    const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
    const identity = new FakeIdentity(infra, "Etl", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "spark-jobs", "etl");
    const lake = new GcsBucketReference(infra, "Lake", { bucketName: "acme-lake" });
    const workloads = bareStack(app, "workloads");
    const spark = new SparkJob(workloads, "Curate", {
      connection: cluster.connect(workloads, "Conn"),
      identity,
      image: "etl:1.0.0",
      sparkVersion: "3.5.7",
      mainApplicationFile: "gs://acme-lake/jobs/curate.py",
      input: { store: lake, prefix: "raw/" },
      output: { store: lake, prefix: "features/" },
    });
    expect(spark.outputUri).toBe("gs://acme-lake/features/");
    const conf = manifest(synthJson(workloads)).spec.sparkConf;
    expect(Object.keys(conf).filter((k) => k.startsWith("spark.hadoop."))).toEqual([]);
    // GKE Workload Identity goes through the metadata server: the executors need no API token.
    const { spec } = manifest(synthJson(workloads));
    expect(spec.executor.template).toEqual({ spec: { automountServiceAccountToken: false } });
    expect(spec.driver.template).toBeUndefined();
  });

  test("AWS: executors keep the token (IRSA / Pod Identity token injection with the automount off is unverified)", () => {
    const { spec } = manifest(job().json);
    expect(spec.executor.template).toBeUndefined();
  });

  describe("EKS Pod Identity and the S3A credential chain", () => {
    const podIdentityWarnings = (scope: any) => annotations(scope).filter((w) => w.includes("EKS Pod Identity"));

    test("Spark 3 with a Pod Identity role: a warning naming the SDK versions and the ways out", () => {
      const { spark } = job();
      const warnings = podIdentityWarnings(spark);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('workloads/Curate: sparkVersion "3.5.7": the identity is an EKS Pod Identity role');
      expect(warnings[0]).toContain("1.12.746");
      expect(warnings[0]).toContain("2.21.30");
      expect(warnings[0]).toContain("use IRSA");
    });

    test("no warning with Spark 4 (SDK v2), with IRSA, or when the user picks the credentials provider", () => {
      expect(podIdentityWarnings(job({ sparkVersion: "4.0.1" }).spark)).toEqual([]);
      expect(podIdentityWarnings(job({ sparkConf: { "spark.hadoop.fs.s3a.aws.credentials.provider": "com.amazonaws.auth.ContainerCredentialsProvider" } }).spark)).toEqual([]);
      const app = testApp();
      const infra = awsStack(app, "infra");
      const cluster = new EksCluster(infra, "Cluster", { clusterName: "ml-prod", subnetIds: ["subnet-a", "subnet-b"], identityMode: EksIdentityMode.IRSA });
      const identity = cluster.addWorkloadIdentity("Etl", { namespace: "spark-jobs", serviceAccountName: "etl" });
      const raw = new S3BucketReference(infra, "Raw", { bucketName: "acme-raw", partition: "aws" });
      const workloads = awsStack(app, "workloads");
      const spark = new SparkJob(workloads, "Curate", {
        connection: cluster.connect(workloads, "Conn"),
        identity,
        image: "etl:1.0.0",
        sparkVersion: "3.5.7",
        mainApplicationFile: "local:///opt/spark/app/curate.py",
        input: { store: raw, prefix: "raw/" },
        output: { store: raw, prefix: "curated/" },
      });
      expect(podIdentityWarnings(spark)).toEqual([]);
    });
  });

  test("Java and Scala applications carry mainClass; user arguments and sparkConf pass through", () => {
    const { spec } = manifest(
      job({ applicationType: SparkApplicationType.SCALA, mainClass: "com.acme.Curate", mainApplicationFile: "local:///opt/app.jar", arguments: ["--date", "2026-01-01"], sparkConf: { "spark.sql.shuffle.partitions": "64" } }).json,
    );
    expect(spec).toMatchObject({ type: "Scala", mainClass: "com.acme.Curate", arguments: ["--date", "2026-01-01"] });
    expect(spec.pythonVersion).toBeUndefined();
    expect(spec.sparkConf["spark.sql.shuffle.partitions"]).toBe("64");
  });

  describeConformance("conformance", () => {
    test("SparkApplication and ScheduledSparkApplication pass the strict schemas", () => {
      const gate = { minRowCount: 1, requiredColumns: { id: "bigint" }, maxNullFraction: 0.5 };
      for (const props of [{}, { schedule: "*/15 * * * *", validationGate: gate }, { allowSpotExecutors: true }]) {
        const e = job(props, { pools: [GENERAL, GENERAL_SPOT] });
        prepareApp(e.app);
        const results = validateStackManifests(Testing.synth(e.workloads));
        expect(results.length).toBe(1);
        expect(results.flatMap((r) => r.errors)).toEqual([]);
      }
    });
  });

  describe("rejected input", () => {
    test.each<[Partial<SparkJobProps>, RegExp]>([
      [{ image: "registry.example.com/etl" }, /invalid image "registry.example.com\/etl": must be pinned: add a version tag/],
      [{ image: "registry.example.com:5000/etl" }, /invalid image "registry.example.com:5000\/etl": must be pinned/],
      [{ image: "etl:latest" }, /invalid image "etl:latest": must be pinned to a version tag or digest, not "latest"/],
      [{ image: "etl:LATEST" }, /not "latest"/],
      [{ image: "etl:1.0 " }, /invalid image "etl:1.0 ": must be an image reference without whitespace/],
      [{ image: "" }, /invalid image "": must be a non-empty string/],
      [{ driverMemory: "4Gi" }, /invalid driverMemory "4Gi": is a Kubernetes quantity; give Spark's format/],
      [{ executorMemory: "512M" }, /invalid executorMemory "512M": is a Kubernetes quantity/],
      [{ executorMemory: "4.5g" }, /invalid executorMemory "4.5g": must be a whole number with a lowercase unit/],
      [{ executorMemory: "4096" }, /invalid executorMemory "4096": must be a whole number with a lowercase unit/],
      [{ executorMemory: 4 as any }, /invalid executorMemory 4: must be a Spark memory string such as "4g" or "512m", not a number/],
      [{ executorInstances: 0 }, /invalid executorInstances 0: must be an integer from 1 to 1000/],
      [{ executorInstances: "3" as any }, /invalid executorInstances "3": must be an integer from 1 to 1000, not a string/],
      [{ executorCores: 1.5 }, /invalid executorCores 1.5: must be an integer from 1 to 64/],
      [{ driverCores: 0 }, /invalid driverCores 0/],
      [{ schedule: "0 3 * *" }, /invalid schedule "0 3 \* \*": must be a cron schedule of five fields .*; got 4 fields/],
      [{ schedule: "60 * * * *" }, /invalid schedule "60 \* \* \* \*": has an invalid minute field "60"/],
      [{ schedule: "0 24 * * *" }, /has an invalid hour field "24"/],
      [{ schedule: "0 0 0 * *" }, /has an invalid day-of-month field "0"/],
      [{ schedule: "0 0 * 13 *" }, /has an invalid month field "13"/],
      [{ schedule: "0 0 * * 7" }, /has an invalid day-of-week field "7"/],
      [{ schedule: "*/0 * * * *" }, /has an invalid minute field "\*\/0"/],
      [{ schedule: "@often" }, /invalid schedule "@often": must be a cron schedule/],
      [{ schedule: "@every soon" }, /must be "@every <duration>"/],
      [{ schedule: ["0 3 * * *"] as any }, /invalid schedule \["0 3 \* \* \*"\]: must be a cron schedule .*, not a list/],
      [{ timeZone: "UTC" }, /invalid timeZone "UTC": only applies with schedule/],
      [{ concurrencyPolicy: SparkConcurrencyPolicy.ALLOW }, /invalid concurrencyPolicy "Allow": only applies with schedule/],
      [{ schedule: "@daily", concurrencyPolicy: "forbid" as any }, /invalid concurrencyPolicy "forbid": must be one of SparkConcurrencyPolicy.FORBID \("Forbid"\).*case-sensitive/],
      [{ schedule: "@daily", timeToLiveSeconds: 3600 }, /invalid timeToLiveSeconds 3600: does not apply with schedule/],
      [{ schedule: "@daily", timeZone: "Berlin time" }, /invalid timeZone "Berlin time": must be an IANA time zone name/],
      [{ sparkVersion: "3.5" }, /invalid sparkVersion "3.5": must be the exact Spark version of the image/],
      [{ mainApplicationFile: "/opt/app.py" }, /invalid mainApplicationFile "\/opt\/app.py": must be a URI/],
      [{ applicationType: "python" as any }, /invalid applicationType "python": must be one of SparkApplicationType.PYTHON \("Python"\)/],
      [{ applicationType: SparkApplicationType.JAVA }, /invalid mainClass undefined: is required for Java applications/],
      [{ mainClass: "com.acme.Main" }, /invalid mainClass "com.acme.Main": only applies to Java and Scala applications \(applicationType is Python\)/],
      [{ name: "Curate" }, /invalid name "Curate"/],
      [{ name: "a".repeat(57) }, /invalid name "a{57}": must be at most 56 characters \(the operator names the UI service/],
      [{ name: "a".repeat(37), schedule: "@daily" }, /invalid name "a{37}": must be at most 36 characters with a schedule/],
      [{ input: { store: undefined as any, prefix: "x/" } }, /invalid input.store undefined/],
      [{ arguments: "--date" as any }, /invalid arguments "--date": must be a list/],
      [{ sparkConf: { "hadoop.fs.x": "1" } }, /invalid sparkConf key "hadoop.fs.x": must be a Spark configuration key starting with "spark."/],
      [{ sparkConf: { "spark.strata.output.uri": "s3a://elsewhere/" } }, /invalid sparkConf key "spark.strata.output.uri": is set by Strata/],
      [{ allowSpotExecutors: "yes" as any }, /invalid allowSpotExecutors "yes": must be true or false, not a string/],
      [{ runAsUser: 0 }, /invalid runAsUser 0: must be an integer from 1/],
      [{ retries: -1 }, /invalid retries -1/],
      [{ input: "s3://acme-raw" as any }, /invalid input "s3:\/\/acme-raw": must be a SparkJobLocation \(\{ store, prefix \}\), not a string/],
      [{ input: { store: "acme-raw" as any } }, /invalid input.store "acme-raw": must be an IObjectStore/],
      [{ input: { store: undefined as any } }, /invalid input.store undefined: must be an IObjectStore/],
      [{ identity: undefined as any }, /invalid identity undefined: must be an IWorkloadIdentity/],
      [{ validationGate: { minRowCount: -1 } }, /invalid validationGate.minRowCount -1: must be an integer >= 0/],
      [{ validationGate: { minRowCount: 10, maxRowCount: 5 } }, /invalid validationGate.minRowCount 10: must be less than or equal to validationGate.maxRowCount \(5\)/],
      [{ validationGate: { maxNullFraction: 1.5 } }, /invalid validationGate.maxNullFraction 1.5: must be a fraction from 0 to 1/],
      [{ validationGate: { maxNullFraction: "0.1" as any } }, /invalid validationGate.maxNullFraction "0.1": must be a number, not a string/],
      [{ validationGate: { columnMaxNullFraction: { amount: -0.1 } } }, /invalid validationGate.columnMaxNullFraction.amount -0.1: must be a fraction from 0 to 1/],
      [{ validationGate: { columnMaxNullFraction: { "bad col": 0.1 } } }, /invalid validationGate.columnMaxNullFraction key "bad col"/],
      [{ validationGate: { requiredColumns: { id: "BIGINT" } } }, /invalid validationGate.requiredColumns.id "BIGINT": must be a lowercase Spark SQL type name/],
      [{ validationGate: { requiredColumns: { "1id": "bigint" } } }, /invalid validationGate.requiredColumns key "1id"/],
      [{ validationGate: { requiredColumns: {} } }, /invalid validationGate.requiredColumns \{\}: must name at least one column/],
      [{ validationGate: { strictSchema: true } }, /invalid validationGate.strictSchema true: needs requiredColumns/],
      [{ validationGate: {} }, /invalid validationGate \{\}: sets no check/],
      [{ validationGate: "strict" as any }, /invalid validationGate "strict": must be a SparkValidationGateOptions object, not a string/],
    ])("%j", (props, message) => {
      expect(() => job(props)).toThrow(message);
    });

    test("an input prefix the grant rejects", () => {
      const e = aws();
      expect(() => new SparkJob(e.workloads, "Curate", { ...e.base, input: { store: e.raw, prefix: "/events" } })).toThrow(/invalid prefix "\/events": must be an object key prefix/);
    });

    test("an empty prefix is rejected by the grant, not read as the whole bucket", () => {
      const e = aws();
      expect(() => new SparkJob(e.workloads, "Curate", { ...e.base, output: { store: e.curated, prefix: "" } })).toThrow(/invalid prefix "": must be an object key prefix/);
    });

    test("an identity outside the operator's job namespaces", () => {
      expect(() => job({}, { namespace: "etl" })).toThrow(
        /invalid identity.namespace "etl": is not one of the Spark operator's jobNamespaces \(spark-jobs\) on cluster "ml-prod"/,
      );
      expect(() => job({}, { namespace: "etl", operator: false })).not.toThrow();
    });

    test("an identity of the wrong kind for the store", () => {
      const e = aws();
      const gcp = new FakeIdentity(e.infra, "Gcp", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "spark-jobs", "gcp");
      expect(() => new SparkJob(e.workloads, "Curate", { ...e.base, identity: gcp })).toThrow(/infra\/Raw: invalid identity "infra\/Gcp": is a gcp-service-account identity; an S3 bucket can only be granted to/);
    });

    test("one identity for two jobs", () => {
      const e = aws();
      new SparkJob(e.workloads, "A", e.base);
      expect(() => new SparkJob(e.workloads, "B", e.base)).toThrow(/service account spark-jobs\/etl is already created through this connection/);
    });

    test("Amazon S3 and an S3-compatible store in one job", () => {
      const e = aws();
      const other = new S3CompatibleBucket(e.infra, "Onprem", { bucketName: "lake", endpoint: "https://s3.storage.svc:8333" });
      expect(() => new SparkJob(e.workloads, "Curate", { ...e.base, output: { store: other } })).toThrow(/invalid output.store "infra\/Onprem": mixes Amazon S3 and an S3-compatible store/);
    });
  });
});
