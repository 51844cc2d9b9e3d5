//! "Did you mean …?" for unknown keys.

/// The known name closest to `unknown`, when it is close enough to be a likely typo: same name
/// in another case, or a few edits away (optimal string alignment, so a swapped pair of letters
/// is one edit). The allowed distance grows with the name's length.
pub(crate) fn closest<'a>(
    unknown: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = unknown.to_lowercase();
    let budget = match unknown.chars().count() {
        0..=2 => 0,
        3..=5 => 1,
        6..=11 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == unknown {
            continue;
        }
        let distance = strsim::osa_distance(&lower, &candidate.to_lowercase());
        if distance <= budget && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn typos_find_their_key() {
        let known = ["initialDelaySeconds", "periodSeconds", "timeoutSeconds"];
        assert_eq!(
            closest("initialDelaySecond", known),
            Some("initialDelaySeconds")
        );
        assert_eq!(closest("imagee", ["image", "command"]), Some("image"));
        assert_eq!(
            closest("contianers", ["containers", "volumes"]),
            Some("containers")
        );
        assert_eq!(closest("Image", ["image"]), Some("image"));
    }

    #[test]
    fn unrelated_names_get_no_suggestion() {
        assert_eq!(closest("foo", ["image", "command"]), None);
        assert_eq!(closest("xy", ["x", "y"]), None);
        assert_eq!(closest("replicaz", Vec::<&str>::new()), None);
    }
}
