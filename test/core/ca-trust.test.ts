import { App, TerraformStack, Testing } from "cdktf";
import { CaCertificateCopy, CaCertificateCopyProps, trustedCaMount } from "../../lib/core/ca-trust";
import { ClusterConnection } from "../../lib/core/connection";
import { HelmChart, PinnedChart } from "../../lib/core/helm-chart";
import { CaCertificateSecret } from "../../lib/core/object-store";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { bareStack, resourcesOfType, synthJson, testApp } from "../support/synth";

interface Env {
  app: App;
  cluster: ExistingCluster;
  platform: TerraformStack;
  conn: ClusterConnection;
}

function env(): Env {
  const app = testApp();
  const infra = bareStack(app, "infra");
  const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
  const platform = bareStack(app, "platform");
  return { app, cluster, platform, conn: cluster.connect(platform, "Conn") };
}

const SOURCE: CaCertificateSecret = { secretName: "seaweedfs-ca-cert", namespace: "seaweedfs" };

function copy(e: Env, props: Partial<CaCertificateCopyProps> = {}): CaCertificateCopy {
  return new CaCertificateCopy(e.platform, "Copy", { connection: e.conn, source: SOURCE, targetNamespace: "feast", ...props } as CaCertificateCopyProps);
}

function only(json: any, type: string): any {
  const all = Object.values(resourcesOfType(json, type));
  expect(all).toHaveLength(1);
  return all[0];
}

