import { Testing } from "cdktf";
import { ExistingCluster } from "../../lib/compute/existing-cluster";
import { SecretKind } from "../../lib/core/database";
import { ValkeyOnlineStore, ValkeyOnlineStoreProps } from "../../lib/data/valkey";
import { PINNED_CHART_VALUES } from "../support/charts";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { checkHelmReleases, conformanceRoot, describeConformance, helmReleaseValues } from "../support/conformance";
import { annotations, bareStack, onlyResource, synthJson, testApp } from "../support/synth";

function env() {
  const app = testApp();
  const infra = bareStack(app, "infra");
  const cluster = new ExistingCluster(infra, "Cluster", { clusterName: "dc1", kubeconfigContext: "dc1-admin" });
  const platform = bareStack(app, "platform");
  const connection = cluster.connect(platform, "Conn");
  connection.addNamespace("feast");
  return { app, infra, cluster, platform, connection };
}

function valkey(overrides: Partial<ValkeyOnlineStoreProps> = {}) {
  const e = env();
  const store = new ValkeyOnlineStore(e.platform, "OnlineStore", {
    connection: e.connection,
    namespace: "feast",
    authSecretName: "valkey-users",
    tlsSecretName: "valkey-tls",
    ...overrides,
  } as ValkeyOnlineStoreProps);
  return { ...e, store };
}

function values(e: ReturnType<typeof valkey>): any {
  const rels = helmReleaseValues(synthJson(e.platform));
  expect(rels).toHaveLength(1);
  return rels[0].values[0];
}

describe("ValkeyOnlineStore", () => {
  test("the service account token stays unmounted (the chart's default, which Strata does not override)", () => {
    const v = values(valkey());
    expect(v.serviceAccount?.automount).toBeUndefined();
    const root = conformanceRoot();
    if (root !== undefined) {
      const defaults = YAML.parse(fs.readFileSync(path.join(root, "helm-values", PINNED_CHART_VALUES.valkey), "utf8"));
      expect(defaults.serviceAccount.automount).toBe(false);
    }
  });

  test("installs the pinned valkey chart with auth, persistence, readiness probe, TLS and a pinned image", () => {
    const e = valkey();
    const rel = onlyResource(synthJson(e.platform), "helm_release");
    expect(rel).toMatchObject({ chart: "valkey", version: "0.11.0", repository: "https://valkey.io/valkey-helm/", namespace: "feast", name: "valkey" });
    const v = values(e);
    expect(v.image).toEqual({ tag: "9.1.1" });
    expect(v.auth).toEqual({
      enabled: true,
      usersExistingSecret: "valkey-users",
      aclUsers: { default: { permissions: "~* &* +@all", passwordKey: "default" } },
    });
    expect(v.dataStorage).toEqual({ enabled: true, requestedSize: "8Gi", keepPvc: true });
    expect(v.readinessProbe).toEqual({ enabled: true });
    expect(v.tls).toEqual({ enabled: true, existingSecret: "valkey-tls" });
    expect(v.fullnameOverride).toBe("valkey");
  });

  test("implements ICache: in-cluster host, TLS URI, the password Secret", () => {
    const { store } = valkey({ releaseName: "online", authSecretKey: "pw" });
    expect(store.host).toBe("online.feast.svc.cluster.local");
    expect(store.port).toBe(6379);
    expect(store.connectionUri()).toBe("rediss://online.feast.svc.cluster.local:6379");
    expect(store.authSecret).toEqual({ kind: SecretKind.KUBERNETES_SECRET, name: "valkey-users", key: "pw", namespace: "feast" });
  });

  test("plaintext only when asked: no tls values, redis:// URI", () => {
    const e = valkey({ tlsSecretName: undefined, allowPlaintext: true });
    expect(values(e).tls).toBeUndefined();
    expect(e.store.tlsEnabled).toBe(false);
    expect(e.store.connectionUri()).toBe("redis://valkey.feast.svc.cluster.local:6379");
  });

  test("grantConnect warns when the identity is in another namespace", () => {
    const e = valkey();
    const id = e.cluster.addWorkloadIdentity("Other", { namespace: "serving", serviceAccountName: "api" });
    e.store.grantConnect(id);
    expect(annotations(e.store).join("\n")).toContain('the password Secret "valkey-users" must also exist in namespace "serving"');
    const same = e.cluster.addWorkloadIdentity("Same", { namespace: "feast", serviceAccountName: "feast-ml" });
    const before = annotations(e.store).length;
    e.store.grantConnect(same);
    expect(annotations(e.store)).toHaveLength(before);
  });

  describe("bad input", () => {
    test("no auth Secret", () => {
      expect(() => valkey({ authSecretName: undefined })).toThrow(/OnlineStore: invalid authSecretName undefined: is required: Valkey's authentication is off by default/);
    });
    test("bad auth Secret name and key", () => {
      expect(() => valkey({ authSecretName: "Bad_Name" })).toThrow(/invalid authSecretName "Bad_Name"/);
      expect(() => valkey({ authSecretKey: "a/b" })).toThrow(/invalid authSecretKey "a\/b": must be a Secret data key/);
    });
    test("no TLS without allowPlaintext", () => {
      expect(() => valkey({ tlsSecretName: undefined })).toThrow(/invalid tlsSecretName undefined: is required: give a TLS Secret/);
    });
    test("TLS and allowPlaintext together", () => {
      expect(() => valkey({ allowPlaintext: true })).toThrow(/invalid allowPlaintext true: contradicts tlsSecretName/);
    });
    test("allowPlaintext as a string", () => {
      expect(() => valkey({ tlsSecretName: undefined, allowPlaintext: "yes" as any })).toThrow(/invalid allowPlaintext "yes"/);
    });
    test("storage size", () => {
      expect(() => valkey({ storageSize: "8GB" })).toThrow(/invalid storageSize "8GB": must be a Kubernetes quantity such as "8Gi"/);
      expect(() => valkey({ storageSize: 8 as any })).toThrow(/invalid storageSize 8: must be a Kubernetes quantity/);
    });
    test("namespace and release name", () => {
      expect(() => valkey({ namespace: "Feast" })).toThrow(/invalid namespace "Feast"/);
      expect(() => valkey({ releaseName: "val_key" })).toThrow(/invalid releaseName "val_key"/);
    });
  });

  describeConformance("chart values", () => {
    test("every value key exists in the valkey 0.11.0 defaults", () => {
      const e = valkey({ storageClassName: "fast" });
      expect(checkHelmReleases(Testing.synth(e.platform), PINNED_CHART_VALUES)).toEqual([]);
    });
  });
});
