//! JSON: the report as one document (schema `schemas/lint-report.schema.json`, `komply schema
//! lint-report`), its findings written as they are made.

use serde::Serialize;
use serde_json::{Value, json};

use super::{Lazy, Report, location};
use crate::diag::Severity;

#[derive(Serialize)]
pub(super) struct JsonDoc<'a> {
    version: u32,
    files: &'a [String],
    findings: Lazy<'a>,
    summary: Value,
}

pub(super) fn json_report(report: &Report) -> JsonDoc<'_> {
    let findings = Lazy(Box::new(move || {
        Box::new(report.findings.iter().map(move |f| {
            let obj = f.object.and_then(|i| report.object_summary(i));
            let loc = location(f);
            json!({
                "rule": f.rule.id.code(),
                "name": f.rule.id.name(),
                "family": f.rule.family.as_str(),
                "severity": f.severity.as_str(),
                "message": f.message,
                "file": loc.as_ref().map(|l| l.0.clone()),
                "line": loc.as_ref().map(|l| l.1),
                "column": loc.as_ref().map(|l| l.2),
                "object": obj.map(|o| json!({
                    "apiVersion": o.api_version,
                    "kind": o.kind,
                    "namespace": o.namespace,
                    "name": o.name,
                })),
                "container": f.container,
                "suppressed": f.suppressed.is_some(),
                "suppressionReason": f.suppressed,
            })
        }))
    }));
    JsonDoc {
        version: 1,
        files: &report.files,
        findings,
        summary: json!({
            "files": report.files.len(),
            "errors": report.count(Severity::Error),
            "warnings": report.count(Severity::Warning),
            "info": report.count(Severity::Info),
            "suppressed": report.suppressed(),
        }),
    }
}
