//! Image references: split into name / tag / digest and rewritten by an overlay's `image`.

use super::model::Image;

/// `registry/path/name:tag@digest` → (`registry/path/name`, tag, digest).
pub fn split(image: &str) -> (String, Option<String>, Option<String>) {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d.to_string())),
        None => (image, None),
    };
    // A `:` after the last `/` is a tag; before it, a registry port.
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[slash..].rfind(':') {
        Some(i) => (
            rest[..slash + i].to_string(),
            Some(rest[slash + i + 1..].to_string()),
            digest,
        ),
        None => (rest.to_string(), None, digest),
    }
}

/// Applies `img` to `image`: `name` replaces the whole name, `registry` replaces everything
/// before the last path segment, `tag` the tag; `digest` pins (a new tag drops an old digest,
/// which named the old tag's content).
pub fn rewrite(image: &str, img: &Image) -> String {
    let (mut name, mut tag, mut digest) = split(image);
    if let Some(n) = &img.name {
        name = n.clone();
    }
    if let Some(r) = &img.registry {
        let last = name.rsplit('/').next().unwrap_or(&name).to_string();
        name = format!("{}/{last}", r.trim_end_matches('/'));
    }
    if let Some(t) = &img.tag {
        tag = Some(t.clone());
        digest = None;
    }
    if let Some(d) = &img.digest {
        digest = Some(d.clone());
    }
    let mut out = name;
    if let Some(t) = tag {
        out.push(':');
        out.push_str(&t);
    }
    if let Some(d) = digest {
        out.push('@');
        out.push_str(&d);
    }
    out
}

/// Key-by-key merge: `over` wins.
pub fn merge(base: Option<&Image>, over: Option<&Image>) -> Option<Image> {
    match (base, over) {
        (None, None) => None,
        (Some(b), None) => Some(b.clone()),
        (None, Some(o)) => Some(o.clone()),
        (Some(b), Some(o)) => Some(Image {
            registry: o.registry.clone().or(b.registry.clone()),
            name: o.name.clone().or(b.name.clone()),
            tag: o.tag.clone().or(b.tag.clone()),
            digest: o.digest.clone().or(b.digest.clone()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_rewrites() {
        assert_eq!(
            split("localhost:5000/a/b:1.2@sha256:ab"),
            (
                "localhost:5000/a/b".into(),
                Some("1.2".into()),
                Some("sha256:ab".into())
            )
        );
        assert_eq!(split("nginx"), ("nginx".into(), None, None));
        let img = Image {
            registry: Some("reg.example.com/team/".into()),
            tag: Some("2.0".into()),
            ..Default::default()
        };
        assert_eq!(
            rewrite("ghcr.io/x/catalog:1.1@sha256:00", &img),
            "reg.example.com/team/catalog:2.0"
        );
        let pin = Image {
            digest: Some("sha256:ff".into()),
            ..Default::default()
        };
        assert_eq!(rewrite("nginx:1.27", &pin), "nginx:1.27@sha256:ff");
    }
}
