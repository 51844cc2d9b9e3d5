//! The baseline checks (pod-security-admission `policy/check_*.go`, level baseline). Each takes
//! the pod and returns the admission's reason and detail when the pod fails it. The versioned
//! variants (which check runs at which policy version) are listed in `registry.rs`.

use std::collections::BTreeSet;

use super::pod::{Container, ContainerList, Pod, int, item_text, items, obj, opt_bool, text};
use super::registry::Failure;
use super::text::{containers_phrase, go_quote, join_quote, plural};

/// `pod` / `container(s) "a"` / `pod and container(s) "a"`: who set a forbidden value.
pub(crate) fn setters(pod: bool, containers: &[&str]) -> String {
    let mut parts = Vec::new();
    if pod {
        parts.push("pod".to_string());
    }
    if !containers.is_empty() {
        parts.push(containers_phrase(containers));
    }
    parts.join(" and ")
}

/// `privileged`: no container sets `securityContext.privileged: true`.
pub(crate) fn privileged(p: &Pod) -> Option<Failure> {
    let mut bad = Vec::new();
    let mut fields = Vec::new();
    for c in &p.containers {
        if c.sc().and_then(|sc| opt_bool(sc, "privileged")) == Some(true) {
            bad.push(c.name);
            fields.push(c.sc_path("privileged"));
        }
    }
    (!bad.is_empty()).then(|| Failure {
        reason: "privileged".into(),
        detail: format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&bad)
        ),
        fields,
    })
}

/// `hostNamespaces`: `hostNetwork`, `hostPID`, `hostIPC` unset or false.
pub(crate) fn host_namespaces(p: &Pod) -> Option<Failure> {
    let mut set = Vec::new();
    let mut fields = Vec::new();
    for key in ["hostNetwork", "hostPID", "hostIPC"] {
        if super::pod::flag(p.spec, key) {
            set.push(format!("{key}=true"));
            fields.push(p.spec_path(key));
        }
    }
    (!set.is_empty()).then(|| Failure {
        reason: "host namespaces".into(),
        detail: set.join(", "),
        fields,
    })
}

/// `hostPathVolumes`: no `hostPath` volume.
pub(crate) fn host_path_volumes(p: &Pod) -> Option<Failure> {
    let mut bad = Vec::new();
    let mut fields = Vec::new();
    for (i, v) in items(p.spec, "volumes").iter().enumerate() {
        if obj(v, "hostPath").is_some() {
            bad.push(text(v, "name"));
            fields.push(p.spec_path("volumes").index(i).key("hostPath"));
        }
    }
    (!bad.is_empty()).then(|| Failure {
        reason: "hostPath volumes".into(),
        detail: format!(
            "{} {}",
            plural("volume", "volumes", bad.len()),
            join_quote(&bad)
        ),
        fields,
    })
}

/// The `hostPort` of a container port as the admission sees it (after the API server's
/// host-network defaulting, when it applies to this pod).
fn host_port(p: &Pod, c: &Container, port: &serde_json::Value) -> i64 {
    let declared = int(port, "hostPort").unwrap_or(0);
    let defaulted = p.prep.host_network_ports
        && c.list != ContainerList::Ephemeral
        && super::pod::flag(p.spec, "hostNetwork");
    if declared == 0 && defaulted {
        return int(port, "containerPort").unwrap_or(0);
    }
    declared
}

/// `hostPorts`: no container port with a non-zero `hostPort`. Ports are listed as a sorted
/// set of strings (so `10000` sorts before `443`).
pub(crate) fn host_ports(p: &Pod) -> Option<Failure> {
    let mut bad = Vec::new();
    let mut ports = BTreeSet::new();
    let mut fields = Vec::new();
    for c in &p.containers {
        let mut valid = true;
        for (j, port) in items(c.value, "ports").iter().enumerate() {
            let hp = host_port(p, c, port);
            if hp != 0 {
                valid = false;
                ports.insert(hp.to_string());
                fields.push(c.path.key("ports").index(j).key("hostPort"));
            }
        }
        if !valid {
            bad.push(c.name);
        }
    }
    (!bad.is_empty()).then(|| Failure {
        reason: "hostPort".into(),
        detail: format!(
            "{} {} {} {}",
            containers_phrase(&bad),
            plural("uses", "use", bad.len()),
            plural("hostPort", "hostPorts", ports.len()),
            ports.into_iter().collect::<Vec<_>>().join(", ")
        ),
        fields,
    })
}

