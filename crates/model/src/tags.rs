//! Tag rules shared by every service (ELBv2 `Tag`, EC2 `Tag`): key 1–128 characters, value
//! 0–256, at most 50 per resource, and keys starting `aws:` reserved.

use std::collections::BTreeMap;

use crate::error::{ModelError, Quota};

/// Most tags one resource may carry.
pub const MAX_TAGS: usize = 50;

fn allowed(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

/// Checks a tag list and its keys' uniqueness.
///
/// Errors: `DuplicateTagKeys` if a key repeats; `ValidationError` naming the key for bad
/// lengths, characters, or the reserved `aws:` prefix.
pub fn validate(tags: &[(String, String)]) -> Result<(), ModelError> {
    for (i, (k, v)) in tags.iter().enumerate() {
        if tags[..i].iter().any(|(k2, _)| k2 == k) {
            return Err(ModelError::DuplicateTagKeys(format!("Tag key '{k}' was specified more than once")));
        }
        if k.is_empty() || k.chars().count() > 128 || !k.chars().all(allowed) {
            return Err(ModelError::invalid("Tags.Key", format!("Tag key '{k}' must be 1 to 128 characters of letters, digits, spaces and _.:/=+-@")));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(ModelError::invalid("Tags.Key", format!("Tag key '{k}' uses the reserved prefix 'aws:'")));
        }
        if v.chars().count() > 256 || !v.chars().all(allowed) {
            return Err(ModelError::invalid("Tags.Value", format!("The value of tag '{k}' must be 0 to 256 characters of letters, digits, spaces and _.:/=+-@")));
        }
    }
    Ok(())
}

/// Adds (or overwrites) `new` on `existing`, enforcing [`MAX_TAGS`] (`TooManyTags`).
pub fn merge(existing: &mut BTreeMap<String, String>, new: &[(String, String)], resource: &str) -> Result<(), ModelError> {
    validate(new)?;
    let added = new.iter().filter(|(k, _)| !existing.contains_key(k)).count();
    if existing.len() + added > MAX_TAGS {
        return Err(ModelError::TooMany { quota: Quota::Tags, message: format!("Resource '{resource}' would have more than {MAX_TAGS} tags") });
    }
    for (k, v) in new {
        existing.insert(k.clone(), v.clone());
    }
    Ok(())
}

/// Tags of a new resource.
pub fn initial(new: &[(String, String)], resource: &str) -> Result<BTreeMap<String, String>, ModelError> {
    let mut m = BTreeMap::new();
    merge(&mut m, new, resource)?;
    Ok(m)
}
