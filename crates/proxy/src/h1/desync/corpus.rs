//! The published test cases of AWS's `http_desync_guardian` (copied in `corpus/`, see its
//! README) and a small reader for their YAML layout. Used by the classification tests here and,
//! with the `desync-corpus` feature, by the end-to-end tests that send each case through a real
//! elbow in all three `routing.http.desync_mitigation_mode`s.

use super::Tier;

/// The guardian's test files (`tests/*.yaml` of http_desync_guardian 0.1.3).
pub const CORPUS: &[(&str, &str)] = &[
    ("single-case.yaml", include_str!("corpus/single-case.yaml")),
    ("edge-cases.yaml", include_str!("corpus/edge-cases.yaml")),
    ("rfc-compliant.yaml", include_str!("corpus/rfc-compliant.yaml")),
    ("acceptable.yaml", include_str!("corpus/acceptable.yaml")),
    ("ambiguous.yaml", include_str!("corpus/ambiguous.yaml")),
    ("bad-header-characters.yaml", include_str!("corpus/bad-header-characters.yaml")),
    ("more-compliant-tests.yaml", include_str!("corpus/more-compliant-tests.yaml")),
    ("severe.yaml", include_str!("corpus/severe.yaml")),
    ("uri-specific-test-cases.yaml", include_str!("corpus/uri-specific-test-cases.yaml")),
    ("real-life-test-cases.yaml", include_str!("corpus/real-life-test-cases.yaml")),
];

/// One published case.
#[derive(Debug, Clone, Default)]
pub struct Case {
    /// The YAML file it comes from.
    pub file: &'static str,
    /// The case's name.
    pub name: String,
    /// Request method, target and version, as written.
    pub method: String,
    /// Request target.
    pub uri: String,
    /// Version token (may be empty or malformed on purpose).
    pub version: String,
    /// Header fields `(name, value)` in order, escapes decoded.
    pub headers: Vec<(String, String)>,
    /// The published tier name (`Compliant`, `Acceptable`, `Ambiguous`, `Severe`).
    pub tier: String,
    /// The published `ClassificationReason`.
    pub reason: String,
}

impl Case {
    /// The published tier.
    pub fn expected_tier(&self) -> Tier {
        match self.tier.as_str() {
            "Compliant" => Tier::Compliant,
            "Acceptable" => Tier::Acceptable,
            "Ambiguous" => Tier::Ambiguous,
            "Severe" => Tier::Severe,
            t => panic!("{}: {}: unknown tier {t:?}", self.file, self.name),
        }
    }

    /// The raw head exactly as the guardian's own harness builds it (`run_test_case`), plus
    /// `Host: example.com` at the end when `add_host` and the case has no `Host`: the corpus
    /// predates elbow's Host rule, and a compliant field at the end changes nothing else the
    /// guardian sees.
    pub fn raw(&self, add_host: bool) -> Vec<u8> {
        let mut s = format!("{} {} {}\r\n", self.method, self.uri, self.version);
        for (n, v) in &self.headers {
            s.push_str(&format!("{n}: {v}\r\n"));
        }
        if add_host && !self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
            s.push_str("Host: example.com\r\n");
        }
        s.push_str("\r\n");
        s.into_bytes()
    }
}

/// Decodes a YAML scalar as yaml-rust does for these files (plain, 'single' or "double" quoted
/// with YAML escapes), then applies the guardian harness's `unescape_value` on top, as its
/// `extract_value!` does.
fn scalar(s: &str, at: &str) -> String {
    let s = s.trim();
    let yaml = if let Some(body) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = body.chars();
        loop {
            match chars.next() {
                None => panic!("{at}: unterminated double-quoted scalar"),
                Some('"') => break,
                Some('\\') => {
                    let hex = |chars: &mut std::str::Chars, n: usize| {
                        let digits: String = chars.by_ref().take(n).collect();
                        let code = u32::from_str_radix(&digits, 16).unwrap_or_else(|_| panic!("{at}: bad escape"));
                        char::from_u32(code).unwrap_or_else(|| panic!("{at}: bad code point"))
                    };
                    out.push(match chars.next() {
                        Some('0') => '\0',
                        Some('a') => '\x07',
                        Some('b') => '\x08',
                        Some('t') | Some('\t') => '\t',
                        Some('n') => '\n',
                        Some('v') => '\x0b',
                        Some('f') => '\x0c',
                        Some('r') => '\r',
                        Some('e') => '\x1b',
                        Some(' ') => ' ',
                        Some('"') => '"',
                        Some('/') => '/',
                        Some('\\') => '\\',
                        Some('N') => '\u{85}',
                        Some('_') => '\u{a0}',
                        Some('L') => '\u{2028}',
                        Some('P') => '\u{2029}',
                        Some('x') => hex(&mut chars, 2),
                        Some('u') => hex(&mut chars, 4),
                        Some('U') => hex(&mut chars, 8),
                        c => panic!("{at}: unknown escape {c:?}"),
                    });
                }
                Some(c) => out.push(c),
            }
        }
        let rest = chars.as_str().trim();
        assert!(rest.is_empty() || rest.starts_with('#'), "{at}: text after a quoted scalar");
        out
    } else if let Some(body) = s.strip_prefix('\'') {
        let mut out = String::new();
        let mut chars = body.chars().peekable();
        loop {
            match chars.next() {
                None => panic!("{at}: unterminated single-quoted scalar"),
                Some('\'') if chars.peek() == Some(&'\'') => {
                    chars.next();
                    out.push('\'');
                }
                Some('\'') => break,
                Some(c) => out.push(c),
            }
        }
        out
    } else {
        let end = s.find(" #").unwrap_or(s.len());
        s[..end].trim_end().to_string()
    };
    unescape_value(&yaml)
}

