import "cdktf/lib/testing/adapters/jest";
import { App, GcsBackend, TerraformStack, Testing } from "cdktf";
import { ComputeGlobalAddress } from "@cdktf/provider-google/lib/compute-global-address";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { ServiceNetworkingConnection } from "@cdktf/provider-google/lib/service-networking-connection";
import { GcpNetwork } from "../../lib/compute/gcp-network";

function network(): { stack: TerraformStack; net: GcpNetwork } {
  const app = new App();
  const stack = new TerraformStack(app, "infra");
  new GcsBackend(stack, { bucket: "state", prefix: "infra" });
  new GoogleProvider(stack, "google", { project: "acme-ml" });
  const net = new GcpNetwork(stack, "Net", { name: "ml-prod", project: "acme-ml", region: "us-central1" });
  return { stack, net };
}

describe("GcpNetwork.addPrivateServiceAccess", () => {
  test("reserves a VPC_PEERING range and connects it to service networking", () => {
    const { stack, net } = network();
    const psa = net.addPrivateServiceAccess("10.16.0.0/20");
    expect(net.privateServiceConnection).toBe(psa);
    const out = Testing.synth(stack);
    expect(out).toHaveResourceWithProperties(ComputeGlobalAddress, {
      purpose: "VPC_PEERING",
      address_type: "INTERNAL",
      address: "10.16.0.0",
      prefix_length: 20,
      project: "acme-ml",
    });
    expect(out).toHaveResourceWithProperties(ServiceNetworkingConnection, {
      service: "servicenetworking.googleapis.com",
      reserved_peering_ranges: ["${google_compute_global_address.Net_PrivateServiceRange_2F173678.name}"],
    });
  });

  test("rejects a range that overlaps the cluster ranges", () => {
    const { net } = network();
    expect(() => net.addPrivateServiceAccess("10.4.0.0/16")).toThrow(
      "infra/Net: invalid privateServiceAccessCidr \"10.4.0.0/16\": must not overlap podsCidr (10.4.0.0/14)",
    );
  });

  test("rejects a malformed or too small range, and a second connection", () => {
    const { net } = network();
    expect(() => net.addPrivateServiceAccess("10.16.0.0/28")).toThrow('invalid privateServiceAccessCidr "10.16.0.0/28": must have a prefix length from /16 to /24');
    net.addPrivateServiceAccess("10.16.0.0/20");
    expect(() => net.addPrivateServiceAccess("10.32.0.0/20")).toThrow('invalid addPrivateServiceAccess "10.32.0.0/20": is already set up on this network');
  });
});
