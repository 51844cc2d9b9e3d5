//! Lint: rules over Kubernetes objects, with precise locations, suppression and output formats.
