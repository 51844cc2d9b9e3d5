//! Validate: JSON Schema validation (Compose spec, strict Kubernetes 1.37, CRDs) with errors
//! mapped back to `file:line:col`.