/// Capabilities a baseline container may add.
const BASELINE_CAPABILITIES: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// `capabilities_baseline`: `capabilities.add` only names the default set (exact spelling).
pub(crate) fn capabilities_baseline(p: &Pod) -> Option<Failure> {
    let mut bad = Vec::new();
    let mut caps = BTreeSet::new();
    let mut fields = Vec::new();
    for c in &p.containers {
        let Some(capabilities) = c.sc().and_then(|sc| obj(sc, "capabilities")) else {
            continue;
        };
        let mut valid = true;
        for (k, cap) in items(capabilities, "add").iter().enumerate() {
            let cap = item_text(cap);
            if !BASELINE_CAPABILITIES.contains(&cap) {
                valid = false;
                caps.insert(cap);
                fields.push(c.sc_path("capabilities").key("add").index(k));
            }
        }
        if !valid {
            bad.push(c.name);
        }
    }
    (!bad.is_empty()).then(|| Failure {
        reason: "non-default capabilities".into(),
        detail: format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&bad),
            join_quote(&caps.into_iter().collect::<Vec<_>>())
        ),
        fields,
    })
}

const APPARMOR_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

/// An AppArmor profile `type` the baseline allows.
fn apparmor_type_allowed(t: &str) -> bool {
    t == "RuntimeDefault" || t == "Localhost"
}

/// The profile type the admission sees for a container without an `appArmorProfile` field:
/// `Unconfined` when the API server copied an `unconfined` annotation to the field (see
/// `Preparation::apparmor_annotations_to_fields`). Other annotation values become allowed types
/// or are not copied, so they never change the result.
fn synced_unconfined(p: &Pod, c: &Container) -> bool {
    if !p.prep.apparmor_annotations_to_fields || p.is_windows() {
        return false;
    }
    let key = format!("{APPARMOR_ANNOTATION_PREFIX}{}", c.name);
    if p.annotation(&key) != Some("unconfined") {
        return false;
    }
    // Not copied when equal to the pod's own profile ({type: Unconfined}).
    let pod_profile = p.sc().and_then(|sc| obj(sc, "appArmorProfile"));
    !pod_profile.is_some_and(|pp| {
        text(pp, "type") == "Unconfined" && super::pod::opt_text(pp, "localhostProfile").is_none()
    })
}

/// `appArmorProfile`: pod and container `appArmorProfile.type` are `RuntimeDefault` or
/// `Localhost` when set; `container.apparmor.security.beta.kubernetes.io/*` annotations are
/// empty, `runtime/default` or `localhost/*`.
pub(crate) fn app_armor(p: &Pod) -> Option<Failure> {
    let mut setters = Vec::new();
    let mut bad_types = BTreeSet::new();
    let mut fields = Vec::new();
    if let Some(profile) = p.sc().and_then(|sc| obj(sc, "appArmorProfile")) {
        let t = text(profile, "type");
        if !apparmor_type_allowed(t) {
            setters.push("pod".to_string());
            bad_types.insert(t.to_string());
            fields.push(p.sc_path("appArmorProfile").key("type"));
        }
    }
    let mut bad = Vec::new();
    for c in &p.containers {
        match c.sc().and_then(|sc| obj(sc, "appArmorProfile")) {
            Some(profile) => {
                let t = text(profile, "type");
                if !apparmor_type_allowed(t) {
                    bad.push(c.name);
                    bad_types.insert(t.to_string());
                    fields.push(c.sc_path("appArmorProfile").key("type"));
                }
            }
            None if synced_unconfined(p, c) => {
                bad.push(c.name);
                bad_types.insert("Unconfined".to_string());
            }
            None => {}
        }
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    let mut annotations = Vec::new();
    for (k, v) in p.annotations() {
        let allowed = v.is_empty() || v == "runtime/default" || v.starts_with("localhost/");
        if k.starts_with(APPARMOR_ANNOTATION_PREFIX) && !allowed {
            annotations.push(format!("{k}={}", go_quote(v)));
            fields.push(p.annotation_path(k));
        }
    }
    annotations.sort();
    if !annotations.is_empty() {
        setters.push(plural("annotation", "annotations", annotations.len()).to_string());
    }
    if setters.is_empty() {
        return None;
    }
    let mut values: Vec<String> = bad_types.into_iter().collect();
    values.extend(annotations);
    Some(Failure {
        reason: plural(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            values.len(),
        )
        .into(),
        detail: format!(
            "{} must not set AppArmor profile type to {}",
            setters.join(" and "),
            join_quote(&values)
        ),
        fields,
    })
}

/// `procMount` (baseline v1.0, and restricted's `procMount_restricted`): no container sets
/// `securityContext.procMount` to anything but `Default`.
pub(crate) fn proc_mount(p: &Pod) -> Option<Failure> {
    let mut bad = Vec::new();
    let mut types = BTreeSet::new();
    let mut fields = Vec::new();
    for c in &p.containers {
        let Some(pm) = c.sc().and_then(|sc| super::pod::opt_text(sc, "procMount")) else {
            continue;
        };
        if pm != "Default" {
            bad.push(c.name);
            types.insert(pm);
            fields.push(c.sc_path("procMount"));
        }
    }
    (!bad.is_empty()).then(|| Failure {
        reason: "procMount".into(),
        detail: format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&bad),
            join_quote(&types.into_iter().collect::<Vec<_>>())
        ),
        fields,
    })
}