describe("CaCertificateCopy", () => {
  test("Terraform creates the target Secret empty and never reads the source Secret", () => {
    const e = env();
    const c = copy(e);
    const json = synthJson(e.platform);
    const secret = only(json, "kubernetes_secret_v1");
    expect(secret.metadata).toMatchObject({ name: "strata-ca-seaweedfs-seaweedfs-ca-cert", namespace: "feast" });
    expect(secret.data).toBeUndefined();
    expect(secret.lifecycle.ignore_changes).toContain("data");
    expect(c.secretName).toBe("strata-ca-seaweedfs-seaweedfs-ca-cert");
    expect(c.secretKey).toBe("ca.crt");
    // No data source at all: no Secret content reaches Terraform state through a read.
    expect(json.data ?? {}).toEqual({});
    expect(Testing.synth(e.platform)).not.toMatch(/data\.kubernetes_secret|tls\.key/);
  });

  test("RBAC: get and patch on the one target Secret, nothing on the source", () => {
    const e = env();
    copy(e);
    const json = synthJson(e.platform);
    const role = only(json, "kubernetes_role_v1");
    expect(role.metadata.namespace).toBe("feast");
    expect(role.rule).toEqual([{ api_groups: [""], resources: ["secrets"], resource_names: ["strata-ca-seaweedfs-seaweedfs-ca-cert"], verbs: ["get", "patch"] }]);
    const binding = only(json, "kubernetes_role_binding_v1");
    expect(binding.metadata.namespace).toBe("feast");
    expect(binding.subject).toEqual([{ kind: "ServiceAccount", name: expect.stringContaining("kubernetes_service_account_v1"), namespace: "seaweedfs" }]);
    const sa = only(json, "kubernetes_service_account_v1");
    expect(sa.metadata).toMatchObject({ name: "strata-ca-copy-feast-seaweedfs-ca-cert", namespace: "seaweedfs" });
    // One Role only (in the target namespace); no ClusterRole.
    expect(resourcesOfType(json, "kubernetes_cluster_role_v1")).toEqual({});
  });

  test("the copier pod mounts only the ca.crt item of the source, runs pinned kubectl non-root", () => {
    const e = env();
    copy(e);
    const json = synthJson(e.platform);
    const job = only(json, "kubernetes_job_v1");
    expect(job.metadata.namespace).toBe("seaweedfs");
    expect(job.wait_for_completion).toBe(true);
    const pod = job.spec.template.spec;
    expect(pod.security_context).toMatchObject({ run_as_non_root: true, run_as_user: "65532", seccomp_profile: { type: "RuntimeDefault" } });
    const container = pod.container[0];
    expect(container.image).toBe("registry.k8s.io/kubectl:v1.36.2");
    expect(CaCertificateCopy.IMAGE).toBe("registry.k8s.io/kubectl:v1.36.2");
    expect(container.command).toEqual(["kubectl", "apply", "--server-side", "--force-conflicts", "--field-manager=strata-ca-copy", "-k", "/work"]);
    expect(container.security_context).toMatchObject({ allow_privilege_escalation: false, read_only_root_filesystem: true, capabilities: { drop: ["ALL"] } });
    expect(container.resources.limits.memory).toBe("128Mi");
    const work = pod.volume.find((v: any) => v.name === "work");
    const secretSource = work.projected.sources.find((s: any) => s.secret !== undefined).secret[0];
    expect(secretSource).toEqual({ name: "seaweedfs-ca-cert", items: [{ key: "ca.crt", path: "ca.crt" }] });
  });

  test("the kustomization generates the target Secret with the certificate only", () => {
    const e = env();
    copy(e);
    const cm = only(synthJson(e.platform), "kubernetes_config_map_v1");
    expect(cm.metadata.namespace).toBe("seaweedfs");
    expect(cm.data["kustomization.yaml"]).toBe(
      [
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        "namespace: feast",
        "generatorOptions:",
        "  disableNameSuffixHash: true",
        "secretGenerator:",
        "  - name: strata-ca-seaweedfs-seaweedfs-ca-cert",
        "    type: Opaque",
        "    files:",
        "      - ca.crt",
        "",
      ].join("\n"),
    );
  });

  test("an hourly CronJob follows CA rotation; its name fits the 52-character limit", () => {
    const e = env();
    copy(e, { targetNamespace: "a-very-long-consumer-namespace-name-for-features" });
    const cron = only(synthJson(e.platform), "kubernetes_cron_job_v1");
    expect(cron.spec.schedule).toMatch(/^\d{1,2} \* \* \* \*$/);
    expect(cron.spec.concurrency_policy).toBe("Forbid");
    expect(cron.metadata.name.length).toBeLessThanOrEqual(52);
    expect(cron.spec.job_template.spec.template.spec.container[0].image).toBe("registry.k8s.io/kubectl:v1.36.2");
  });

  test("a source key other than ca.crt is mounted as ca.crt", () => {
    const e = env();
    copy(e, { source: { ...SOURCE, key: "root.pem" } });
    const job = only(synthJson(e.platform), "kubernetes_job_v1");
    const work = job.spec.template.spec.volume.find((v: any) => v.name === "work");
    expect(work.projected.sources[1].secret[0].items).toEqual([{ key: "root.pem", path: "ca.crt" }]);
  });

  test("readyAfter in the same stack: every copy resource depends on it", () => {
    const e = env();
    e.conn.addNamespace("seaweedfs");
    const chart = new HelmChart(e.platform, "Store", { connection: e.conn, chart: PinnedChart.SEAWEEDFS, releaseName: "seaweedfs", namespace: "seaweedfs" });
    copy(e, { source: { ...SOURCE, readyAfter: chart.release } });
    const json = synthJson(e.platform);
    const release = `helm_release.${Object.keys(resourcesOfType(json, "helm_release"))[0]}`;
    for (const type of ["kubernetes_job_v1", "kubernetes_cron_job_v1", "kubernetes_service_account_v1", "kubernetes_config_map_v1"]) {
      expect(JSON.stringify(only(json, type).depends_on)).toContain(release);
    }
  });

  test("readyAfter in another stack: the copy's stack depends on it", () => {
    const e = env();
    const workloads = bareStack(e.app, "workloads");
    e.conn.addNamespace("seaweedfs");
    const chart = new HelmChart(e.platform, "Store", { connection: e.conn, chart: PinnedChart.SEAWEEDFS, releaseName: "seaweedfs", namespace: "seaweedfs" });
    new CaCertificateCopy(workloads, "Copy", { connection: e.cluster.connect(workloads, "Conn"), source: { ...SOURCE, readyAfter: chart.release }, targetNamespace: "feast" });
    expect(workloads.dependencies).toContain(e.platform);
    expect(JSON.stringify(only(synthJson(workloads), "kubernetes_job_v1").depends_on)).not.toMatch(/helm_release/);
  });

  test("into() shares one copy per source and namespace", () => {
    const e = env();
    const a = CaCertificateCopy.into(e.platform, e.conn, SOURCE, "feast");
    const b = CaCertificateCopy.into(e.platform, e.conn, { ...SOURCE }, "feast");
    const c = CaCertificateCopy.into(e.platform, e.conn, SOURCE, "spark-jobs");
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(Object.keys(resourcesOfType(synthJson(e.platform), "kubernetes_secret_v1"))).toHaveLength(2);
  });

  test("trustedCaMount: the source itself in its own namespace, a copy elsewhere", () => {
    const e = env();
    expect(trustedCaMount(e.platform, e.conn, SOURCE, "seaweedfs")).toEqual({ secretName: "seaweedfs-ca-cert", key: "ca.crt", ready: undefined });
    const m = trustedCaMount(e.platform, e.conn, SOURCE, "feast");
    expect(m.secretName).toBe("strata-ca-seaweedfs-seaweedfs-ca-cert");
    expect(m.ready).toBeInstanceOf(Object);
  });

  describe("bad input", () => {
    const cases: [string, Partial<CaCertificateCopyProps>, string][] = [
      ["source not an object", { source: "ca" as any }, 'platform/Copy: invalid source "ca": must be a CaCertificateSecret ({ secretName, namespace, key? })'],
      ["source secret name bad", { source: { secretName: "CA Cert", namespace: "seaweedfs" } }, 'platform/Copy: invalid source.secretName "CA Cert": must be a DNS-1123 subdomain'],
      ["source namespace missing", { source: { secretName: "ca" } as any }, "platform/Copy: invalid source.namespace undefined: is required"],
      ["source key bad", { source: { ...SOURCE, key: "ca/crt" } }, 'platform/Copy: invalid source.key "ca/crt": must be a Secret data key'],
      ["target namespace bad", { targetNamespace: "Feast" }, 'platform/Copy: invalid targetNamespace "Feast"'],
    ];
    test.each(cases)("%s", (_n, props, message) => {
      const e = env();
      expect(() => copy(e, props)).toThrow(message);
    });
  });
});
