import { IConstruct } from "constructs";
import { Fn, Op, Token } from "cdktf";
import { ProjectIamMember } from "@cdktf/provider-google/lib/project-iam-member";
import { SecretManagerSecretIamMember } from "@cdktf/provider-google/lib/secret-manager-secret-iam-member";
import { IWorkloadIdentity } from "./cluster";
import { NamingRule, validateName } from "./naming";
import type { DatabaseConnectionProps } from "./database";
import { DatabaseEngine } from "./database";
import { invalid, isUnresolved, validateBoolean, validateEnum, validateGcpProjectId, validateInteger, validateNonEmpty } from "./validation";
import { hash8 } from "./generated-names";
export { validateKmsKeyArn } from "./validation";

// Internal helpers of the database and cache contracts. Not exported from the package.
// ---------------------------------------------------------------------------------------------

export const AWS_ACCOUNT = /^\d{12}$/;
export const DBI_RESOURCE_ID = /^(db|cluster)-[A-Z0-9]+$/;
/**
 * A full Secrets Manager secret ARN: the name (RDS-managed secrets contain '!', e.g. `rds!db-<uuid>`)
 * followed by the '-' and 6 random characters Secrets Manager appends. IAM matches the whole ARN, so
 * an ARN without the suffix grants nothing.
 */
export const SECRETS_MANAGER_ARN =
  /^arn:(aws(?:-[a-z]+)*):secretsmanager:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):secret:[A-Za-z0-9/_+=.@!-]+-[A-Za-z0-9]{6}$/;
export const GCP_PROJECT = "(?:[a-z][a-z0-9-]*(?:\\.[a-z0-9-]+)+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]";
export const CLOUD_SQL_CONNECTION_NAME = new RegExp(`^(${GCP_PROJECT}):[a-z]+-[a-z]+\\d+:[a-z]([-a-z0-9]*[a-z0-9])?$`);
export const GCP_SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
export const GCP_SECRET_NAME = /^projects\/[^/\s]+\/secrets\/[A-Za-z0-9_-]{1,255}$/;
export const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
export const BRACKETED_IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;
export const SECRET_DATA_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

/** Internal: how strictly a TLS connection verifies the server. */
export enum TlsVerification {
  /** No TLS. */
  NONE = "none",
  /** Verify the CA chain only. */
  CA = "ca",
  /** Verify the CA chain and the host name. */
  FULL = "full",
}

/** Internal: `value` matches `pattern` (skips undefined and tokens). */
export function validatePattern(scope: IConstruct, prop: string, value: string | undefined, pattern: RegExp, allowed: string): void {
  if (value === undefined || isUnresolved(value)) return;
  if (!pattern.test(value)) invalid(scope, prop, value, allowed);
}

/** Internal: a host name, IPv4 address or bracketed IPv6 address. */
export function validateHost(scope: IConstruct, prop: string, value: string | undefined): void {
  validateNonEmpty(scope, prop, value);
  if (isUnresolved(value) || (value !== undefined && BRACKETED_IPV6.test(value))) return;
  validatePattern(scope, prop, value, HOST_NAME, "must be a host name or IP address without scheme, port or path (IPv6 in brackets)");
}

/** Internal: resolves `tlsRequired`/`tlsEnabled`, which may only be turned off with `allowPlaintext: true`. */
export function resolveTls(scope: IConstruct, prop: string, value: boolean | undefined, allowPlaintext: boolean | undefined): boolean {
  validateBoolean(scope, prop, value);
  validateBoolean(scope, "allowPlaintext", allowPlaintext);
  if (value === false && allowPlaintext !== true) {
    invalid(scope, prop, value, "TLS is required by default; also set allowPlaintext: true to connect without TLS");
  }
  return value ?? true;
}

/** Internal: validates the props every database shares and resolves the port and TLS defaults. */
export function validateDatabaseConnection(scope: IConstruct, props: DatabaseConnectionProps): { port: number; tlsRequired: boolean } {
  if (props.engine === undefined) invalid(scope, "engine", props.engine, "is required");
  validateEnum(scope, "engine", props.engine, DatabaseEngine, "DatabaseEngine");
  validateHost(scope, "host", props.host);
  const port = props.port ?? (props.engine === DatabaseEngine.MYSQL ? 3306 : 5432);
  validateInteger(scope, "port", port, 1, 65535);
  validateIdentifier(scope, "databaseName", props.databaseName, props.engine, props.engine === DatabaseEngine.MYSQL ? 64 : 63);
  return { port, tlsRequired: resolveTls(scope, "tlsRequired", props.tlsRequired, props.allowPlaintext) };
}