/// `procMount` from v1.35: any value is allowed in a user namespace (`hostUsers: false`).
pub(crate) fn proc_mount_1_35(p: &Pod) -> Option<Failure> {
    if p.in_user_namespace() {
        return None;
    }
    proc_mount(p)
}

/// What one set of `seLinuxOptions` got wrong.
#[derive(Default)]
struct SeLinuxFindings<'a> {
    types: BTreeSet<&'a str>,
    user: bool,
    role: bool,
}

/// Records what is wrong in `opts` (at `path`); true when something is.
fn selinux_bad<'a>(
    opts: &'a serde_json::Value,
    path: &super::path::FieldPath,
    allowed: &[&str],
    found: &mut SeLinuxFindings<'a>,
    fields: &mut Vec<super::path::FieldPath>,
) -> bool {
    let mut bad = false;
    let t = text(opts, "type");
    if !allowed.contains(&t) {
        found.types.insert(t);
        fields.push(path.key("type"));
        bad = true;
    }
    if !text(opts, "user").is_empty() {
        found.user = true;
        fields.push(path.key("user"));
        bad = true;
    }
    if !text(opts, "role").is_empty() {
        found.role = true;
        fields.push(path.key("role"));
        bad = true;
    }
    bad
}

/// `seLinuxOptions`: `type` empty or one of `allowed`; `user` and `role` empty.
fn selinux(p: &Pod, allowed: &[&str]) -> Option<Failure> {
    let mut found = SeLinuxFindings::default();
    let mut fields = Vec::new();
    let pod_path = p.sc_path("seLinuxOptions");
    let pod_bad = p
        .sc()
        .and_then(|sc| obj(sc, "seLinuxOptions"))
        .is_some_and(|o| selinux_bad(o, &pod_path, allowed, &mut found, &mut fields));
    let mut bad = Vec::new();
    for c in &p.containers {
        let path = c.sc_path("seLinuxOptions");
        if let Some(o) = c.sc().and_then(|sc| obj(sc, "seLinuxOptions"))
            && selinux_bad(o, &path, allowed, &mut found, &mut fields)
        {
            bad.push(c.name);
        }
    }
    if !pod_bad && bad.is_empty() {
        return None;
    }
    let mut data = Vec::new();
    if !found.types.is_empty() {
        let types: Vec<&str> = found.types.into_iter().collect();
        data.push(format!(
            "{} {}",
            plural("type", "types", types.len()),
            join_quote(&types)
        ));
    }
    if found.user {
        data.push("user may not be set".to_string());
    }
    if found.role {
        data.push("role may not be set".to_string());
    }
    Some(Failure {
        reason: "seLinuxOptions".into(),
        detail: format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters(pod_bad, &bad),
            data.join("; ")
        ),
        fields,
    })
}

