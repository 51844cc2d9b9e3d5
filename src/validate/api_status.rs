//! Which apiVersions are still served, deprecated, or removed.
//!
//! Facts: the Kubernetes deprecated-API migration guide (kubernetes.io/docs/reference/using-api/
//! deprecation-guide), External Secrets Operator CRDs at each release tag, Istio's CRDs
//! (see shared/docs/research/resources.md).

use super::schemas;

/// What komply knows about an apiVersion + kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiStatus {
    /// Served by current Kubernetes 1.37 / current versions of the known CRDs.
    Served,
    /// Still served, but a newer version should be used.
    Deprecated { replacement: &'static str },
    /// No longer served: the API server rejects it.
    Removed {
        /// The release that stopped serving it, e.g. "Kubernetes 1.16".
        since: &'static str,
        /// What to use instead, e.g. "apps/v1"; a description when the kind itself is gone.
        replacement: &'static str,
    },
    /// Neither a schema nor a table entry: komply cannot tell.
    Unknown,
}

/// (apiVersion, kinds — empty = every kind of that apiVersion, status).
type Row = (&'static str, &'static [&'static str], ApiStatus);

const fn removed(since: &'static str, replacement: &'static str) -> ApiStatus {
    ApiStatus::Removed { since, replacement }
}

const SERVED: ApiStatus = ApiStatus::Served;

const fn deprecated(replacement: &'static str) -> ApiStatus {
    ApiStatus::Deprecated { replacement }
}

/// Checked in order; the first row whose apiVersion and kind match wins.
static TABLE: &[Row] = &[
    // Kubernetes 1.16
    (
        "extensions/v1beta1",
        &["Deployment", "DaemonSet", "ReplicaSet"],
        removed("Kubernetes 1.16", "apps/v1"),
    ),
    (
        "extensions/v1beta1",
        &["NetworkPolicy"],
        removed("Kubernetes 1.16", "networking.k8s.io/v1"),
    ),
    (
        "extensions/v1beta1",
        &["PodSecurityPolicy"],
        removed(
            "Kubernetes 1.25",
            "Pod Security Admission (PodSecurityPolicy is gone)",
        ),
    ),
    (
        "extensions/v1beta1",
        &["Ingress"],
        removed("Kubernetes 1.22", "networking.k8s.io/v1"),
    ),
    ("apps/v1beta1", &[], removed("Kubernetes 1.16", "apps/v1")),
    ("apps/v1beta2", &[], removed("Kubernetes 1.16", "apps/v1")),
    // Kubernetes 1.22
    (
        "networking.k8s.io/v1beta1",
        &["Ingress", "IngressClass"],
        removed("Kubernetes 1.22", "networking.k8s.io/v1"),
    ),
    (
        "apiextensions.k8s.io/v1beta1",
        &[],
        removed("Kubernetes 1.22", "apiextensions.k8s.io/v1"),
    ),
    (
        "apiregistration.k8s.io/v1beta1",
        &[],
        removed("Kubernetes 1.22", "apiregistration.k8s.io/v1"),
    ),
    (
        "authentication.k8s.io/v1beta1",
        &[],
        removed("Kubernetes 1.22", "authentication.k8s.io/v1"),
    ),
    (
        "authorization.k8s.io/v1beta1",
        &[],
        removed("Kubernetes 1.22", "authorization.k8s.io/v1"),
    ),
    (
        "certificates.k8s.io/v1beta1",
        &["CertificateSigningRequest"],
        removed("Kubernetes 1.22", "certificates.k8s.io/v1"),
    ),
    (
        "coordination.k8s.io/v1beta1",
        &["Lease"],
        removed("Kubernetes 1.22", "coordination.k8s.io/v1"),
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        &[
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        ],
        removed("Kubernetes 1.22", "admissionregistration.k8s.io/v1"),
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        &[],
        removed("Kubernetes 1.22", "rbac.authorization.k8s.io/v1"),
    ),
    (
        "rbac.authorization.k8s.io/v1alpha1",
        &[],
        removed("Kubernetes 1.22", "rbac.authorization.k8s.io/v1"),
    ),
    (
        "scheduling.k8s.io/v1beta1",
        &["PriorityClass"],
        removed("Kubernetes 1.22", "scheduling.k8s.io/v1"),
    ),
    (
        "storage.k8s.io/v1beta1",
        &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        removed("Kubernetes 1.22", "storage.k8s.io/v1"),
    ),
    // Kubernetes 1.25
    (
        "batch/v1beta1",
        &["CronJob"],
        removed("Kubernetes 1.25", "batch/v1"),
    ),
    (
        "discovery.k8s.io/v1beta1",
        &["EndpointSlice"],
        removed("Kubernetes 1.25", "discovery.k8s.io/v1"),
    ),
    (
        "events.k8s.io/v1beta1",
        &["Event"],
        removed("Kubernetes 1.25", "events.k8s.io/v1"),
    ),
    (
        "autoscaling/v2beta1",
        &["HorizontalPodAutoscaler"],
        removed("Kubernetes 1.25", "autoscaling/v2"),
    ),
    (
        "policy/v1beta1",
        &["PodDisruptionBudget"],
        removed("Kubernetes 1.25", "policy/v1"),
    ),
    (
        "policy/v1beta1",
        &["PodSecurityPolicy"],
        removed(
            "Kubernetes 1.25",
            "Pod Security Admission (PodSecurityPolicy is gone)",
        ),
    ),
    (
        "node.k8s.io/v1beta1",
        &["RuntimeClass"],
        removed("Kubernetes 1.25", "node.k8s.io/v1"),
    ),
    // Kubernetes 1.26
    (
        "autoscaling/v2beta2",
        &["HorizontalPodAutoscaler"],
        removed("Kubernetes 1.26", "autoscaling/v2"),
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        &[],
        removed("Kubernetes 1.26", "flowcontrol.apiserver.k8s.io/v1"),
    ),
    // Kubernetes 1.27
    (
        "storage.k8s.io/v1beta1",
        &["CSIStorageCapacity"],
        removed("Kubernetes 1.27", "storage.k8s.io/v1"),
    ),
    // Kubernetes 1.29 / 1.32
    (
        "flowcontrol.apiserver.k8s.io/v1beta2",
        &[],
        removed("Kubernetes 1.29", "flowcontrol.apiserver.k8s.io/v1"),
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta3",
        &[],
        removed("Kubernetes 1.32", "flowcontrol.apiserver.k8s.io/v1"),
    ),
    // Deprecated kinds that are still served.
    (
        "v1",
        &["Endpoints"],
        deprecated(
            "discovery.k8s.io/v1 EndpointSlice (v1 Endpoints is deprecated since Kubernetes 1.33)",
        ),
    ),
    (
        "v1",
        &["ComponentStatus"],
        deprecated("no replacement (deprecated since Kubernetes 1.19)"),
    ),
    // External Secrets Operator: v1 since v0.16.0; v1beta1 has `served: false` since v0.17.0.
    (
        "external-secrets.io/v1beta1",
        &[],
        removed(
            "External Secrets Operator v0.17.0",
            "external-secrets.io/v1",
        ),
    ),
    (
        "external-secrets.io/v1alpha1",
        &[
            "ExternalSecret",
            "SecretStore",
            "ClusterSecretStore",
            "ClusterExternalSecret",
        ],
        removed(
            "External Secrets Operator v0.17.0",
            "external-secrets.io/v1",
        ),
    ),
    // Served CRD kinds komply has no schema for (so that "no schema" does not read as "not
    // served"): the rest of each operator's current API.
    (
        "external-secrets.io/v1",
        &[
            "ExternalSecret",
            "SecretStore",
            "ClusterSecretStore",
            "ClusterExternalSecret",
        ],
        SERVED,
    ),
    (
        "external-secrets.io/v1alpha1",
        &["PushSecret", "ClusterPushSecret"],
        SERVED,
    ),
    (
        "networking.istio.io/v1",
        &[
            "VirtualService",
            "DestinationRule",
            "Gateway",
            "ServiceEntry",
            "Sidecar",
            "WorkloadEntry",
            "WorkloadGroup",
        ],
        SERVED,
    ),
    (
        "security.istio.io/v1",
        &[
            "AuthorizationPolicy",
            "PeerAuthentication",
            "RequestAuthentication",
        ],
        SERVED,
    ),
    (
        "flagger.app/v1beta1",
        &["Canary", "MetricTemplate", "AlertProvider"],
        SERVED,
    ),
    (
        "argoproj.io/v1alpha1",
        &[
            "Rollout",
            "AnalysisTemplate",
            "ClusterAnalysisTemplate",
            "AnalysisRun",
            "Experiment",
        ],
        SERVED,
    ),
    // Istio: v1 since 1.22 and the storage version since 1.27; v1beta1 / v1alpha3 are still
    // served and not flagged in the CRDs, but v1 is what Istio documents.
    (
        "networking.istio.io/v1beta1",
        &[],
        deprecated("networking.istio.io/v1"),
    ),
    (
        "networking.istio.io/v1alpha3",
        &[],
        deprecated("networking.istio.io/v1"),
    ),
    (
        "security.istio.io/v1beta1",
        &[],
        deprecated("security.istio.io/v1"),
    ),
];

/// Whether `api_version` + `kind` is served, deprecated, removed, or unknown to komply.
pub fn api_version_status(api_version: &str, kind: &str) -> ApiStatus {
    for (version, kinds, status) in TABLE {
        if *version == api_version && (kinds.is_empty() || kinds.contains(&kind)) {
            return status.clone();
        }
    }
    if schemas::known_kinds().any(|(v, k)| v == api_version && k == kind) {
        return ApiStatus::Served;
    }
    ApiStatus::Unknown
}