/** Internal: a database or user name, as an unquoted identifier of the engine. */
export function validateIdentifier(scope: IConstruct, prop: string, value: string | undefined, engine: DatabaseEngine, maxLength: number): void {
  validateNonEmpty(scope, prop, value);
  if (value === undefined || isUnresolved(value)) return;
  if (value.length > maxLength) invalid(scope, prop, value, `must be 1 to ${maxLength} characters long (got ${value.length})`);
  if (engine === DatabaseEngine.MYSQL) {
    if (!/^[A-Za-z0-9_$]+$/.test(value) || /^\d+$/.test(value)) {
      invalid(scope, prop, value, "must be a MySQL identifier: letters, digits, '_' and '$', not only digits");
    }
  } else if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(value)) {
    invalid(scope, prop, value, "must be a PostgreSQL identifier: letters, digits, '_' and '$', starting with a letter or '_'");
  }
}

export const SECRETS_MANAGER_ARN_ALLOWED =
  "must be the full ARN of a Secrets Manager secret, with the 6-character random suffix Secrets Manager appends to the name: " +
  "arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters> (IAM never matches a partial ARN)";

/** Internal: a full Secrets Manager secret ARN (required). */
export function validateSecretsManagerArn(scope: IConstruct, prop: string, value: string | undefined): void {
  validateNonEmpty(scope, prop, value);
  validatePattern(scope, prop, value, SECRETS_MANAGER_ARN, SECRETS_MANAGER_ARN_ALLOWED);
}

/** Internal: the DNS suffix of an AWS partition's service endpoints (`amazonaws.com.cn` in China). */
export function awsDnsSuffix(partition: string): string {
  return partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
}

export function parseSecretsManagerArn(arn: string): { partition: string; region: string; account: string } | undefined {
  if (isUnresolved(arn)) return undefined;
  const m = SECRETS_MANAGER_ARN.exec(arn);
  return m ? { partition: m[1], region: m[2], account: m[3] } : undefined;
}

/** Internal: a Google Cloud project id (optionally domain-scoped); see `validateGcpProjectId`. */
export function validateGcpProject(scope: IConstruct, prop: string, value: string | undefined): void {
  validateGcpProjectId(scope, prop, value);
}

/** Internal: validates a Secret Manager secret (id or full name) and returns `projects/<project>/secrets/<id>`. */
export function gcpSecretName(scope: IConstruct, prop: string, value: string, project: string): string {
  validateNonEmpty(scope, prop, value);
  if (isUnresolved(value) || GCP_SECRET_NAME.test(value)) return value;
  validatePattern(scope, prop, value, GCP_SECRET_ID, 'must be a Secret Manager secret id (1 to 255 letters, digits, \'_\' and \'-\') or "projects/<project>/secrets/<id>"');
  return `projects/${project}/secrets/${value}`;
}

/** Internal: a Kubernetes Secret name (DNS-1123 subdomain), optional data key and namespace. */
export function validateKubernetesSecret(
  scope: IConstruct,
  prefix: string,
  name: string | undefined,
  key: string | undefined,
  namespace: string | undefined,
): void {
  validateName(scope, `${prefix}Name`, name, NamingRule.DNS1123_SUBDOMAIN);
  validatePattern(scope, `${prefix}Key`, key, SECRET_DATA_KEY, "must be a Secret data key: 1 to 253 letters, digits, '-', '_' and '.'");
  if (namespace !== undefined) validateName(scope, `${prefix}Namespace`, namespace, NamingRule.DNS1123_LABEL);
}



/**
 * Internal: the Secrets Manager endpoint of the secret's region, `secretsmanager.<region>.<dns suffix>`.
 * A token ARN is split by Terraform at apply time (region is its 4th field, partition its 2nd).
 */
