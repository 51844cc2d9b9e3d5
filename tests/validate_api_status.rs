//! Served / deprecated / removed apiVersions.

use komply::validate::{ApiStatus, api_version_status};

fn removed(since: &'static str, replacement: &'static str) -> ApiStatus {
    ApiStatus::Removed { since, replacement }
}

#[test]
fn removed_kubernetes_apis_name_the_release_and_the_replacement() {
    let table = [
        (
            "extensions/v1beta1",
            "Deployment",
            removed("Kubernetes 1.16", "apps/v1"),
        ),
        (
            "apps/v1beta2",
            "StatefulSet",
            removed("Kubernetes 1.16", "apps/v1"),
        ),
        (
            "extensions/v1beta1",
            "Ingress",
            removed("Kubernetes 1.22", "networking.k8s.io/v1"),
        ),
        (
            "networking.k8s.io/v1beta1",
            "Ingress",
            removed("Kubernetes 1.22", "networking.k8s.io/v1"),
        ),
        (
            "rbac.authorization.k8s.io/v1beta1",
            "ClusterRole",
            removed("Kubernetes 1.22", "rbac.authorization.k8s.io/v1"),
        ),
        (
            "policy/v1beta1",
            "PodDisruptionBudget",
            removed("Kubernetes 1.25", "policy/v1"),
        ),
        (
            "batch/v1beta1",
            "CronJob",
            removed("Kubernetes 1.25", "batch/v1"),
        ),
        (
            "autoscaling/v2beta1",
            "HorizontalPodAutoscaler",
            removed("Kubernetes 1.25", "autoscaling/v2"),
        ),
        (
            "autoscaling/v2beta2",
            "HorizontalPodAutoscaler",
            removed("Kubernetes 1.26", "autoscaling/v2"),
        ),
        (
            "flowcontrol.apiserver.k8s.io/v1beta3",
            "FlowSchema",
            removed("Kubernetes 1.32", "flowcontrol.apiserver.k8s.io/v1"),
        ),
    ];
    for (api_version, kind, want) in table {
        assert_eq!(
            api_version_status(api_version, kind),
            want,
            "{api_version} {kind}"
        );
    }
}

#[test]
fn external_secrets_v1beta1_is_no_longer_served() {
    for kind in ["ExternalSecret", "SecretStore", "ClusterSecretStore"] {
        assert_eq!(
            api_version_status("external-secrets.io/v1beta1", kind),
            removed(
                "External Secrets Operator v0.17.0",
                "external-secrets.io/v1"
            )
        );
    }
    assert_eq!(
        api_version_status("external-secrets.io/v1", "ExternalSecret"),
        ApiStatus::Served
    );
}

#[test]
fn istio_pre_v1_versions_are_deprecated_in_favour_of_v1() {
    for v in [
        "networking.istio.io/v1beta1",
        "networking.istio.io/v1alpha3",
    ] {
        assert_eq!(
            api_version_status(v, "VirtualService"),
            ApiStatus::Deprecated {
                replacement: "networking.istio.io/v1"
            }
        );
    }
    assert_eq!(
        api_version_status("networking.istio.io/v1", "DestinationRule"),
        ApiStatus::Served
    );
}

#[test]
fn current_apis_are_served_and_strangers_unknown() {
    for (v, k) in [
        ("apps/v1", "Deployment"),
        ("v1", "Service"),
        ("batch/v1", "CronJob"),
        ("policy/v1", "PodDisruptionBudget"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
        ("networking.k8s.io/v1", "Ingress"),
        ("flagger.app/v1beta1", "Canary"),
        ("argoproj.io/v1alpha1", "Rollout"),
    ] {
        assert_eq!(api_version_status(v, k), ApiStatus::Served, "{v} {k}");
    }
    assert_eq!(
        api_version_status("example.com/v1", "Widget"),
        ApiStatus::Unknown
    );
    // A removed version of one kind says nothing about another kind of the same group.
    assert_eq!(
        api_version_status("policy/v1beta1", "Eviction"),
        ApiStatus::Unknown
    );
}

#[test]
fn deprecated_but_served_kinds() {
    assert!(matches!(
        api_version_status("v1", "Endpoints"),
        ApiStatus::Deprecated { .. }
    ));
}
