//! Services left out by inactive profiles (compose-go `WithProfiles`).

use crate::diag::{Code, Result};
use crate::yaml::Node;

use super::fail;
use crate::compose::tree::key_str;

fn has_profile(svc: &Node, active: &[String]) -> bool {
    let Some(ps) = svc.get("profiles").and_then(|p| p.as_seq()) else {
        return true;
    };
    if ps.is_empty() {
        return true;
    }
    active
        .iter()
        .any(|a| a == "*" || ps.iter().any(|p| p.scalar_eq(a)))
}

/// Drops services whose profiles are all inactive (compose-go `WithProfiles`); remembers them so
/// a reference to one is reported as such.
/// Returns the disabled services' names.
pub fn apply_profiles(dict: &mut Node, active: &[String]) -> Result<Vec<String>> {
    let Some(services) = dict.get_mut("services").and_then(|s| s.as_map_mut()) else {
        return Ok(Vec::new());
    };
    let all = std::mem::take(services);
    let mut disabled: Vec<String> = Vec::new();
    for (k, v) in all {
        if has_profile(&v, active) {
            services.push((k, v));
        } else {
            disabled.push(key_str(&k));
        }
    }
    // A required dependency on a disabled service is an error.
    for (k, svc) in services.iter() {
        if let Some(deps) = svc.get("depends_on").and_then(|d| d.as_map()) {
            for (dk, dv) in deps {
                let dep = key_str(dk);
                let required = dv.get("required").and_then(|r| r.as_bool()).unwrap_or(true);
                if disabled.contains(&dep) && required {
                    return Err(fail(
                        format!(
                            "service {:?} depends on undefined service {dep:?}: invalid compose project",
                            key_str(k)
                        ),
                        dk.span,
                        Code::ComposeDependsOn,
                    ));
                }
            }
        }
    }
    Ok(disabled)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{error_code, node};
    use super::*;
    use serde_json::json;

    #[test]
    fn inactive_profiles_leave_services_out() {
        let project = json!({"services": {
            "web": {}, "debug": {"profiles": ["dev"]}, "all": {"profiles": []}
        }});
        let mut d = node(project.clone());
        assert_eq!(
            apply_profiles(&mut d, &[]).ok(),
            Some(vec!["debug".to_string()])
        );
        assert_eq!(
            crate::compose::tree::keys(d.get("services").unwrap()),
            ["web", "all"]
        );
        for active in ["dev", "*"] {
            let mut d = node(project.clone());
            assert_eq!(
                apply_profiles(&mut d, &[active.to_string()]).ok(),
                Some(vec![])
            );
        }
    }

    #[test]
    fn a_required_dependency_on_a_left_out_service_fails() {
        let mut d = node(json!({"services": {
            "web": {"depends_on": {"debug": {"required": true}}},
            "debug": {"profiles": ["dev"]}
        }}));
        assert_eq!(
            error_code(apply_profiles(&mut d, &[])),
            "compose/depends-on"
        );
        let mut d = node(json!({"services": {
            "web": {"depends_on": {"debug": {"required": false}}},
            "debug": {"profiles": ["dev"]}
        }}));
        assert!(apply_profiles(&mut d, &[]).is_ok());
    }
}