export function secretsManagerEndpoint(secretArn: string): string {
  const parsed = parseSecretsManagerArn(secretArn);
  if (parsed !== undefined) return `secretsmanager.${parsed.region}.${awsDnsSuffix(parsed.partition)}`;
  const fields = Fn.split(":", secretArn);
  const region = Token.asString(Fn.element(fields, 3));
  const suffix = Token.asString(Fn.conditional(Op.eq(Fn.element(fields, 1), "aws-cn"), awsDnsSuffix("aws-cn"), awsDnsSuffix("aws")));
  return `secretsmanager.${region}.${suffix}`;
}

/**
 * Internal: IAM statements that read a Secrets Manager secret and, with its customer-managed key,
 * decrypt it only through Secrets Manager and only for this secret (`kms:ViaService` and the
 * `SecretARN` encryption context Secrets Manager sends with every Decrypt call).
 */
export function secretsManagerStatements(secretArn: string, kmsKeyArn: string | undefined): object[] {
  const statements: object[] = [
    { Sid: "ReadSecret", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: [secretArn] },
  ];
  if (kmsKeyArn !== undefined) {
    statements.push({
      Sid: "DecryptSecret",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: [kmsKeyArn],
      Condition: {
        StringEquals: { "kms:ViaService": secretsManagerEndpoint(secretArn), "kms:EncryptionContext:SecretARN": secretArn },
      },
    });
  }
  return statements;
}



/**
 * Internal: a project-level role for the identity's service account, created once per identity,
 * project and role under the identity (two references in one project must not manage the same
 * non-authoritative binding twice: destroying one would remove it for the other).
 *
 * The construct id is keyed on the project, so the project must be a literal: a token's text is
 * numbered by a global counter, and an unrelated change would rename the binding, which Terraform
 * applies by destroying the old member (removing the role) and creating the new one.
 */
export function grantProjectRole(resource: IConstruct, identity: IWorkloadIdentity, label: string, project: string, role: string): void {
  if (isUnresolved(project)) {
    invalid(
      resource,
      "project",
      project,
      `must be a literal project id to grant ${role}: the binding is keyed on the project, and a token key would change with unrelated edits (Terraform would then destroy the binding, removing the role)`,
    );
  }
  const id = `${label}-${hash8(project)}`;
  if (identity.node.tryFindChild(id)) return; // already granted
  new ProjectIamMember(identity, id, { project, role, member: `serviceAccount:${identity.gcpServiceAccountEmail}` });
}

/**
 * Internal: `roles/secretmanager.secretAccessor` on one secret, created once per identity and secret
 * under the identity (two references to one secret must not manage the same non-authoritative
 * binding twice). Keyed on the secret name, which must therefore be a literal (see grantProjectRole).
 */
export function grantSecretAccessor(resource: IConstruct, identity: IWorkloadIdentity, prop: string, secretName: string): void {
  if (isUnresolved(secretName)) {
    invalid(
      resource,
      prop,
      secretName,
      "must be a literal Secret Manager secret (and, for a bare secret id, a literal project) to grant roles/secretmanager.secretAccessor: " +
        "the binding is keyed on projects/<project>/secrets/<id>, and a token key would change with unrelated edits (Terraform would then destroy the binding, removing access)",
    );
  }
  const id = `SecretAccessor-${hash8(secretName)}`;
  if (identity.node.tryFindChild(id)) return; // already granted
  new SecretManagerSecretIamMember(identity, id, {
    secretId: secretName,
    role: "roles/secretmanager.secretAccessor",
    member: `serviceAccount:${identity.gcpServiceAccountEmail}`,
  });
}

/** Internal: `host:port`, with a number token rendered as a string token. */
export function endpoint(host: string, port: number): string {
  return `${host}:${Token.isUnresolved(port) ? Token.asString(port) : port}`;
}

export function databaseUri(engine: DatabaseEngine, host: string, port: number, databaseName: string, tls: TlsVerification): string {
  if (engine === DatabaseEngine.MYSQL) {
    const mode = tls === TlsVerification.FULL ? "VERIFY_IDENTITY" : tls === TlsVerification.CA ? "VERIFY_CA" : "DISABLED";
    return `mysql://${endpoint(host, port)}/${databaseName}?ssl-mode=${mode}`;
  }
  const mode = tls === TlsVerification.FULL ? "verify-full" : tls === TlsVerification.CA ? "verify-ca" : "disable";
  return `postgresql://${endpoint(host, port)}/${databaseName}?sslmode=${mode}`;
}
