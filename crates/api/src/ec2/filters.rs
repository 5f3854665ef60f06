//! EC2 `Filter.N.Name` / `Filter.N.Value.M` (EC2 API reference, "List and filter your
//! resources"): the values of one filter are OR'ed, filters are AND'ed, values may use `*`
//! (any run of characters) and `?` (one character), `\` escapes them. Every Describe action
//! also takes `tag:<key>`, `tag-key` and `tag-value`.

use std::collections::BTreeMap;

use super::{invalid, list, structs};
use crate::error::ApiError;
use crate::params::Params;

/// One decoded filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Filter {
    /// `Name`, e.g. `vpc-id` or `tag:Name`.
    pub name: String,
    /// `Value.N`, patterns.
    pub values: Vec<String>,
}

/// Decodes `Filter.N` and checks each name against `known` (plus the tag filters).
///
/// Errors: `InvalidParameterValue` "The filter 'x' is invalid" for an unknown name, and for a
/// filter without a name or values.
pub(crate) fn decode(p: &Params, known: &[&str]) -> Result<Vec<Filter>, ApiError> {
    let mut out = Vec::new();
    for f in structs(p, "Filter")? {
        let name = f.get("Name").unwrap_or("").to_string();
        let is_tag = name.strip_prefix("tag:").is_some_and(|k| !k.is_empty()) || name == "tag-key" || name == "tag-value";
        if !is_tag && !known.contains(&name.as_str()) {
            return Err(invalid(format!("The filter '{name}' is invalid")));
        }
        let values = list(&f, "Value")?;
        if values.is_empty() {
            return Err(invalid(format!("The filter '{name}' must have at least one value")));
        }
        out.push(Filter { name, values });
    }
    Ok(out)
}

/// True if `item` passes every filter. `field(item, name)` gives the values of a known,
/// non-tag filter name; `tags(item)` the item's tags.
pub(crate) fn matches<T>(
    item: &T,
    filters: &[Filter],
    tags: impl Fn(&T) -> Option<&BTreeMap<String, String>>,
    field: impl Fn(&T, &str) -> Vec<String>,
) -> bool {
    filters.iter().all(|f| {
        let values: Vec<String> = match f.name.as_str() {
            "tag-key" => tags(item).map(|t| t.keys().cloned().collect()).unwrap_or_default(),
            "tag-value" => tags(item).map(|t| t.values().cloned().collect()).unwrap_or_default(),
            n => match n.strip_prefix("tag:") {
                Some(key) => tags(item).and_then(|t| t.get(key)).cloned().into_iter().collect(),
                None => field(item, n),
            },
        };
        values.iter().any(|v| f.values.iter().any(|pat| glob(pat, v)))
    })
}

/// Keeps the items that pass every filter.
pub(crate) fn retain<T>(
    items: &mut Vec<T>,
    filters: &[Filter],
    tags: impl Fn(&T) -> Option<&BTreeMap<String, String>>,
    field: impl Fn(&T, &str) -> Vec<String>,
) {
    if !filters.is_empty() {
        items.retain(|it| matches(it, filters, &tags, &field));
    }
}

/// `"true"` / `"false"`, as filter values spell booleans.
pub(crate) fn flag(b: bool) -> Vec<String> {
    vec![b.to_string()]
}

/// One value.
pub(crate) fn one(s: impl Into<String>) -> Vec<String> {
    vec![s.into()]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Lit(char),
    One,
    Any,
}

fn tokens(pattern: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        out.push(match c {
            '\\' => Tok::Lit(it.next().unwrap_or('\\')),
            '*' => Tok::Any,
            '?' => Tok::One,
            c => Tok::Lit(c),
        });
    }
    out
}

/// EC2 filter-value matching: `*` any run, `?` one character, `\` escapes; otherwise exact and
/// case-sensitive. Linear-space dynamic programming, so no input can make it slow or recurse.
pub(crate) fn glob(pattern: &str, value: &str) -> bool {
    let p = tokens(pattern);
    let v: Vec<char> = value.chars().collect();
    // reach[j]: the pattern prefix so far matches value prefix of length j.
    let mut reach = vec![false; v.len() + 1];
    reach[0] = true;
    for t in &p {
        let mut next = vec![false; v.len() + 1];
        match t {
            Tok::Any => {
                let mut seen = false;
                for j in 0..=v.len() {
                    seen |= reach[j];
                    next[j] = seen;
                }
            }
            Tok::One => next[1..].copy_from_slice(&reach[..v.len()]),
            Tok::Lit(c) => {
                for j in 0..v.len() {
                    next[j + 1] = reach[j] && v[j] == *c;
                }
            }
        }
        reach = next;
    }
    reach[v.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ListStyle;

    #[test]
    fn globs_match_like_ec2() {
        assert!(glob("vpc-1", "vpc-1"));
        assert!(!glob("vpc-1", "vpc-12"));
        assert!(glob("vpc-*", "vpc-12"));
        assert!(glob("*", ""));
        assert!(glob("us-east-1?", "us-east-1a"));
        assert!(!glob("us-east-1?", "us-east-1"));
        assert!(glob("*web*", "my web server"));
        assert!(!glob("Web", "web"));
        assert!(glob("a\\*b", "a*b"));
        assert!(!glob("a\\*b", "axb"));
        assert!(glob("a*b*c", "aXXbYYc"));
        assert!(!glob("a*b*c", "aXXbYY"));
        assert!(glob("", ""));
        assert!(!glob("", "x"));
    }

    #[test]
    fn filters_decode_and_combine() {
        let p = Params::from_pairs(
            [
                ("Filter.1.Name", "vpc-id"),
                ("Filter.1.Value.1", "vpc-a"),
                ("Filter.1.Value.2", "vpc-b*"),
                ("Filter.2.Name", "tag:Name"),
                ("Filter.2.Value.1", "web"),
            ],
            ListStyle::Flat,
        );
        let f = decode(&p, &["vpc-id"]).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].values, vec!["vpc-a", "vpc-b*"]);
        struct It(&'static str, BTreeMap<String, String>);
        let tagged = |n: &str| BTreeMap::from([("Name".to_string(), n.to_string())]);
        let field = |it: &It, name: &str| if name == "vpc-id" { one(it.0) } else { vec![] };
        fn tags(it: &It) -> Option<&BTreeMap<String, String>> {
            Some(&it.1)
        }
        assert!(matches(&It("vpc-a", tagged("web")), &f, tags, field));
        assert!(matches(&It("vpc-bbb", tagged("web")), &f, tags, field));
        assert!(!matches(&It("vpc-c", tagged("web")), &f, tags, field));
        assert!(!matches(&It("vpc-a", tagged("db")), &f, tags, field));
        assert!(!matches(&It("vpc-a", BTreeMap::new()), &f, tags, field));

        let bad = Params::from_pairs([("Filter.1.Name", "colour"), ("Filter.1.Value.1", "x")], ListStyle::Flat);
        let e = decode(&bad, &["vpc-id"]).unwrap_err();
        assert_eq!((e.code.as_ref(), e.message.as_str()), ("InvalidParameterValue", "The filter 'colour' is invalid"));
        let keyonly = Params::from_pairs([("Filter.1.Name", "tag-key"), ("Filter.1.Value.1", "Name")], ListStyle::Flat);
        let f = decode(&keyonly, &[]).unwrap();
        assert!(matches(&It("x", tagged("db")), &f, tags, field));
        let novalue = Params::from_pairs([("Filter.1.Name", "vpc-id")], ListStyle::Flat);
        assert!(decode(&novalue, &["vpc-id"]).is_err());
    }
}