/// `seLinuxOptions` v1.0.
pub(crate) fn selinux_1_0(p: &Pod) -> Option<Failure> {
    selinux(
        p,
        &["", "container_t", "container_init_t", "container_kvm_t"],
    )
}

/// `seLinuxOptions` from v1.31: `container_engine_t` allowed too.
pub(crate) fn selinux_1_31(p: &Pod) -> Option<Failure> {
    selinux(
        p,
        &[
            "",
            "container_t",
            "container_init_t",
            "container_kvm_t",
            "container_engine_t",
        ],
    )
}

const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// `seccompProfile_baseline` v1.0–v1.18: the alpha seccomp annotations (pod, and each
/// container's by name) are `runtime/default`, `docker/default` or `localhost/*`.
pub(crate) fn seccomp_baseline_1_0(p: &Pod) -> Option<Failure> {
    let valid =
        |v: &str| v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/");
    let mut forbidden = BTreeSet::new();
    let mut fields = Vec::new();
    let mut keys = vec![SECCOMP_POD_ANNOTATION.to_string()];
    keys.extend(
        p.containers
            .iter()
            .map(|c| format!("{SECCOMP_CONTAINER_PREFIX}{}", c.name)),
    );
    for key in keys {
        if let Some(v) = p.annotation(&key)
            && !valid(v)
            && forbidden.insert(format!("{key}={}", go_quote(v)))
        {
            fields.push(p.annotation_path(&key));
        }
    }
    (!forbidden.is_empty()).then(|| Failure {
        reason: "seccompProfile".into(),
        detail: format!(
            "forbidden {} {}",
            plural("annotation", "annotations", forbidden.len()),
            forbidden.into_iter().collect::<Vec<_>>().join(", ")
        ),
        fields,
    })
}

/// A seccomp profile type both levels allow.
pub(crate) fn seccomp_type_valid(t: &str) -> bool {
    t == "RuntimeDefault" || t == "Localhost"
}

/// `seccompProfile_baseline` from v1.19: pod and container `seccompProfile.type` are
/// `RuntimeDefault` or `Localhost` when set.
pub(crate) fn seccomp_baseline_1_19(p: &Pod) -> Option<Failure> {
    let mut values = BTreeSet::new();
    let mut fields = Vec::new();
    let mut pod_bad = false;
    if let Some(profile) = p.sc().and_then(|sc| obj(sc, "seccompProfile")) {
        let t = text(profile, "type");
        if !seccomp_type_valid(t) {
            pod_bad = true;
            values.insert(t);
            fields.push(p.sc_path("seccompProfile").key("type"));
        }
    }
    let mut bad = Vec::new();
    for c in &p.containers {
        if let Some(profile) = c.sc().and_then(|sc| obj(sc, "seccompProfile")) {
            let t = text(profile, "type");
            if !seccomp_type_valid(t) {
                bad.push(c.name);
                values.insert(t);
                fields.push(c.sc_path("seccompProfile").key("type"));
            }
        }
    }
    if !pod_bad && bad.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "seccompProfile".into(),
        detail: format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters(pod_bad, &bad),
            join_quote(&values.into_iter().collect::<Vec<_>>())
        ),
        fields,
    })
}

/// Sysctls allowed from v1.0, and those added at v1.27, v1.29, v1.32 and v1.37.
const SYSCTLS: [(u32, &str); 14] = [
    (0, "kernel.shm_rmid_forced"),
    (0, "net.ipv4.ip_local_port_range"),
    (0, "net.ipv4.tcp_syncookies"),
    (0, "net.ipv4.ping_group_range"),
    (0, "net.ipv4.ip_unprivileged_port_start"),
    (27, "net.ipv4.ip_local_reserved_ports"),
    (29, "net.ipv4.tcp_keepalive_time"),
    (29, "net.ipv4.tcp_fin_timeout"),
    (29, "net.ipv4.tcp_keepalive_intvl"),
    (29, "net.ipv4.tcp_keepalive_probes"),
    (32, "net.ipv4.tcp_rmem"),
    (32, "net.ipv4.tcp_wmem"),
    (37, "net.ipv4.tcp_slow_start_after_idle"),
    (37, "net.ipv4.tcp_notsent_lowat"),
];

