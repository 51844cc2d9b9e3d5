//! Every diagnostic code komply reports, in one table: its string, its stage, a one-line summary
//! and its documentation (what it means, what to do), which `docs/diagnostics.md` is made from.
//!
//! A code is declared once, in [`codes!`] below; the enum, [`Code::ALL`], the string form and the
//! registry page all come from that declaration, so a code cannot be emitted without being
//! documented. The strings are stable: they are printed (`warning[compose/unknown-key]`), matched
//! by users' scripts and listed in the deployability report.

use std::fmt;

/// The step of komply's work that reports a code; the registry page has one section per stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    Yaml,
    Compose,
    Overlay,
    Generate,
    Secrets,
    Validate,
    LintConfig,
    Krm,
    Cli,
}

impl Stage {
    /// Every stage, in the order of the registry page (the order of a conversion).
    pub const ALL: &'static [Stage] = &[
        Stage::Yaml,
        Stage::Compose,
        Stage::Overlay,
        Stage::Generate,
        Stage::Secrets,
        Stage::Validate,
        Stage::LintConfig,
        Stage::Krm,
        Stage::Cli,
    ];

    /// The section title on the registry page.
    pub fn title(self) -> &'static str {
        match self {
            Stage::Yaml => "Reading YAML",
            Stage::Compose => "Loading the Compose project",
            Stage::Overlay => "Environments (overlays)",
            Stage::Generate => "Generating Kubernetes objects",
            Stage::Secrets => "Secrets",
            Stage::Validate => "Validating the generated objects",
            Stage::LintConfig => "Lint configuration",
            Stage::Krm => "KRM function and kustomize plugin",
            Stage::Cli => "Command line",
        }
    }

    /// One sentence under the title: when the stage runs.
    pub fn intro(self) -> &'static str {
        match self {
            Stage::Yaml => {
                "Every YAML file komply reads (compose files, overlays, `.komply.yaml`, manifests) is parsed first; a file that is not YAML stops the command."
            }
            Stage::Compose => {
                "The loader reads the project exactly as Docker Compose v2.40.3 does (`docs/compose-loader.md`): errors are the ones `docker compose config` reports, at the key or value that causes them; warnings name keys komply reads but cannot carry over."
            }
            Stage::Overlay => {
                "With `--env` or `--overlay`, the environment's layers are loaded, checked against the overlay schema and applied around generation (`docs/overlays.md`)."
            }
            Stage::Generate => {
                "The generator turns each service into Kubernetes objects (`docs/generate.md`). Its warnings say what did not carry over, or what the cluster must still provide; several feed the deployability report (`docs/deployability-report.md`)."
            }
            Stage::Secrets => {
                "Secret values never reach a ConfigMap or any output (`docs/secrets.md`); these warnings say where one was found and what komply wrote instead."
            }
            Stage::Validate => {
                "Before anything is written, every generated object is checked against the strict Kubernetes 1.37 schemas and the API server's name rules; each problem is an error at the compose key that controls the field (exit 2)."
            }
            Stage::LintConfig => {
                "`komply lint` reads `.komply.yaml` and checks it against its schema."
            }
            Stage::Krm => {
                "`komply krm` (the KRM function) and the kustomize plugin read a function config and a ResourceList, and may only read files inside the package root."
            }
            Stage::Cli => "Flags that cannot be used together.",
        }
    }

    /// The code prefixes of the stage (a code's string starts with one of them).
    pub fn prefixes(self) -> &'static [&'static str] {
        match self {
            Stage::Yaml => &["yaml"],
            Stage::Compose => &["compose/"],
            Stage::Overlay => &["overlay/"],
            Stage::Generate => &["generate/", "x-komply/"],
            Stage::Secrets => &["secrets/"],
            Stage::Validate => &["validate/"],
            Stage::LintConfig => &["lint-config/"],
            Stage::Krm => &["krm/"],
            Stage::Cli => &["usage"],
        }
    }
}

/// Declares [`Code`]: each entry is `Variant = "string", Stage, [strict,] "summary";` under its
/// doc comment. `strict` marks a warning that `--strict` turns into an error.
macro_rules! codes {
    (@strict) => { false };
    (@strict strict) => { true };
    (
        $(
            $(#[doc = $doc:literal])*
            $variant:ident = $code:literal, $stage:ident, $($strict:ident,)? $summary:literal;
        )*
    ) => {
        /// A diagnostic code komply reports. See `docs/diagnostics.md` (generated from the docs
        /// below) for what each one means and what to do.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Code {
            /// Every code, in declaration order (by stage, then by string).
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable string form, as printed: `compose/unknown-key`.
            pub const fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The stage that reports it.
            pub const fn stage(self) -> Stage {
                match self { $(Code::$variant => Stage::$stage,)* }
            }

            /// One line: what happened.
            pub const fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }

            /// Whether `--strict` turns this warning into an error.
            pub const fn is_strict_error(self) -> bool {
                match self { $(Code::$variant => codes!(@strict $($strict)?),)* }
            }

            /// The doc comment as written (each line keeps the space after `///`).
            const fn raw_doc(self) -> &'static str {
                match self { $(Code::$variant => concat!($($doc, "\n"),*),)* }
            }
        }
    };
}

impl Code {
    /// The documentation, Markdown: what it means, then `**What to do:**`.
    pub fn doc(self) -> String {
        let mut out = String::new();
        for line in self.raw_doc().lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim().to_string()
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is no diagnostic code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode(pub String);

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a komply diagnostic code", self.0)
    }
}

impl std::error::Error for UnknownCode {}

impl std::str::FromStr for Code {
    type Err = UnknownCode;

    fn from_str(s: &str) -> Result<Code, UnknownCode> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCode(s.to_string()))
    }
}

