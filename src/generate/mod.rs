//! Generate: a resolved Compose project → Kubernetes objects, secure by default.