/// `sysctls` with the allowed set of policy version `minor`: forbidden names listed in spec
/// order, repeats kept.
fn sysctls(p: &Pod, minor: u32) -> Option<Failure> {
    let sc = p.sc()?;
    let mut bad = Vec::new();
    let mut fields = Vec::new();
    for (i, s) in items(sc, "sysctls").iter().enumerate() {
        let name = text(s, "name");
        if !SYSCTLS.iter().any(|&(m, n)| m <= minor && n == name) {
            bad.push(name);
            fields.push(p.sc_path("sysctls").index(i).key("name"));
        }
    }
    (!bad.is_empty()).then(|| Failure {
        reason: "forbidden sysctls".into(),
        detail: bad.join(", "),
        fields,
    })
}

pub(crate) fn sysctls_1_0(p: &Pod) -> Option<Failure> {
    sysctls(p, 0)
}

pub(crate) fn sysctls_1_27(p: &Pod) -> Option<Failure> {
    sysctls(p, 27)
}

pub(crate) fn sysctls_1_29(p: &Pod) -> Option<Failure> {
    sysctls(p, 29)
}

pub(crate) fn sysctls_1_32(p: &Pod) -> Option<Failure> {
    sysctls(p, 32)
}

pub(crate) fn sysctls_1_37(p: &Pod) -> Option<Failure> {
    sysctls(p, 37)
}

/// `windowsHostProcess`: pod and containers leave `windowsOptions.hostProcess` unset or false.
pub(crate) fn windows_host_process(p: &Pod) -> Option<Failure> {
    let host_process =
        |sc: &serde_json::Value| obj(sc, "windowsOptions").and_then(|w| opt_bool(w, "hostProcess"));
    let mut fields = Vec::new();
    let mut bad = Vec::new();
    for c in &p.containers {
        if c.sc().and_then(host_process) == Some(true) {
            bad.push(c.name);
            fields.push(c.sc_path("windowsOptions").key("hostProcess"));
        }
    }
    let pod_bad = p.sc().and_then(host_process) == Some(true);
    if pod_bad {
        fields.insert(0, p.sc_path("windowsOptions").key("hostProcess"));
    }
    if !pod_bad && bad.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "hostProcess".into(),
        detail: format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters(pod_bad, &bad)
        ),
        fields,
    })
}

/// Hosts named by an `httpGet` or `tcpSocket` handler (a probe or a lifecycle hook), with
/// their paths.
fn handler_hosts<'a>(
    handler: &'a serde_json::Value,
    path: &super::path::FieldPath,
    out: &mut Vec<(&'a str, super::path::FieldPath)>,
) {
    for kind in ["httpGet", "tcpSocket"] {
        if let Some(action) = obj(handler, kind) {
            let host = text(action, "host");
            if !host.is_empty() {
                out.push((host, path.key(kind).key("host")));
            }
        }
    }
}

/// `hostProbesAndHostLifecycle` (v1.34): probes and lifecycle handlers name no `host`.
/// Containers and hosts are both listed as sorted sets.
pub(crate) fn host_probes_and_lifecycle(p: &Pod) -> Option<Failure> {
    let mut bad = BTreeSet::new();
    let mut hosts = BTreeSet::new();
    let mut fields = Vec::new();
    for c in &p.containers {
        let mut found = Vec::new();
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            if let Some(h) = obj(c.value, probe) {
                handler_hosts(h, &c.path.key(probe), &mut found);
            }
        }
        if let Some(lifecycle) = obj(c.value, "lifecycle") {
            for hook in ["postStart", "preStop"] {
                if let Some(h) = obj(lifecycle, hook) {
                    handler_hosts(h, &c.path.key("lifecycle").key(hook), &mut found);
                }
            }
        }
        if !found.is_empty() {
            bad.insert(c.name);
        }
        for (host, path) in found {
            hosts.insert(host);
            fields.push(path);
        }
    }
    if bad.is_empty() {
        return None;
    }
    let bad: Vec<&str> = bad.into_iter().collect();
    let hosts: Vec<&str> = hosts.into_iter().collect();
    Some(Failure {
        reason: "probe or lifecycle host".into(),
        detail: format!(
            "{} {} {} {}",
            containers_phrase(&bad),
            plural("uses", "use", bad.len()),
            plural(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            join_quote(&hosts)
        ),
        fields,
    })
}