/// Serialised as its string (`"compose/unknown-key"`), as JSON outputs print it.
impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

codes! {
    // ---- Reading YAML -------------------------------------------------------------------
    /// The file is not valid YAML, or uses YAML that the tool which will read it refuses: a
    /// syntax error, an alias to an anchor that is not defined, a duplicate key in a compose file
    /// or one of komply's own files (Docker Compose refuses it too), or an input past one of
    /// komply's budgets (alias expansion, nesting depth; `docs/hostile-inputs.md`). The message
    /// says which, at the line and column where the reader stopped.
    ///
    /// **What to do:** fix the YAML at that place; of two equal keys, keep one.
    Yaml = "yaml", Yaml, "the file is not YAML the consuming tool accepts";

    // ---- Loading the Compose project ----------------------------------------------------
    /// A string `command` / `entrypoint` cannot be split into words as Docker Compose splits it
    /// (go-shellwords): an unclosed quote, or a `(` / `)` outside quotes. Docker Compose refuses
    /// the project the same way.
    ///
    /// **What to do:** close the quote, quote the parenthesis, or write the command as a list.
    ComposeCommand = "compose/command", Compose, "a string command cannot be split into words";
    /// `container_name` is set on a service that runs more than one replica. A container name
    /// must be unique, so Docker Compose refuses the project.
    ///
    /// **What to do:** drop `container_name` (Kubernetes names pods itself), or run one replica.
    ComposeContainerName = "compose/container-name", Compose, "`container_name` on a service with several replicas";
    /// The services' `depends_on` form a cycle (`a` depends on `b`, which depends on `a`), so no
    /// service can start first. Docker Compose refuses the project.
    ///
    /// **What to do:** remove one of the dependencies of the cycle the message prints.
    ComposeDependencyCycle = "compose/dependency-cycle", Compose, "`depends_on` forms a cycle";
    /// A service depends on a service the project does not define (or one a profile left out
    /// while the dependency is `required`).
    ///
    /// **What to do:** fix the name, enable the profile that defines the service, or mark the
    /// dependency `required: false`.
    ComposeDependsOn = "compose/depends-on", Compose, "`depends_on` names a service that does not exist";
    /// The compose file holds nothing (or only comments): there is no project to read.
    ///
    /// **What to do:** give it at least a `services:` mapping.
    ComposeEmpty = "compose/empty", Compose, "the compose file is empty";
    /// An `.env`, `--env-file` or `env_file:` file cannot be used: it is missing (and
    /// `required`), outside the KRM package root, or a line is not `KEY=VALUE` (a key with
    /// blanks, a line without a name).
    ///
    /// **What to do:** create the file or fix the path, or fix the line the message points at;
    /// quote values that contain spaces.
    ComposeEnvFile = "compose/env-file", Compose, "an env file is missing or malformed";
    /// `extends` cannot be followed: it is neither a service name nor `{service, file}`, the
    /// service it names does not exist, or the file it names is missing or has no `services`.
    ///
    /// **What to do:** fix the service name or the `file:` path the message names.
    ComposeExtends = "compose/extends", Compose, "`extends` names a service or file that cannot be read";
    /// Services extend each other in a cycle; the message prints the chain.
    ///
    /// **What to do:** break the chain: a service cannot extend itself, directly or through other
    /// services.
    ComposeExtendsCycle = "compose/extends-cycle", Compose, "services `extends` each other in a cycle";
    /// `healthcheck.test` is a list whose first item is not `CMD`, `CMD-SHELL` or `NONE`, which
    /// Docker Compose refuses.
    ///
    /// **What to do:** start the list with `CMD` (run the program), `CMD-SHELL` (run it through a
    /// shell) or `NONE` (disable the image's healthcheck), or write `test` as one string.
    ComposeHealthcheck = "compose/healthcheck", Compose, "`healthcheck.test` does not start with CMD, CMD-SHELL or NONE";
    /// An `include:` entry cannot be used: `include` is not a list of paths or
    /// `{path, project_directory, env_file}`, or a file it names cannot be read.
    ///
    /// **What to do:** fix the entry or the path the message names.
    ComposeInclude = "compose/include", Compose, "an `include` entry cannot be read";
    /// An included file defines a network, volume, secret or config that the including project
    /// (or another included file) defines differently. Docker Compose refuses the conflict.
    ///
    /// **What to do:** give one of them another name, or make both definitions identical.
    ComposeIncludeConflict = "compose/include-conflict", Compose, "an included file redefines a resource differently";
    /// Files include each other in a cycle; the message prints the chain.
    ///
    /// **What to do:** remove the `include` that leads back: a file cannot include itself,
    /// directly or through the files it includes.
    ComposeIncludeCycle = "compose/include-cycle", Compose, "files `include` each other in a cycle";
    /// `${…}` cannot be expanded: a required variable (`${NAME:?message}` or `${NAME?message}`)
    /// is unset, or the syntax is not interpolation (a lone `$`, an unclosed `${`).
    ///
    /// **What to do:** set the variable (in the environment or the `.env` file) or give it a
    /// default with `${NAME:-default}`; write a literal `$` as `$$`.
    ComposeInterpolation = "compose/interpolation", Compose, "a `${…}` expression cannot be expanded";
    /// Interpolation produced more text than komply's budget allows, for one file (16 MiB) or for
    /// the whole run (32 MiB): typically a variable that doubles another one, or a large value
    /// repeated in thousands of places. The error points at the value that crossed the budget.
    ///
    /// **What to do:** expand the variables less often or make them smaller; the budgets are
    /// listed in `docs/compose-loader.md`, "Budgets".
    ComposeInterpolationBudget = "compose/interpolation-budget", Compose, "interpolation exceeded the expansion budget";
    /// A value has a shape komply cannot read although the schema accepted it (a service name
    /// that is not a string, `services` or `environment` that is not a mapping, a port number out
    /// of range, a byte size or duration that does not parse).
    ///
    /// **What to do:** write the value in the form the message asks for.
    ComposeInvalid = "compose/invalid", Compose, "a value has a shape komply cannot read";
    /// The project holds a float with no JSON form (`.inf`, `.nan`), and JSON output was asked
    /// for. `docker compose config --format json` fails the same way.
    ///
    /// **What to do:** quote the value if it is meant as a string, or use the YAML output.
    ComposeJson = "compose/json", Compose, "a value has no JSON form";
    /// A `label_file` of a service is missing, or outside the KRM package root.
    ///
    /// **What to do:** create the file or fix the path.
    ComposeLabelFile = "compose/label-file", Compose, "a `label_file` cannot be read";
    /// `-f base.yaml -f override.yaml`: the override gives a key a value of another type than the
    /// base (a list where the base has a mapping, a mapping where it has a scalar), which Docker
    /// Compose cannot merge.
    ///
    /// **What to do:** give the key the base file's type in the override, or replace the base
    /// value with `!override`.
    ComposeMerge = "compose/merge", Compose, "an override file gives a key another type than the base";
    /// `network_mode` is set together with `networks`, which excludes it, or
    /// `network_mode: service:NAME` names a service the project does not have.
    ///
    /// **What to do:** keep one of `network_mode` and `networks`; fix the service name.
    ComposeNetworkMode = "compose/network-mode", Compose, "`network_mode` conflicts with `networks` or names no service";
    /// No compose file was given, and none was found: neither `compose.yaml`, `compose.yml`,
    /// `docker-compose.yml` nor `docker-compose.yaml` in the working directory or its parents.
    ///
    /// **What to do:** pass `-f FILE`, set `COMPOSE_FILE`, or run komply in the project's
    /// directory.
    ComposeNoFile = "compose/no-file", Compose, "no compose file was found";
    /// A service has neither `image` nor `build` (nor a `provider`), so there is nothing to run.
    /// Docker Compose refuses the project.
    ///
    /// **What to do:** give the service an `image:`, or a `build:` context.
    ComposeNoImage = "compose/no-image", Compose, "a service has neither `image` nor `build`";
    /// A mapping key is not a string (a number, a boolean, `null`), which Docker Compose refuses.
    ///
    /// **What to do:** quote the key.
    ComposeNonStringKey = "compose/non-string-key", Compose, "a mapping key is not a string";
    /// The top-level `version:` key is obsolete: Docker Compose ignores it, and so does komply.
    ///
    /// **What to do:** delete the `version:` line.
    ComposeObsoleteVersion = "compose/obsolete-version", Compose, "`version` is obsolete and ignored";
    /// The project name given by `-p` or `COMPOSE_PROJECT_NAME` is not one Docker Compose
    /// accepts: only lowercase letters, digits, `-` and `_`, starting with a letter or a digit.
    ///
    /// **What to do:** pass a valid name.
    ComposeProjectName = "compose/project-name", Compose, "the project name is invalid";
    /// `scale` and `deploy.replicas` are both set, to different numbers.
    ///
    /// **What to do:** keep one of them (`deploy.replicas` is the current form).
    ComposeScaleReplicas = "compose/scale-replicas", Compose, "`scale` and `deploy.replicas` disagree";
    /// The file does not follow the Compose specification's schema: an unknown key (with "did you
    /// mean …?" when one is close), a value of the wrong type, a missing required key. The error
    /// points at the key or value.
    ///
    /// **What to do:** fix the key or value; the Compose specification lists every key.
    ComposeSchema = "compose/schema", Compose, "the file does not follow the Compose schema";
    /// A top-level secret declares neither `file`, `environment` nor `external`, so it has no
    /// value. Docker Compose refuses the project.
    ///
    /// **What to do:** say where the secret comes from: `file: ./secret.txt`,
    /// `environment: VAR`, or `external: true`.
    ComposeSecret = "compose/secret", Compose, "a secret declares neither `file` nor `environment`";
    /// A short-syntax value cannot be read: a port (`"8080:80/tcp"`), a volume (`./data:/data:ro`)
    /// or a device mapping that is not in the form Docker Compose accepts.
    ///
    /// **What to do:** fix the value, or write it in the long syntax (a mapping).
    ComposeSyntax = "compose/syntax", Compose, "a short-syntax port, volume or device cannot be read";
    /// An unquoted value reads as a YAML timestamp (`2024-01-01`) where Docker Compose does not
    /// accept one (`invalid jsonType time.Time`).
    ///
    /// **What to do:** quote it to keep it a string.
    ComposeTimestamp = "compose/timestamp", Compose, "a value reads as a timestamp";
    /// A document of the compose file is not a mapping (a list, a scalar, or an empty document
    /// after `---`).
    ///
    /// **What to do:** make every document a mapping; remove a stray `---`.
    ComposeTopLevel = "compose/top-level", Compose, "a document is not a mapping";
    /// A typed field (a number, a boolean) holds a value that cannot be read as that type, after
    /// interpolation: `replicas: "two"`.
    ///
    /// **What to do:** give the field a value of its type (the message names both).
    ComposeType = "compose/type", Compose, "a value cannot be read as its field's type";
    /// A service uses a model (`models:`) the project does not declare at the top level.
    ///
    /// **What to do:** declare it under top-level `models:`, or fix the name.
    ComposeUndefinedModel = "compose/undefined-model", Compose, "a service uses a model that is not declared";
    /// A service joins a network the project does not declare at the top level.
    ///
    /// **What to do:** declare it under top-level `networks:`, or fix the name.
    ComposeUndefinedNetwork = "compose/undefined-network", Compose, "a service joins a network that is not declared";
    /// A service uses a secret or a config the project does not declare at the top level.
    ///
    /// **What to do:** declare it under top-level `secrets:` / `configs:`, or fix the name.
    ComposeUndefinedResource = "compose/undefined-resource", Compose, "a service uses a secret or config that is not declared";
    /// A service mounts a named volume the project does not declare at the top level.
    ///
    /// **What to do:** declare it under top-level `volumes:`, fix the name, or write a path
    /// (`./data`) if a bind mount was meant.
    ComposeUndefinedVolume = "compose/undefined-volume", Compose, "a service mounts a volume that is not declared";
    /// A key that is not part of the Compose specification komply knows (a service key, a
    /// `healthcheck`, `deploy` or `resources` key, or a `kompose.*` label) is ignored.
    /// `--strict` makes it an error.
    ///
    /// **What to do:** check the spelling; extensions must start with `x-`.
    ComposeUnknownKey = "compose/unknown-key", Compose, strict, "an unknown key is ignored";
    /// `${NAME}` names a variable that is not set; like Docker Compose, komply uses an empty
    /// string (and says so once per variable).
    ///
    /// **What to do:** set the variable, or give it a default: `${NAME:-default}`.
    ComposeUnsetVariable = "compose/unset-variable", Compose, "a variable is not set; an empty string is used";
    /// A Compose key (or value, or `kompose.*` label) that komply reads but that has no meaning in
    /// Kubernetes in komply's mapping is ignored, or carried over only in part; the message says
    /// which, and `help:` what to use instead. `--strict` makes it an error.
    ///
    /// **What to do:** drop the key, or get the behaviour another way (the help names it: an
    /// overlay patch, a NetworkPolicy, node settings); `docs/generate.md` lists every key.
    ComposeUnsupportedKey = "compose/unsupported-key", Compose, strict, "a key has no Kubernetes meaning and is ignored";
    /// A YAML 1.1 boolean (`yes`, `no`, `on`, `off`) is read as a boolean, as Docker Compose does,
    /// but YAML 1.2 readers read it as a string.
    ///
    /// **What to do:** write `true` or `false`.
    ComposeYaml11Bool = "compose/yaml11-bool", Compose, "a YAML 1.1 boolean (`yes`, `on`…)";

    // ---- Environments (overlays) --------------------------------------------------------
    /// `autoscale.max` is below the service's minimum number of replicas (`autoscale.min`, which
    /// defaults to the service's replicas).
    ///
    /// **What to do:** raise `autoscale.max`, or set `autoscale.min`.
    OverlayAutoscaleRange = "overlay/autoscale-range", Overlay, "autoscale `max` is below the minimum";
    /// An overlay file holds several YAML documents; an overlay is one document.
    ///
    /// **What to do:** merge the documents into one, or split them into overlays that `extends`
    /// each other.
    OverlayDocuments = "overlay/documents", Overlay, "an overlay file holds several documents";
    /// Overlays `extends` each other in a cycle; the message prints the chain.
    ///
    /// **What to do:** remove the `extends` that leads back.
    OverlayExtendsCycle = "overlay/extends-cycle", Overlay, "overlays `extends` each other in a cycle";
    /// The merged overlay passed the schema but cannot be read: a bug in komply.
    ///
    /// **What to do:** please report it with the overlay; the message says where.
    OverlayInvalid = "overlay/invalid", Overlay, "the merged overlay cannot be read (a komply bug)";
    /// With the overlay applied, a generated object is no longer valid Kubernetes (a resource
    /// figure, probe or security context the API server refuses).
    ///
    /// **What to do:** fix the overlay setting the error points at.
    OverlayInvalidResult = "overlay/invalid-result", Overlay, "with the overlay, an object is not valid";
    /// The environment's default memory limit is below what the service's image is known to need
    /// (a JVM heap's floor); the service gets the image's figure instead.
    ///
    /// **What to do:** nothing, if the figure suits; otherwise set
    /// `services.NAME.resources.limits.memory`.
    OverlayMemoryFloor = "overlay/memory-floor", Overlay, "the default memory limit is raised to the image's need";
    /// A flat default memory limit applies to services whose memory needs komply does not know; a
    /// process that needs more is OOM-killed. Listed in the deployability report.
    ///
    /// **What to do:** give a service that needs more its own limit:
    /// `deploy.resources.limits.memory` in the compose file, or
    /// `services.NAME.resources.limits.memory` in the overlay.
    OverlayMemoryUnknown = "overlay/memory-unknown", Overlay, "a default memory limit applies to services of unknown need";
    /// A JSON Patch operation of `patches:` failed on its target: a `test` that does not hold, a
    /// path that does not exist, a value moved inside itself.
    ///
    /// **What to do:** fix the operation's `path` (JSON Pointer into the generated object; `komply
    /// convert` prints the objects).
    OverlayPatchFailed = "overlay/patch-failed", Overlay, "a JSON Patch operation failed";
    /// After a patch, the object is not valid Kubernetes (schema or name rules).
    ///
    /// **What to do:** fix the patch so the result is a valid object.
    OverlayPatchInvalid = "overlay/patch-invalid", Overlay, "after a patch, the object is not valid";
    /// A patch `target` matches no generated object, or its `labelSelector` cannot be parsed. The
    /// help lists the objects of the kind asked for.
    ///
    /// **What to do:** fix the target's kind, name or selector.
    OverlayPatchTarget = "overlay/patch-target", Overlay, "a patch target matches nothing";
    /// `secret_store.remote_key` is not a valid minijinja template, or fails when rendered.
    ///
    /// **What to do:** write a template using `env`, `project`, `service` and `key`, e.g.
    /// `{{ env }}/{{ service }}/{{ key }}`.
    OverlayRemoteKey = "overlay/remote-key", Overlay, "the secret store's `remote_key` template fails";
    /// `replicas` is set for a service that becomes a Job or CronJob; replicas apply to
    /// Deployments and StatefulSets.
    ///
    /// **What to do:** remove `replicas` for that service.
    OverlayReplicas = "overlay/replicas", Overlay, "`replicas` on a Job or CronJob";
    /// The overlay does not follow its schema (`schemas/overlay.schema.json`): an unknown key
    /// (with "did you mean …?"), a value of the wrong type.
    ///
    /// **What to do:** fix it; the format is in `docs/overlays.md`, and `komply schema overlay`
    /// prints the schema.
    OverlaySchema = "overlay/schema", Overlay, "the overlay does not follow its schema";
    /// The environment uses `secrets: generator`: no ExternalSecret is written and the pods read a
    /// Secret that nothing in the output creates. Listed in the deployability report.
    ///
    /// **What to do:** `komply migrate` writes it as a kustomize secretGenerator; or create the
    /// Secret with the `kubectl` command the help prints.
    OverlaySecretGenerator = "overlay/secret-generator", Overlay, "the pods read a Secret nothing creates";
    /// An overlay's startup probe gives up sooner than the service's healthcheck allows
    /// (`start_period` + retries × interval): a slow start is killed where Docker would have
    /// waited. Listed in the deployability report.
    ///
    /// **What to do:** raise the startup probe's failureThreshold × periodSeconds to at least the
    /// figure the help gives.
    OverlayStartupProbeShort = "overlay/startup-probe-short", Overlay, "a startup probe is shorter than the healthcheck's window";
    /// A rollout strategy cannot be applied: canary, progressive or blue-green under `defaults`,
    /// a strategy for a service that is not a Deployment or has no ports, a canary without a new
    /// version, `max_surge` and `max_unavailable` both 0. A warning when rolling-update parameters
    /// are ignored because the Deployment is recreated (it mounts a ReadWriteOnce claim).
    ///
    /// **What to do:** set the strategy per service, as the message says; `docs/overlays.md`
    /// describes each strategy.
    OverlayStrategy = "overlay/strategy", Overlay, "a rollout strategy cannot be applied";
    /// `--env NAME` names no built-in preset and no `overlays/NAME.yaml` beside the compose file,
    /// or is not an environment name (lowercase letters, digits, `-`, `_`, `.`).
    ///
    /// **What to do:** use one of the environments the help lists, or create
    /// `overlays/NAME.yaml`.
    OverlayUnknownEnv = "overlay/unknown-env", Overlay, "the environment does not exist";
    /// The overlay configures a service the project does not have (a typo, or a service renamed
    /// since).
    ///
    /// **What to do:** fix the name (the help suggests the closest one).
    OverlayUnknownService = "overlay/unknown-service", Overlay, "the overlay names a service the project does not have";

    // ---- Generating Kubernetes objects --------------------------------------------------
    /// A network alias or link name of a service is already the name of another Service, so no
    /// alias Service is made for it.
    ///
    /// **What to do:** give the alias a name no service uses, or reach the service by its own
    /// name.
    GenerateAlias = "generate/alias", Generate, "an alias is already another Service's name";
    /// An anonymous volume becomes an emptyDir: its data lives as long as the pod.
    ///
    /// **What to do:** nothing, for scratch data; for data that must survive a restart, use a
    /// named volume (it becomes a PersistentVolumeClaim).
    GenerateAnonymousVolume = "generate/anonymous-volume", Generate, "an anonymous volume becomes an emptyDir";
    /// An anonymous volume that only keeps the image's own files visible (inside a bind mount,
    /// the `.:/app` + `/app/node_modules` idiom, or over `node_modules`, `vendor`, `.venv`…) is
    /// left out: Docker fills a new anonymous volume from the image, an emptyDir would start empty
    /// and hide them.
    ///
    /// **What to do:** nothing; the image's files are what the pod sees.
    GenerateAnonymousVolumeShield = "generate/anonymous-volume-shield", Generate, "an anonymous volume over the image's files is left out";
    /// A bind mount (a host path) was not carried over as files: it is left out (a socket, a
    /// development mount of the code, a missing, unreadable, binary or oversized file), or it
    /// became storage that starts empty (a data directory). komply decides each bind mount from
    /// what the path holds (`docs/generate.md`, "Bind mounts"). Listed in the deployability
    /// report.
    ///
    /// **What to do:** what the help says: ship the files in the image or as a Compose `configs:`
    /// entry, or restore the data into the claim after the first deployment.
    GenerateBindMount = "generate/bind-mount", Generate, "a bind mount is left out or becomes empty storage";
    /// An environment variable names a volume's mount point as the data directory, which a fresh
    /// volume cannot initialise (its root is not owned by the container's user and holds
    /// `lost+found`). Listed in the deployability report.
    ///
    /// **What to do:** point the variable at a subdirectory, as the help shows.
    GenerateDataDir = "generate/data-dir", Generate, "a data directory is a volume's root";
    /// `group_add` names a group; only numeric groups can be added to a pod's supplemental
    /// groups.
    ///
    /// **What to do:** give the group's number.
    GenerateGroupName = "generate/group-name", Generate, "`group_add` names a group instead of a number";
    /// `x-komply` asks for autoscaling on a service that becomes a Job or CronJob; only
    /// Deployments and StatefulSets can autoscale.
    ///
    /// **What to do:** remove the autoscaling settings of that service.
    GenerateHpaTarget = "generate/hpa-target", Generate, "autoscaling on a Job or CronJob";
    /// Autoscaling on CPU or memory utilization needs a request
    /// (`deploy.resources.reservations`); without it the HorizontalPodAutoscaler cannot compute
    /// utilization.
    ///
    /// **What to do:** set `deploy.resources.reservations.cpus` / `.memory`.
    GenerateHpaWithoutRequests = "generate/hpa-without-requests", Generate, "autoscaling without a resource request";
    /// The image needs root to start, and the pod keeps `runAsNonRoot: true`, so it will not
    /// start. Listed in the deployability report.
    ///
    /// **What to do:** use the image's non-root variant (the help names it), or accept root with
    /// `user: root` (`komply lint` reports it).
    GenerateImageNeedsRoot = "generate/image-needs-root", Generate, "the image needs root and will not start";
    /// The service's Dockerfile ends with `USER root` (or uid 0); the pod keeps `runAsNonRoot:
    /// true` and the kubelet will refuse to start it. Listed in the deployability report.
    ///
    /// **What to do:** end the Dockerfile with a non-root `USER 10001:10001`, or set `user:` on
    /// the service.
    GenerateImageRunsAsRoot = "generate/image-runs-as-root", Generate, "the Dockerfile's user is root";
    /// Other services connect to a container port that Compose publishes under another number;
    /// the Service listens on that port too, so both names work.
    ///
    /// **What to do:** nothing; declare the port under `expose:` to make it explicit.
    GenerateImpliedPort = "generate/implied-port", Generate, "a Service port is added for the container port clients use";
    /// A service declares no ports but is reached by others (or its image has a default port): it
    /// gets a ClusterIP Service on the ports its clients use.
    ///
    /// **What to do:** declare the ports with `expose:` to make this explicit.
    GenerateImpliedService = "generate/implied-service", Generate, "a Service is made for a service without ports";
    /// `x-komply` asks for an ingress, but the service has no TCP port it could route to.
    ///
    /// **What to do:** add `ports:`, or set the ingress `port` to one of them.
    GenerateIngressPort = "generate/ingress-port", Generate, "an ingress with no matching port";
    /// A label's key is not a valid Kubernetes annotation key (`[prefix/]name`, at most 63
    /// characters in the name), so it is left out of the pod's annotations. Docker accepts any
    /// key.
    ///
    /// **What to do:** shorten the key (or give it a `prefix/`) in an overlay `annotations:`
    /// entry if the cluster needs it.
    GenerateInvalidAnnotationKey = "generate/invalid-annotation-key", Generate, "a label key is not a valid annotation key";
    /// Two services become the same Kubernetes name (names are lowercased DNS labels: `Web` and
    /// `web`, `my_app` and `my-app`).
    ///
    /// **What to do:** rename one of them.
    GenerateNameCollision = "generate/name-collision", Generate, "two services become the same name";
    /// A `build:`-only service has no `image`; komply uses the name Compose gives the built image.
    /// Listed in the deployability report.
    ///
    /// **What to do:** build the image and push it to a registry the cluster pulls from (or set
    /// `image:`).
    GenerateNoImage = "generate/no-image", Generate, "a build-only service: its image must be pushed";
    /// A service declares no port but others reach it: it gets a headless Service, so its name
    /// resolves to its ready pods.
    ///
    /// **What to do:** add `expose: ["PORT"]` to the service for a stable ClusterIP Service.
    GenerateNoPort = "generate/no-port", Generate, "a headless Service for a service without ports";
    /// The healthcheck has no `test`, and the image's own HEALTHCHECK cannot be read, so no
    /// probes are made.
    ///
    /// **What to do:** give the healthcheck a `test`, or set probes in `x-komply`.
    GenerateNoProbeTest = "generate/no-probe-test", Generate, "a healthcheck without `test`: no probes";
    /// The service becomes a CronJob but has no schedule.
    ///
    /// **What to do:** add `x-komply: {schedule: "0 3 * * *"}`.
    GenerateNoSchedule = "generate/no-schedule", Generate, "a CronJob without a schedule";
    /// The project has no services: nothing is converted.
    ///
    /// **What to do:** check the profiles (`--profile`): services in a profile that is not
    /// enabled are left out, as Docker Compose does.
    GenerateNoServices = "generate/no-services", Generate, "the project has no services";
    /// The image checks at start that the node sets a kernel setting (such as
    /// `vm.max_map_count`), which a pod cannot set (it is not namespaced). Listed in the
    /// deployability report.
    ///
    /// **What to do:** set it on the nodes, as the help shows.
    GenerateNodeSysctl = "generate/node-sysctl", Generate, "the image needs a node-level sysctl";
    /// A generated object did not read back as a Kubernetes object (a komply bug: the typed
    /// generator made something that is not an object with a name). Nothing is written.
    ///
    /// **What to do:** report it with the compose file that causes it.
    GenerateObject = "generate/object", Generate, "a generated object is not a valid object (komply bug)";
    /// A port's name is not a valid Kubernetes port name (at most 15 lowercase letters, digits and
    /// `-`); a generated name is used.
    ///
    /// **What to do:** rename the port, or leave the generated name.
    GeneratePortName = "generate/port-name", Generate, "a port name is not valid; a generated one is used";
    /// A published port is a range or not a number; the container port is used for the Service.
    ///
    /// **What to do:** publish single ports, one entry each.
    GeneratePortRange = "generate/port-range", Generate, "a published port is not a single port";
    /// A non-root container binds a port below 1024 on the host network, where a pod cannot lower
    /// `net.ipv4.ip_unprivileged_port_start`: it will fail to bind. Listed in the deployability
    /// report.
    ///
    /// **What to do:** listen on a port of 1024 or above (or use the image's unprivileged
    /// variant), or drop `network_mode: host`.
    GeneratePrivilegedPort = "generate/privileged-port", Generate, "a port below 1024 on the host network";
    /// The healthcheck runs a file from a host path that is not carried over, so the probe fails
    /// and the pod never becomes ready. Listed in the deployability report.
    ///
    /// **What to do:** ship the script in the image (or as a Compose `configs:` entry), or change
    /// the healthcheck.
    GenerateProbeDroppedMount = "generate/probe-dropped-mount", Generate, "a probe runs a file from a left-out mount";
    /// The healthcheck reaches a host that no Service of the project provides; in the pod it does
    /// not resolve and the probe fails. Listed in the deployability report.
    ///
    /// **What to do:** probe the container itself (`localhost`), or give the host a Service.
    GenerateProbeHost = "generate/probe-host", Generate, "a probe reaches a host nothing provides";
    /// A value named a service by a name that is not a valid Kubernetes host name; it was
    /// rewritten to the service's Service name.
    ///
    /// **What to do:** nothing; rename the service in the compose file to keep both in step.
    GenerateRewrittenHost = "generate/rewritten-host", Generate, "a host name was rewritten to the Service name";
    /// A service's name (or an alias) is not a valid Kubernetes Service name (DNS-1035: lowercase
    /// letters, digits, `-`); its Service gets a valid name, and references to it are rewritten
    /// where komply can.
    ///
    /// **What to do:** rename the service to the name the help gives.
    GenerateServiceName = "generate/service-name", Generate, "a service name is not a valid Service name";
    /// Several services share a volume: they mount one ReadWriteOnce claim and are kept on one
    /// node (a required podAffinity), as they shared it under Docker.
    ///
    /// **What to do:** to spread them over nodes, patch the claim to `ReadWriteMany` with a
    /// storage class that offers it, and drop the podAffinity (overlay patches).
    GenerateSharedVolume = "generate/shared-volume", Generate, "services sharing a volume run on one node";
    /// A `depends_on` start order cannot be kept in Kubernetes: waiting for a service to complete
    /// (`service_completed_successfully`), or for a Job, which has no Service to wait for. Listed
    /// in the deployability report.
    ///
    /// **What to do:** order the Job with a Helm hook or an Argo CD sync wave, or move its work
    /// into an init container (the help says which fits).
    GenerateStartOrder = "generate/start-order", Generate, "a start order Kubernetes cannot keep";
    /// A service uses a config that is not declared under top-level `configs`.
    ///
    /// **What to do:** declare it, or fix the name.
    GenerateUndeclaredConfig = "generate/undeclared-config", Generate, "a service uses an undeclared config";
    /// A service uses a secret that is not declared under top-level `secrets`.
    ///
    /// **What to do:** declare it, or fix the name.
    GenerateUndeclaredSecret = "generate/undeclared-secret", Generate, "a service uses an undeclared secret";
    /// komply does not know which user the image runs as; the pod keeps `runAsNonRoot: true`, so
    /// the kubelet refuses to start it if the image runs as root or names its user. Listed in the
    /// deployability report.
    ///
    /// **What to do:** if it runs as a non-root user, give the numbers (`docker run --rm
    /// --entrypoint id IMAGE` prints them) as `user: "UID:GID"`, in `x-komply` or in an overlay;
    /// if it needs root, rebuild it with a non-root `USER`.
    GenerateUnknownImageUser = "generate/unknown-image-user", Generate, "the image's user is unknown";
    /// A value mentions a service by a name komply cannot rewrite: it cannot tell the mention is a
    /// host name, or it is a secret's value (komply never writes secret values). Listed in the
    /// deployability report.
    ///
    /// **What to do:** write the service's Service name (the help gives it) in the value.
    GenerateUnresolvedHost = "generate/unresolved-host", Generate, "a host name could not be rewritten";
    /// An environment variable has no value (it was unset when the project was resolved) and is
    /// left out. Listed in the deployability report.
    ///
    /// **What to do:** set the variable when converting, or give it a value in the compose file.
    GenerateUnsetEnv = "generate/unset-env", Generate, "an environment variable without a value is left out";
    /// The service's user (from `user:` or the Dockerfile's `USER`) is a name komply cannot turn
    /// into a uid; with `runAsNonRoot: true` the kubelet refuses a user it cannot verify. Listed
    /// in the deployability report.
    ///
    /// **What to do:** give the numbers: `user: "UID:GID"`, or `USER 10001:10001` in the
    /// Dockerfile.
    GenerateUserName = "generate/user-name", Generate, "the user is a name, not a uid";
    /// An `x-komply` block does not follow its schema, or with its `security_context` the
    /// generated object is not valid.
    ///
    /// **What to do:** fix the block; `komply schema x-komply` prints the schema and
    /// `docs/x-komply-reference.md` describes it.
    XKomplyInvalid = "x-komply/invalid", Generate, "an `x-komply` block is not valid";

    // ---- Secrets ------------------------------------------------------------------------
    /// A secret's value also appears outside its key (in another variable, a command, a config
    /// file, or a field an overlay or patch set). komply never writes it: the place reads the
    /// Secret, or holds a placeholder instead; the message says which.
    ///
    /// **What to do:** give each secret its own value, read it from the one variable, and keep
    /// files that hold secrets under `secrets:`.
    SecretsReused = "secrets/reused", Secrets, "a secret's value is used outside its key";
    /// A secret's value is too short, is also a name the project uses (a service, an image), or is
    /// a short word used elsewhere: komply keeps it out of the objects but cannot recognise it
    /// everywhere else it appears.
    ///
    /// **What to do:** use a long random value, and keep it in the secret store, not in the
    /// compose file.
    SecretsWeak = "secrets/weak", Secrets, "a secret's value is too weak to hide everywhere";

    // ---- Validating the generated objects -----------------------------------------------
    /// Two services (or a service and an overlay resource) make the same object (the same kind,
    /// namespace and name).
    ///
    /// **What to do:** rename one of the services (or the overlay resource).
    ValidateDuplicateObject = "validate/duplicate-object", Validate, "the same object is generated twice";
    /// A name the API server would refuse although the schemas accept any string: a namespace,
    /// object name, label or annotation key or value, or Ingress host.
    ///
    /// **What to do:** fix the compose key the error points at (a service name, a label, an
    /// `x-komply` host).
    ValidateName = "validate/name", Validate, "a generated name the API server would refuse";
    /// A generated object does not follow the Kubernetes 1.37 schema.
    ///
    /// **What to do:** if an overlay `patches` entry wrote the field, fix the patch; otherwise
    /// please report it as a komply bug.
    ValidateSchema = "validate/schema", Validate, "a generated object does not follow the Kubernetes schema";

    // ---- Lint configuration -------------------------------------------------------------
    /// `.komply.yaml` does not follow its schema: an unknown key (with "did you mean …?"), a
    /// value of the wrong type.
    ///
    /// **What to do:** fix it; the format is in `docs/komply-config-reference.md`, and `komply
    /// schema komply-config` prints the schema.
    LintConfigSchema = "lint-config/schema", LintConfig, "`.komply.yaml` does not follow its schema";

    // ---- KRM function and kustomize plugin ----------------------------------------------
    /// The function config is not valid: not the `Komply` kind, an unknown setting, a value of
    /// the wrong type, a path that does not exist, or no `spec.compose` to generate from.
    ///
    /// **What to do:** fix the setting; `komply schema komply-function` prints the schema.
    KrmInvalidConfig = "krm/invalid-config", Krm, "the function config is not valid";
    /// The input is not a ResourceList (`apiVersion: config.kubernetes.io/v1`, `kind:
    /// ResourceList`), or its `items` is not a list.
    ///
    /// **What to do:** run komply through kpt or kustomize, which send a ResourceList.
    KrmInvalidInput = "krm/invalid-input", Krm, "the input is not a ResourceList";
    /// A file the conversion would read, or the `spec.path` it would write to, lies outside the
    /// package root (after symbolic links are resolved).
    ///
    /// **What to do:** keep every file the project reads below the kustomization / package
    /// directory.
    KrmOutsideRoot = "krm/outside-root", Krm, "a file is outside the package root";

    // ---- Command line -------------------------------------------------------------------
    /// Flags that cannot be used together, such as `--env all` without `-o DIR`.
    ///
    /// **What to do:** change the flags as the message says (`komply help COMMAND`).
    Usage = "usage", Cli, "flags that cannot be used together";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip_and_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "{c} declared twice");
            assert_eq!(c.as_str().parse::<Code>(), Ok(*c));
            assert_eq!(c.to_string(), c.as_str());
        }
        assert_eq!(
            "compose/nope".parse::<Code>(),
            Err(UnknownCode("compose/nope".into()))
        );
    }

    #[test]
    fn every_code_belongs_to_its_stage_and_is_documented() {
        for c in Code::ALL {
            let s = c.as_str();
            assert!(
                c.stage().prefixes().iter().any(|p| s.starts_with(p)),
                "{s} is declared under {:?}",
                c.stage()
            );
            assert!(
                s.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "-/".contains(ch)),
                "{s}"
            );
            let summary = c.summary();
            assert!(
                !summary.is_empty() && !summary.contains('\n') && !summary.ends_with('.'),
                "{s}: the summary is one line without a full stop"
            );
            let doc = c.doc();
            let (meaning, todo) = doc
                .split_once("**What to do:**")
                .unwrap_or_else(|| panic!("{s}: the doc says what to do (`**What to do:**`)"));
            assert!(!meaning.trim().is_empty() && !todo.trim().is_empty(), "{s}");
        }
    }

    #[test]
    fn declaration_is_grouped_by_stage_and_sorted() {
        let order: Vec<(usize, &str)> = Code::ALL
            .iter()
            .map(|c| {
                let stage = Stage::ALL.iter().position(|s| *s == c.stage()).unwrap();
                (stage, c.as_str())
            })
            .collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted, "declare codes by stage, then by string");
    }

    /// The Rust sources of `src/`, except this module and `deployability.rs` (which lists codes
    /// without emitting them).
    fn emitting_sources() -> String {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut out = String::new();
        let mut stack = vec![root.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    if p != root.join("diag") {
                        stack.push(p);
                    }
                } else if p.extension().is_some_and(|x| x == "rs")
                    && p != root.join("deployability.rs")
                {
                    out.push_str(&std::fs::read_to_string(&p).unwrap());
                }
            }
        }
        out
    }

    /// No code is declared that nothing emits, and every code given as a string is declared.
    #[test]
    fn every_code_is_emitted_and_every_emitted_code_declared() {
        let src = emitting_sources();
        for c in Code::ALL {
            let by_name = format!("Code::{c:?}");
            let by_string = format!("\"{c}\"");
            assert!(
                src.contains(&by_name) || src.contains(&by_string),
                "{c} is declared but komply never emits it"
            );
        }
        for (i, _) in src.match_indices(".code(\"") {
            let rest = &src[i + 7..];
            let s = &rest[..rest.find('"').unwrap()];
            assert!(
                s.parse::<Code>().is_ok(),
                "`{s}` is emitted but not declared"
            );
        }
    }

    #[test]
    fn strict_turns_the_key_warnings_into_errors() {
        let strict: Vec<&str> = Code::ALL
            .iter()
            .filter(|c| c.is_strict_error())
            .map(|c| c.as_str())
            .collect();
        assert_eq!(strict, ["compose/unknown-key", "compose/unsupported-key"]);
    }
}
