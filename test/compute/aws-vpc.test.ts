import { AwsVpc, NatGatewayMode, VpcInterfaceEndpoint } from "../../lib/compute/aws-vpc";
import { awsStack, resourcesOfType, SynthJson, synthJson } from "../support/synth";


describe("AwsVpc endpoints", () => {
  let json: SynthJson;
  beforeAll(() => {
    const stack = awsStack();
    new AwsVpc(stack, "Vpc", { name: "ml", interfaceEndpoints: [VpcInterfaceEndpoint.ECR_API, VpcInterfaceEndpoint.ECR_DKR, VpcInterfaceEndpoint.STS] });
    json = synthJson(stack);
  });

  it("puts an S3 gateway endpoint on every private route table, its service name read for the region and partition", () => {
    const routeTables = Object.keys(resourcesOfType(json, "aws_route_table")).filter((k) => k.startsWith("Vpc_PrivateRoutes"));
    expect(routeTables).toHaveLength(3);
    const s3 = Object.entries(resourcesOfType(json, "aws_vpc_endpoint")).find(([k]) => k.startsWith("Vpc_S3Endpoint_"))![1];
    expect(s3).toEqual({
      vpc_id: "${aws_vpc.Vpc_8378EB38.id}",
      service_name: expect.stringMatching(/^\$\{data\.aws_vpc_endpoint_service\.Vpc_S3Service_[0-9A-F]{8}\.service_name\}$/),
      vpc_endpoint_type: "Gateway",
      route_table_ids: routeTables.map((k) => `\${aws_route_table.${k}.id}`),
      tags: { Name: "ml-s3" },
    });
    const s3Service = Object.entries(json.data!.aws_vpc_endpoint_service).find(([k]) => k.startsWith("Vpc_S3Service_"))![1];
    expect(s3Service).toEqual({ service: "s3", service_type: "Gateway" });
  });

  it("creates the listed interface endpoints in the private subnets with private DNS, behind a security group admitting HTTPS from the VPC", () => {
    const endpoints = Object.values(resourcesOfType(json, "aws_vpc_endpoint")).filter((e) => e.vpc_endpoint_type === "Interface");
    expect(endpoints.map((e) => e.tags.Name)).toEqual(["ml-ecr.api", "ml-ecr.dkr", "ml-sts"]);
    const sg = Object.keys(resourcesOfType(json, "aws_security_group"))[0];
    for (const e of endpoints) {
      expect(e).toMatchObject({ private_dns_enabled: true, security_group_ids: [`\${aws_security_group.${sg}.id}`] });
      expect(e.subnet_ids).toHaveLength(3);
    }
    const services = Object.values(json.data!.aws_vpc_endpoint_service).filter((d: any) => d.service_type === "Interface");
    expect(services.map((d: any) => d.service)).toEqual(["ecr.api", "ecr.dkr", "sts"]);
    expect(Object.values(resourcesOfType(json, "aws_vpc_security_group_ingress_rule"))).toEqual([
      {
        security_group_id: `\${aws_security_group.${sg}.id}`,
        description: "HTTPS from the VPC",
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
        cidr_ipv4: "10.0.0.0/16",
      },
    ]);
  });

  it("creates no interface endpoint or security group by default", () => {
    const stack = awsStack();
    new AwsVpc(stack, "Vpc", { name: "ml" });
    const plain = synthJson(stack);
    expect(Object.values(resourcesOfType(plain, "aws_vpc_endpoint")).map((e) => e.vpc_endpoint_type)).toEqual(["Gateway"]);
    expect(resourcesOfType(plain, "aws_security_group")).toEqual({});
  });

  const ENDPOINTS =
    'VpcInterfaceEndpoint.ECR_API ("ecr.api"), VpcInterfaceEndpoint.ECR_DKR ("ecr.dkr"), VpcInterfaceEndpoint.STS ("sts"), VpcInterfaceEndpoint.EC2 ("ec2"), VpcInterfaceEndpoint.LOGS ("logs"), VpcInterfaceEndpoint.SQS ("sqs"), VpcInterfaceEndpoint.ELASTIC_LOAD_BALANCING ("elasticloadbalancing")';
  it.each([
    [{ interfaceEndpoints: ["ECR_API"] }, `invalid interfaceEndpoints[0] "ECR_API": must be one of ${ENDPOINTS} ("ECR_API" names the member VpcInterfaceEndpoint.ECR_API; give its value "ecr.api")`],
    [{ interfaceEndpoints: ["sts", "sts"] }, 'invalid interfaceEndpoints[1] "sts": is a duplicate of interfaceEndpoints[0]; list each entry once'],
    [{ interfaceEndpoints: "sts" }, 'invalid interfaceEndpoints "sts": must be a list such as [VpcInterfaceEndpoint.ECR_API] ("ecr.api"), not a string'],
    [{ natGateways: "one_per_zone" }, 'invalid natGateways "one_per_zone": must be one of NatGatewayMode.SINGLE ("single"), NatGatewayMode.ONE_PER_ZONE ("one-per-zone") ("one_per_zone" names the member NatGatewayMode.ONE_PER_ZONE; give its value "one-per-zone")'],
  ])("rejects %p", (props, message) => {
    expect(() => new AwsVpc(awsStack(), "Vpc", { name: "ml", ...(props as any) })).toThrow(new Error(`infra/Vpc: ${message}`));
  });

  it("puts one NAT gateway in each zone with ONE_PER_ZONE", () => {
    const stack = awsStack();
    new AwsVpc(stack, "Vpc", { name: "ml", natGateways: NatGatewayMode.ONE_PER_ZONE });
    expect(Object.keys(resourcesOfType(synthJson(stack), "aws_nat_gateway"))).toHaveLength(3);
  });
});
