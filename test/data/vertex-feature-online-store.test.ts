import { WorkloadIdentityKind } from "../../lib/core/cluster";
import { VertexFeatureOnlineStore, VertexOnlineStoreType } from "../../lib/data/vertex-feature-online-store";
import { FakeIdentity } from "../support/fake-identity";
import { bareStack, onlyResource, resourcesOfType, synthJson } from "../support/synth";

function store(props: any = {}) {
  const stack = bareStack();
  const s = new VertexFeatureOnlineStore(stack, "Online", {
    project: "ml-prod",
    region: "us-central1",
    storeName: "features",
    acceptGoogleManagedEncryption: true,
    ...props,
  });
  return { stack, s };
}

const VIEW = { featureViewName: "customers", bigQueryUri: "bq://ml-prod.features.customers", entityIdColumns: ["customer_id"] };

describe("VertexFeatureOnlineStore", () => {
  test("defaults: Bigtable autoscaling 1..3 at 50 %, prevent_destroy, force_destroy false", () => {
    const { stack } = store();
    const r = onlyResource(synthJson(stack), "google_vertex_ai_feature_online_store");
    expect(r).toMatchObject({
      name: "features",
      project: "ml-prod",
      region: "us-central1",
      force_destroy: false,
      bigtable: { auto_scaling: { min_node_count: 1, max_node_count: 3, cpu_utilization_target: 50 } },
      lifecycle: { prevent_destroy: true },
    });
    expect(r.optimized).toBeUndefined();
    expect(r.dedicated_serving_endpoint).toBeUndefined();
  });

  test("encryption: a Google-managed key must be accepted explicitly (the provider has no encryption_spec)", () => {
    expect(() => store({ acceptGoogleManagedEncryption: undefined })).toThrow(
      /Online: invalid acceptGoogleManagedEncryption undefined: must be true: google_vertex_ai_feature_online_store .* has no encryption_spec/,
    );
    expect(() => store({ acceptGoogleManagedEncryption: false })).toThrow(/invalid acceptGoogleManagedEncryption false: must be true/);
    expect(() => store({ acceptGoogleManagedEncryption: "true" })).toThrow(/invalid acceptGoogleManagedEncryption "true": must be true or false/);
  });

  test("optimized: private (Private Service Connect allowlisting the project) unless publicEndpoint", () => {
    const priv = onlyResource(synthJson(store({ storeType: VertexOnlineStoreType.OPTIMIZED }).stack), "google_vertex_ai_feature_online_store");
    expect(priv.optimized).toEqual({});
    expect(priv.bigtable).toBeUndefined();
    expect(priv.dedicated_serving_endpoint).toEqual({ private_service_connect_config: { enable_private_service_connect: true, project_allowlist: ["ml-prod"] } });
    const allow = onlyResource(
      synthJson(store({ storeType: VertexOnlineStoreType.OPTIMIZED, pscProjectAllowlist: ["ml-serving"] }).stack),
      "google_vertex_ai_feature_online_store",
    );
    expect(allow.dedicated_serving_endpoint.private_service_connect_config.project_allowlist).toEqual(["ml-serving"]);
    const pub = onlyResource(synthJson(store({ storeType: VertexOnlineStoreType.OPTIMIZED, publicEndpoint: true }).stack), "google_vertex_ai_feature_online_store");
    expect(pub.dedicated_serving_endpoint).toBeUndefined();
  });

  test("allowDestroy and Bigtable sizing", () => {
    const r = onlyResource(
      synthJson(store({ allowDestroy: true, minNodeCount: 2, maxNodeCount: 10, cpuUtilizationTarget: 70 }).stack),
      "google_vertex_ai_feature_online_store",
    );
    expect(r.lifecycle).toEqual({ prevent_destroy: false });
    expect(r.force_destroy).toBe(false);
    expect(r.bigtable.auto_scaling).toEqual({ min_node_count: 2, max_node_count: 10, cpu_utilization_target: 70 });
  });

  test("feature views serve BigQuery, inherit destroy protection, sync on a schedule", () => {
    const { stack, s } = store();
    s.addFeatureView("Customers", { ...VIEW, syncCron: "TZ=Europe/Paris 0 * * * *" });
    const v = onlyResource(synthJson(stack), "google_vertex_ai_feature_online_store_featureview");
    expect(v).toMatchObject({
      name: "customers",
      project: "ml-prod",
      region: "us-central1",
      big_query_source: { uri: "bq://ml-prod.features.customers", entity_id_columns: ["customer_id"] },
      sync_config: { cron: "TZ=Europe/Paris 0 * * * *" },
      lifecycle: { prevent_destroy: true },
    });
    expect(v.feature_online_store).toMatch(/^\$\{google_vertex_ai_feature_online_store\..*\.name\}$/);
  });

  test("grantRead: featurestoreDataViewer to the identity's service account, once; other kinds rejected", () => {
    const { stack, s } = store();
    const ranker = new FakeIdentity(stack, "R", WorkloadIdentityKind.GCP_SERVICE_ACCOUNT, "serving", "ranker", "ml-prod");
    s.grantRead(ranker);
    s.grantRead(ranker);
    const members = Object.values(resourcesOfType(synthJson(stack), "google_project_iam_member")) as any[];
    expect(members).toEqual([
      expect.objectContaining({ project: "ml-prod", role: "roles/aiplatform.featurestoreDataViewer", member: "serviceAccount:ranker@ml-prod.iam.gserviceaccount.com" }),
    ]);
    const aws = new FakeIdentity(stack, "A", WorkloadIdentityKind.AWS_IAM_ROLE);
    expect(() => s.grantRead(aws)).toThrow(/invalid identity "infra\/A": is a aws-iam-role identity; a Vertex AI feature online store can only be granted to a GCP service account identity/);
  });

  test.each([
    [{ storeName: "1features" }, /invalid storeName "1features": must be 1 to 60 lowercase letters, digits and '_'/],
    [{ storeName: "Features" }, /invalid storeName "Features"/],
    [{ storeName: "my-store" }, /invalid storeName "my-store"/],
    [{ storeName: "a".repeat(61) }, /invalid storeName "a{61}"/],
    [{ project: "ML Prod" }, /invalid project "ML Prod": looks like a project display name/],
    [{ region: "us-central1-a" }, /invalid region "us-central1-a"/],
    [{ storeType: "BIGTABLE" }, /invalid storeType "BIGTABLE": must be one of VertexOnlineStoreType/],
    [{ minNodeCount: 0 }, /invalid minNodeCount 0/],
    [{ minNodeCount: 5, maxNodeCount: 2 }, /invalid minNodeCount 5: must be less than or equal to maxNodeCount \(2\)/],
    [{ cpuUtilizationTarget: 90 }, /invalid cpuUtilizationTarget 90/],
    [{ storeType: VertexOnlineStoreType.OPTIMIZED, minNodeCount: 2 }, /invalid minNodeCount 2: applies to storeType: VertexOnlineStoreType.BIGTABLE only/],
    [{ publicEndpoint: true }, /invalid publicEndpoint true: applies to storeType: VertexOnlineStoreType.OPTIMIZED only/],
    [{ storeType: VertexOnlineStoreType.OPTIMIZED, publicEndpoint: true, pscProjectAllowlist: ["ml-prod"] }, /invalid pscProjectAllowlist \["ml-prod"\]: applies to the Private Service Connect endpoint/],
    [{ storeType: VertexOnlineStoreType.OPTIMIZED, pscProjectAllowlist: "ml-prod" }, /invalid pscProjectAllowlist "ml-prod": must be a list/],
    [{ storeType: VertexOnlineStoreType.OPTIMIZED, pscProjectAllowlist: ["12345678"] }, /invalid pscProjectAllowlist\[0\] "12345678": is a project number/],
    [{ allowDestroy: 1 }, /invalid allowDestroy 1: must be true or false/],
  ])("rejects %j", (props, message) => {
    expect(() => store(props)).toThrow(message);
  });

  test.each([
    [{ featureViewName: "Customers" }, /invalid featureViewName "Customers": must be 1 to 60 lowercase/],
    [{ bigQueryUri: "ml-prod.features.customers" }, /invalid bigQueryUri "ml-prod.features.customers": must be a BigQuery table URI/],
    [{ bigQueryUri: "bq://ml-prod.features" }, /invalid bigQueryUri "bq:\/\/ml-prod.features"/],
    [{ entityIdColumns: "customer_id" }, /invalid entityIdColumns "customer_id": must be a list/],
    [{ entityIdColumns: [] }, /invalid entityIdColumns \[\]: must name at least one column/],
    [{ entityIdColumns: ["a", "a"] }, /invalid entityIdColumns\[1\] "a": is a duplicate of entityIdColumns\[0\]/],
    [{ syncCron: "hourly" }, /invalid syncCron "hourly": must be a 5-field cron expression/],
  ])("addFeatureView rejects %j", (options, message) => {
    const { s } = store();
    expect(() => s.addFeatureView("V", { ...VIEW, ...options } as any)).toThrow(message);
  });
});