/// The guardian harness's `unescape_value` (request_analyzer.rs tests), byte for byte.
fn unescape_value(s: &str) -> String {
    let mut result = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(ch) = chars.next() {
        result.push(if ch != '\\' {
            ch
        } else {
            match chars.next() {
                Some('x') => char::from(chars.by_ref().take(2).fold(0, |acc, c| acc * 16 + c.to_digit(16).unwrap()) as u8),
                Some('b') => '\x08',
                Some('f') => '\x0c',
                Some('n') => '\n',
                Some('r') => '\r',
                Some('t') => '\t',
                Some(c) => c,
                None => panic!("malformed escape in {s:?}"),
            }
        })
    }
    result
}

/// Reads one corpus file. The files use a fixed layout: cases as a top-level list (column 0),
/// case keys at column 2, header items at column 4 with `value`/`tier` at column 6, and
/// `expected` keys at column 4 with `required_message_items` entries at column 6.
fn parse_corpus_file(file: &'static str, text: &str) -> Vec<Case> {
    #[derive(PartialEq)]
    enum Section {
        Case,
        Headers,
        Expected,
        Messages,
    }
    let mut cases: Vec<Case> = Vec::new();
    let mut section = Section::Case;
    for (i, line) in text.lines().enumerate() {
        let at = format!("{file}:{}", i + 1);
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let (item, content) = match trimmed.strip_prefix("- ") {
            Some(c) => (true, c.trim_start()),
            None => (false, trimmed),
        };
        let item_indent = if item { indent + 2 } else { indent };
        if section == Section::Messages && item && indent >= 6 {
            continue;
        }
        let (key, value) = match content.find(':') {
            Some(c) if content[..c].bytes().all(|b| b.is_ascii_lowercase() || b == b'_') && content[c + 1..].chars().next().is_none_or(|ch| ch == ' ') => {
                (&content[..c], &content[c + 1..])
            }
            _ => panic!("{at}: expected `key: value`, got {line:?}"),
        };
        match (indent, item, item_indent, key) {
            (0, true, _, "name") => {
                cases.push(Case { file, name: scalar(value, &at), ..Case::default() });
                section = Section::Case;
            }
            (2, false, _, _) => {
                let case = cases.last_mut().unwrap_or_else(|| panic!("{at}: key before the first case"));
                match key {
                    "uri" => case.uri = scalar(value, &at),
                    "method" => case.method = scalar(value, &at),
                    "version" => case.version = scalar(value, &at),
                    "headers" => section = Section::Headers,
                    "expected" => section = Section::Expected,
                    k => panic!("{at}: unknown case key {k:?}"),
                }
            }
            (4, true, 6, "name") if section == Section::Headers => {
                cases.last_mut().unwrap().headers.push((scalar(value, &at), String::new()));
            }
            (6, false, _, "value") if section == Section::Headers => {
                cases.last_mut().unwrap().headers.last_mut().unwrap_or_else(|| panic!("{at}: value before name")).1 = scalar(value, &at);
            }
            (6, false, _, "tier") if section == Section::Headers => {}
            (4, false, _, "tier") if section == Section::Expected => cases.last_mut().unwrap().tier = scalar(value, &at),
            (4, false, _, "reason") if section == Section::Expected => cases.last_mut().unwrap().reason = scalar(value, &at),
            (4, false, _, "required_message_items") if section == Section::Expected => section = Section::Messages,
            _ => panic!("{at}: unexpected line {line:?}"),
        }
    }
    cases
}

/// Every case of every file, in file order (159).
pub fn corpus() -> Vec<Case> {
    CORPUS.iter().flat_map(|(file, text)| parse_corpus_file(file, text)).collect()
}
