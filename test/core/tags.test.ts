import { Fn, Lazy, TerraformStack, Testing } from "cdktf";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { DevopsguruResourceCollection } from "@cdktf/provider-aws/lib/devopsguru-resource-collection";
import { ContainerCluster } from "@cdktf/provider-google/lib/container-cluster";
import { MonitoringMetricDescriptor } from "@cdktf/provider-google/lib/monitoring-metric-descriptor";
import { MonitoringNotificationChannel } from "@cdktf/provider-google/lib/monitoring-notification-channel";
import { StorageBucket } from "@cdktf/provider-google/lib/storage-bucket";
import { StorageBucketIamMember } from "@cdktf/provider-google/lib/storage-bucket-iam-member";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { StrataTags } from "../../lib/core/tags";
import { annotations, awsStack, bareStack, resourcesOfType, SynthJson, synthJson, testApp } from "../support/synth";

const PROPS = { owner: "ml-platform", costCentre: "cc-1234", environment: "prod" };
const STANDARD = { owner: "ml-platform", "cost-centre": "cc-1234", environment: "prod", "managed-by": "strata" };

describe("StrataTags", () => {
  describe("on a stack with AWS, GCP and other resources", () => {
    let stack: TerraformStack;
    let json: SynthJson;
    let synth: string;

    beforeAll(() => {
      stack = awsStack();
      StrataTags.apply(stack, { ...PROPS, extra: { team: "recsys" } });
      new S3Bucket(stack, "Bucket", { bucket: "acme-lake" });
      new KmsKey(stack, "Key", { description: "k", tags: { owner: "someone-else", Name: "explicit" } });
      new KmsAlias(stack, "Alias", { name: "alias/x", targetKeyId: "abc" });
      new IamRolePolicy(stack, "Policy", { role: "r", policy: "{}" });
      new S3Bucket(stack, "TokenTagged", { bucket: "acme-token", tags: Fn.merge([{ a: "b" }]) as any });
      new StorageBucket(stack, "Gcs", { name: "acme-gcs", location: "EU", labels: { environment: "dev" } });
      new StorageBucketIamMember(stack, "GcsMember", { bucket: "acme-gcs", role: "roles/x", member: "user:a@b.c" });
      new ContainerCluster(stack, "Gke", { name: "gke", location: "europe-west4" });
      new MonitoringNotificationChannel(stack, "Channel", { type: "email", labels: { email_address: "ops@example.com" } });
      new MonitoringMetricDescriptor(stack, "Metric", {
        type: "custom.googleapis.com/strata/x",
        metricKind: "GAUGE",
        valueType: "DOUBLE",
        description: "x",
        displayName: "x",
        labels: [{ key: "model" }],
      });
      new DevopsguruResourceCollection(stack, "Collection", { type: "AWS_TAGS" });
      new NamespaceV1(stack, "Ns", { metadata: { name: "ns" } });
      synth = Testing.synth(stack);
      json = JSON.parse(synth);
    });

    it("tags an AWS resource that has no tags of its own", () => {
      expect(synth).toHaveResourceWithProperties(S3Bucket, { bucket: "acme-lake", tags: { ...STANDARD, team: "recsys" } });
    });

    it("lets tags set explicitly on a resource win, and keeps the others", () => {
      expect(resourcesOfType(json, "aws_kms_key").Key.tags).toEqual({
        ...STANDARD,
        team: "recsys",
        owner: "someone-else",
        Name: "explicit",
      });
    });

    it("labels a GCP resource through `labels`, explicit labels winning", () => {
      expect(resourcesOfType(json, "google_storage_bucket").Gcs.labels).toEqual({
        ...STANDARD,
        team: "recsys",
        environment: "dev",
      });
    });

    it("labels a GKE cluster through `resource_labels`, not `labels`", () => {
      const gke = resourcesOfType(json, "google_container_cluster").Gke;
      expect(gke.resource_labels).toEqual({ ...STANDARD, team: "recsys" });
      expect(gke.labels).toBeUndefined();
    });

    it("puts a notification channel's tags in `user_labels`: its `labels` configure the channel", () => {
      const channel = resourcesOfType(json, "google_monitoring_notification_channel").Channel;
      expect(channel.labels).toEqual({ email_address: "ops@example.com" });
      expect(channel.user_labels).toEqual({ ...STANDARD, team: "recsys" });
    });

    it("leaves resources whose `labels`/`tags` is a nested block untouched (and does not crash on them)", () => {
      // google_monitoring_metric_descriptor.labels are label descriptors; aws_devopsguru_resource_collection.tags selects resources.
      expect(resourcesOfType(json, "google_monitoring_metric_descriptor").Metric.labels).toEqual([{ key: "model" }]);
      expect(resourcesOfType(json, "aws_devopsguru_resource_collection").Collection.tags).toBeUndefined();
    });

    it("leaves non-taggable resources untouched", () => {
      expect(resourcesOfType(json, "aws_kms_alias").Alias).toEqual({ name: "alias/x", target_key_id: "abc" });
      expect(resourcesOfType(json, "aws_iam_role_policy").Policy).toEqual({ role: "r", policy: "{}" });
      expect(resourcesOfType(json, "google_storage_bucket_iam_member").GcsMember.labels).toBeUndefined();
      const ns = resourcesOfType(json, "kubernetes_namespace_v1").Ns;
      expect(ns.metadata).toEqual({ name: "ns" });
      expect(ns.labels).toBeUndefined();
    });

    it("does not merge into tags that are a token, and warns", () => {
      expect(resourcesOfType(json, "aws_s3_bucket").TokenTagged.tags).toBe('${merge({"a" = "b"})}');
      expect(annotations(stack, "warn")).toEqual([
        "infra/TokenTagged: tags is a token; Strata tags were not merged into it. Merge StrataTags.tags yourself.",
      ]);
    });

    it("does not touch data sources or providers", () => {
      expect(json.provider?.aws).toEqual([{ region: "us-east-1" }]);
    });

    it("gives the same output when synthesized again", () => {
      expect(Testing.synth(stack)).toBe(synth);
    });
  });

  it("applies when added to a stack", () => {
    // Aspects are invoked from each stack down: a scope inside a stack or the stack itself works.
    const stack = bareStack();
    StrataTags.apply(stack, PROPS);
    new S3Bucket(stack, "Bucket", { bucket: "a-bucket" });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(S3Bucket, { tags: STANDARD });
  });

  // cdktf 0.21 invokes aspects from each stack down (Testing.synth and app.synth alike), so an
  // aspect added to the App would never run: apply rejects it rather than tag nothing.
  it("rejects an App (cdktf runs aspects per stack, so it would tag nothing)", () => {
    const app = testApp();
    expect(() => StrataTags.apply(app, PROPS)).toThrow(
      '<app>: invalid scope "App": must be a stack (or a construct inside one): cdktf runs aspects from each stack down',
    );
  });

  it("exposes the tags it applies; the standard keys win over `extra`", () => {
    const aspect = new StrataTags(bareStack(), { ...PROPS, extra: { owner: "ignored", project: "llm" } });
    expect(aspect.tags).toEqual({ ...STANDARD, project: "llm" });
  });

  it("accepts token values without checking them", () => {
    const token = Fn.lower(Lazy.stringValue({ produce: () => "X" }));
    expect(() => new StrataTags(bareStack(), { ...PROPS, owner: token })).not.toThrow();
  });

  describe("rejects invalid tags", () => {
    const stack = bareStack();
    const make = (props: Partial<typeof PROPS> & { extra?: Record<string, string> }) => () =>
      new StrataTags(stack, { ...PROPS, ...props });

    it("uppercase letters", () => {
      expect(make({ owner: "ML-Platform" })).toThrow(
        new Error(`infra: invalid tag "owner" "ML-Platform": must contain only lowercase letters, digits, '_' and '-'`),
      );
    });

    it("spaces", () => {
      expect(make({ costCentre: "cc 1234" })).toThrow(
        new Error(`infra: invalid tag "cost-centre" "cc 1234": must contain only lowercase letters, digits, '_' and '-'`),
      );
    });

    it("values longer than 63 characters", () => {
      const long = "a".repeat(64);
      expect(make({ environment: long })).toThrow(
        new Error(`infra: invalid tag "environment" "${long}": must be at most 63 characters long (got 64)`),
      );
    });

    it("invalid values in extra", () => {
      expect(make({ extra: { project: "LLM" } })).toThrow(/^infra: invalid tag "project" "LLM": /);
      expect(make({ extra: { project: "a/b" } })).toThrow(/^infra: invalid tag "project" "a\/b": /);
    });

    it.each(["Team", "1team", "team.name", "", "a".repeat(64)])("extra key %p", (key) => {
      expect(make({ extra: { [key]: "x" } })).toThrow(
        new Error(
          `infra: invalid tag key ${JSON.stringify(key)}: keys must start with a lowercase letter and contain only lowercase letters, digits, '_' and '-' (at most 63)`,
        ),
      );
    });

    it.each([
      ["owner", "owner"],
      ["costCentre", "costCentre"],
      ["environment", "environment"],
    ])("an empty %s", (prop, name) => {
      expect(make({ [prop]: " " })).toThrow(new Error(`infra: invalid ${name} " ": must be a non-empty string`));
    });

    it("a missing owner", () => {
      expect(make({ owner: undefined })).toThrow(
        new Error("infra: invalid owner undefined: is required and must be a non-empty string"),
      );
    });
  });
});

describe("StrataTags on launch templates", () => {
  it("tags the instances and volumes a launch template starts (tag_specifications), keeping explicit tags", () => {
    const stack = bareStack();
    StrataTags.apply(stack, PROPS);
    new LaunchTemplate(stack, "Lt", {
      name: "gpu",
      tagSpecifications: [
        { resourceType: "instance", tags: { Name: "gpu", owner: "explicit" } },
        { resourceType: "volume", tags: { Name: "gpu" } },
      ],
    });
    const lt = Object.values(resourcesOfType(synthJson(stack), "aws_launch_template"))[0] as any;
    expect(lt.tag_specifications).toEqual([
      { resource_type: "instance", tags: { ...STANDARD, Name: "gpu", owner: "explicit" } },
      { resource_type: "volume", tags: { ...STANDARD, Name: "gpu" } },
    ]);
    expect(lt.tags).toEqual(STANDARD);
  });
});
