//! Decoding of query-protocol parameters (`Name=value`, `List.member.N`, `Struct.Field`) and of
//! the EC2 protocol's flattened lists (`List.N`), with AWS's validation messages
//! ("1 validation error detected: Value … at '…' failed to satisfy constraint: …").

use std::collections::BTreeMap;

use crate::error::ApiError;

/// How a protocol spells list members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStyle {
    /// Query protocol: `Name.member.1`, `Name.member.2`, ….
    Member,
    /// EC2 protocol: `Name.1`, `Name.2`, ….
    Flat,
}

/// The decoded parameters of one request, or of one structure inside it.
#[derive(Debug, Clone, Default)]
pub struct Params {
    map: BTreeMap<String, String>,
    style: Option<ListStyle>,
    /// Path of this structure inside the request, for messages (`targets.member.1`).
    path: String,
}

/// AWS's lowerCamel spelling of a member path, as used in validation messages.
fn camel(path: &str) -> String {
    path.split('.')
        .map(|seg| {
            let mut c = seg.chars();
            match c.next() {
                Some(f) => f.to_lowercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

impl Params {
    /// Decodes an `application/x-www-form-urlencoded` body or query string.
    pub fn from_form(body: &[u8], style: ListStyle) -> Params {
        let mut map = BTreeMap::new();
        for (k, v) in form_urlencoded::parse(body) {
            map.insert(k.into_owned(), v.into_owned());
        }
        Params { map, style: Some(style), path: String::new() }
    }

    /// Builds parameters from pairs (tests and internal callers).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>, style: ListStyle) -> Params {
        Params { map: pairs.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), style: Some(style), path: String::new() }
    }

    fn style(&self) -> ListStyle {
        self.style.unwrap_or(ListStyle::Member)
    }

    fn full(&self, key: &str) -> String {
        if self.path.is_empty() { key.to_string() } else { format!("{}.{key}", self.path) }
    }

    /// The `1 validation error detected` error for member `key` of this structure.
    pub fn constraint(&self, key: &str, value: Option<&str>, constraint: &str) -> ApiError {
        let v = match value {
            Some(v) => format!("'{v}'"),
            None => "null".to_string(),
        };
        ApiError::validation(format!("1 validation error detected: Value {v} at '{}' failed to satisfy constraint: {constraint}", camel(&self.full(key))))
    }

    /// A raw value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str)
    }

    /// Every (key, value) pair, in key order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// True if any parameter starts with `key` (the structure or list is present).
    pub fn has(&self, key: &str) -> bool {
        let dotted = format!("{key}.");
        self.map.contains_key(key) || self.map.range(dotted.clone()..).next().is_some_and(|(k, _)| k.starts_with(&dotted))
    }

    /// A required string.
    ///
    /// Errors: `ValidationError` "Member must not be null" when absent.
    pub fn required(&self, key: &str) -> Result<&str, ApiError> {
        self.get(key).ok_or_else(|| self.constraint(key, None, "Member must not be null"))
    }

    /// An optional string with a length range (characters).
    pub fn string(&self, key: &str, min: usize, max: usize) -> Result<Option<String>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => {
                let n = v.chars().count();
                if n < min {
                    return Err(self.constraint(key, Some(v), &format!("Member must have length greater than or equal to {min}")));
                }
                if n > max {
                    return Err(self.constraint(key, Some(v), &format!("Member must have length less than or equal to {max}")));
                }
                Ok(Some(v.to_string()))
            }
        }
    }

    /// An optional integer with an inclusive range.
    ///
    /// Errors: `ValidationError` naming the member when not an integer or out of range.
    pub fn int(&self, key: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => {
                let n: i64 = v.trim().parse().map_err(|_| self.constraint(key, Some(v), "Member must be an integer"))?;
                if n < min {
                    return Err(self.constraint(key, Some(v), &format!("Member must have value greater than or equal to {min}")));
                }
                if n > max {
                    return Err(self.constraint(key, Some(v), &format!("Member must have value less than or equal to {max}")));
                }
                Ok(Some(n))
            }
        }
    }

    /// An optional `u32` with an inclusive range.
    pub fn u32(&self, key: &str, min: u32, max: u32) -> Result<Option<u32>, ApiError> {
        Ok(self.int(key, i64::from(min), i64::from(max))?.map(|n| n as u32))
    }

    /// An optional boolean (`true`/`false`).
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(v) => Err(self.constraint(key, Some(v), "Member must be a boolean (true or false)")),
        }
    }

    /// An optional enum value.
    ///
    /// Errors: `ValidationError` listing the allowed values.
    pub fn enumeration<E>(&self, key: &str, parse: fn(&str) -> Option<E>, all: &[&str]) -> Result<Option<E>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => parse(v).map(Some).ok_or_else(|| self.constraint(key, Some(v), &format!("Member must satisfy enum value set: [{}]", all.join(", ")))),
        }
    }

    fn indices(&self, key: &str) -> Result<Option<Vec<(u32, String)>>, ApiError> {
        let prefix = match self.style() {
            ListStyle::Member => format!("{key}.member."),
            ListStyle::Flat => format!("{key}."),
        };
        let mut found: BTreeMap<u32, String> = BTreeMap::new();
        for (k, _) in self.map.range(prefix.clone()..) {
            let Some(rest) = k.strip_prefix(&prefix) else { break };
            let idx = rest.split('.').next().unwrap_or("");
            let n: u32 = idx.parse().map_err(|_| {
                ApiError::validation(format!("Malformed list parameter '{}': '{idx}' is not a member index (expected {prefix}1, {prefix}2, …)", self.full(k)))
            })?;
            if n == 0 {
                return Err(ApiError::validation(format!("Malformed list parameter '{}': member indices start at 1", self.full(k))));
            }
            found.insert(n, format!("{prefix}{n}"));
        }
        if found.is_empty() {
            // `Name=` with an empty value is how clients send an empty list.
            return Ok(self.map.get(key).map(|_| Vec::new()));
        }
        if let Some((&last, _)) = found.iter().next_back()
            && last as usize != found.len() {
                return Err(ApiError::validation(format!("Malformed list parameter '{}': member indices must run 1, 2, 3, … without gaps", self.full(key))));
            }
        Ok(Some(found.into_iter().collect()))
    }

    /// A list of strings (`Key.member.N` or `Key.N`); `None` if absent, empty if sent as `Key=`.
    ///
    /// Errors: `ValidationError` for malformed indices.
    pub fn list(&self, key: &str) -> Result<Option<Vec<String>>, ApiError> {
        Ok(self.indices(key)?.map(|idx| idx.into_iter().map(|(_, k)| self.map.get(&k).cloned().unwrap_or_default()).collect()))
    }

    /// A list of structures, each as its own [`Params`].
    pub fn structs(&self, key: &str) -> Result<Option<Vec<Params>>, ApiError> {
        Ok(self.indices(key)?.map(|idx| idx.into_iter().map(|(_, k)| self.sub(&k)).collect()))
    }

    /// The members of a nested structure `key.*`.
    pub fn sub(&self, key: &str) -> Params {
        let prefix = format!("{key}.");
        let map = self
            .map
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, v)| (k[prefix.len()..].to_string(), v.clone()))
            .collect();
        Params { map, style: self.style, path: self.full(key) }
    }

    /// Entries of a query-protocol map (`key.entry.N.key` / `.value`).
    pub fn map_entries(&self, key: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for n in 1.. {
            let base = format!("{key}.entry.{n}");
            match (self.get(&format!("{base}.key")), self.get(&format!("{base}.value"))) {
                (Some(k), v) => out.push((k.to_string(), v.unwrap_or_default().to_string())),
                _ => break,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_lists_and_structs_decode() {
        let p = Params::from_form(
            b"Action=RegisterTargets&Targets.member.2.Id=b&Targets.member.1.Id=a&Targets.member.1.Port=8080&Subnets.member.1=s1&Subnets.member.2=s2&Empty=",
            ListStyle::Member,
        );
        let t = p.structs("Targets").unwrap().unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].get("Id"), Some("a"));
        assert_eq!(t[0].u32("Port", 1, 65535).unwrap(), Some(8080));
        assert_eq!(t[1].get("Id"), Some("b"));
        assert_eq!(p.list("Subnets").unwrap().unwrap(), vec!["s1", "s2"]);
        assert_eq!(p.list("Empty").unwrap(), Some(vec![]));
        assert_eq!(p.list("Missing").unwrap(), None);
    }

    #[test]
    fn malformed_lists_are_validation_errors() {
        let p = Params::from_form(b"Targets.member.x.Id=a", ListStyle::Member);
        let e = p.structs("Targets").unwrap_err();
        assert_eq!(e.code, "ValidationError");
        assert!(e.message.contains("Targets.member.x.Id"), "{}", e.message);
        let p = Params::from_form(b"Targets.member.2.Id=a", ListStyle::Member);
        assert!(p.structs("Targets").is_err());
    }

    #[test]
    fn flat_lists_decode() {
        let p = Params::from_form(b"InstanceId.1=i-1&InstanceId.2=i-2&Filter.1.Name=vpc-id&Filter.1.Value.1=v", ListStyle::Flat);
        assert_eq!(p.list("InstanceId").unwrap().unwrap(), vec!["i-1", "i-2"]);
        let f = p.structs("Filter").unwrap().unwrap();
        assert_eq!(f[0].list("Value").unwrap().unwrap(), vec!["v"]);
    }

    #[test]
    fn constraint_messages_match_aws() {
        let p = Params::from_form(b"HealthCheckIntervalSeconds=1", ListStyle::Member);
        let e = p.u32("HealthCheckIntervalSeconds", 5, 300).unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value '1' at 'healthCheckIntervalSeconds' failed to satisfy constraint: Member must have value greater than or equal to 5"
        );
        let e = p.required("Name").unwrap_err();
        assert!(e.message.contains("Value null at 'name'"), "{}", e.message);
    }
}
