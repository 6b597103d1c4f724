/**
 * The Helm charts Strata installs, at their pinned versions, mapped to the chart's default values
 * file in ../shared/conformance/helm-values. Every helm_release the library emits must use a chart
 * listed here; conformance tests check every value key it sets against the file.
 */
export const PINNED_CHART_VALUES: Record<string, string> = {
  "gpu-operator": "nvidia-gpu-operator-v26.7.0.values.yaml",
  "kserve-resources": "kserve-resources-v0.20.0.values.yaml",
  kueue: "kueue-v0.19.2.values.yaml",
  karpenter: "karpenter-tag-v1.14.1.values.yaml",
  // The conformance data has no values file for karpenter-crd; Strata sets no values on it, so no key is
  // ever checked against this file (one set by mistake would be checked against the controller chart's).
  "karpenter-crd": "karpenter-tag-v1.14.1.values.yaml",
  "cluster-autoscaler": "cluster-autoscaler-9.59.0.values.yaml",
  "feast-feature-server": "feast-feature-server-v0.66.0.values.yaml",
  mlflow: "community-charts-mlflow-1.11.5.values.yaml",
  seaweedfs: "seaweedfs-4.44.0.values.yaml",
  valkey: "valkey-0.11.0.values.yaml",
  "spark-operator": "spark-operator-2.5.2.values.yaml",
  "strimzi-kafka-operator": "strimzi-kafka-operator-1.2.0.values.yaml",
  "label-studio": "label-studio-2.0.5.values.yaml",
  "argo-workflows": "argo-workflows-1.0.18.values.yaml",
  "cloudnative-pg": "cloudnative-pg-0.29.0.values.yaml",
  "kubeflow-trainer": "kubeflow-trainer-2.3.0.values.yaml",
  "cert-manager": "cert-manager-v1.21.1.values.yaml",
};
