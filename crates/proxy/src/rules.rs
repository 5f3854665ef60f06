//! Listener rules compiled for matching (ALB guide, "Listener rules": conditions AND'ed, values
//! of one condition OR'ed, lowest priority first, then the default action).
//!
//! Matching cost does not grow with the rule count: each rule is indexed by an exact host name
//! or by the literal prefix of its path patterns (a byte trie), so a request evaluates only the
//! rules its host and path can match, plus the few rules that have neither.

use std::collections::HashMap;
use std::net::IpAddr;

use model::ec2::Cidr4;

use crate::routing::RouteAction;

/// What a rule may look at in a request. Implemented by each front-end protocol.
pub trait RequestFacts {
    /// The method as sent (`GET`).
    fn method(&self) -> &[u8];
    /// The host without port, as sent (compared case-insensitively).
    fn host(&self) -> Option<&[u8]>;
    /// The path, without the query (compared case-sensitively).
    fn path(&self) -> &[u8];
    /// The query without `?`, as sent.
    fn query(&self) -> &[u8];
    /// Calls `f` with each value of header `name` (lower-case) until it returns true.
    fn any_header(&self, name: &[u8], f: &mut dyn FnMut(&[u8]) -> bool) -> bool;
    /// The client's address (the socket peer, not `X-Forwarded-For`).
    fn source_ip(&self) -> IpAddr;
}

/// An ALB condition value with `*` (any run) and `?` (one byte) wildcards; `\*` and `\?` are
/// literal in query-string values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// Lower-cased when matching is case-insensitive.
    bytes: Vec<u8>,
    /// Which bytes are wildcards (`*` → 1, `?` → 2, literal → 0).
    kinds: Vec<u8>,
    case_insensitive: bool,
}

impl Pattern {
    /// Compiles `s`; `escapes` honours `\*` and `\?` as literals.
    pub fn new(s: &str, case_insensitive: bool, escapes: bool) -> Pattern {
        let mut bytes = Vec::with_capacity(s.len());
        let mut kinds = Vec::with_capacity(s.len());
        let mut it = s.bytes().peekable();
        while let Some(b) = it.next() {
            match b {
                b'\\' if escapes && matches!(it.peek(), Some(b'*' | b'?')) => {
                    bytes.push(it.next().unwrap_or(b'*'));
                    kinds.push(0);
                }
                b'*' => {
                    bytes.push(b);
                    kinds.push(1);
                }
                b'?' => {
                    bytes.push(b);
                    kinds.push(2);
                }
                _ => {
                    bytes.push(if case_insensitive { b.to_ascii_lowercase() } else { b });
                    kinds.push(0);
                }
            }
        }
        Pattern { bytes, kinds, case_insensitive }
    }

    /// The bytes before the first wildcard.
    pub fn literal_prefix(&self) -> &[u8] {
        let n = self.kinds.iter().position(|k| *k != 0).unwrap_or(self.bytes.len());
        &self.bytes[..n]
    }

    /// True if it has no wildcard.
    pub fn is_literal(&self) -> bool {
        self.kinds.iter().all(|k| *k == 0)
    }

    /// Glob match with backtracking on the last `*` (linear for these patterns).
    pub fn matches(&self, text: &[u8]) -> bool {
        let eq = |p: usize, t: u8| {
            let t = if self.case_insensitive { t.to_ascii_lowercase() } else { t };
            self.bytes[p] == t
        };
        let (mut p, mut t) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            if p < self.bytes.len() && (self.kinds[p] == 2 || (self.kinds[p] == 0 && eq(p, text[t]))) {
                p += 1;
                t += 1;
            } else if p < self.bytes.len() && self.kinds[p] == 1 {
                star = Some((p, t));
                p += 1;
            } else if let Some((sp, st)) = star {
                p = sp + 1;
                t = st + 1;
                star = Some((sp, st + 1));
            } else {
                return false;
            }
        }
        while p < self.bytes.len() && self.kinds[p] == 1 {
            p += 1;
        }
        p == self.bytes.len()
    }
}

/// A CIDR block of `source-ip`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cidr {
    V4(Cidr4),
    V6 { addr: u128, prefix: u8 },
}

impl Cidr {
    fn parse(s: &str) -> Option<Cidr> {
        if let Some(c) = Cidr4::parse(s) {
            return Some(Cidr::V4(c));
        }
        let (ip, len) = s.split_once('/')?;
        let ip: std::net::Ipv6Addr = ip.parse().ok()?;
        let prefix: u8 = len.parse().ok().filter(|p| *p <= 128)?;
        Some(Cidr::V6 { addr: u128::from(ip), prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self, ip) {
            (Cidr::V4(c), IpAddr::V4(a)) => Cidr4 { addr: u32::from(a), prefix: 32 }.addr & c.mask() == c.addr,
            (Cidr::V6 { addr, prefix }, IpAddr::V6(a)) => {
                let mask = if *prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(*prefix)) };
                u128::from(a) & mask == *addr & mask
            }
            (Cidr::V4(c), IpAddr::V6(a)) => a.to_ipv4_mapped().is_some_and(|v4| u32::from(v4) & c.mask() == c.addr),
            _ => false,
        }
    }
}

/// One compiled condition.
#[derive(Debug, Clone)]
enum Condition {
    Host(Vec<Pattern>),
    Path(Vec<Pattern>),
    Header { name: Vec<u8>, values: Vec<Pattern> },
    Method(Vec<Vec<u8>>),
    Query(Vec<(Option<Pattern>, Pattern)>),
    SourceIp(Vec<Cidr>),
}

impl Condition {
    fn compile(c: &model::RuleCondition) -> Option<Condition> {
        Some(match c.field.as_str() {
            "host-header" => Condition::Host(c.values.iter().map(|v| Pattern::new(v, true, false)).collect()),
            "path-pattern" => Condition::Path(c.values.iter().map(|v| Pattern::new(v, false, false)).collect()),
            "http-header" => {
                let h = c.http_header.as_ref()?;
                Condition::Header { name: h.name.to_ascii_lowercase().into_bytes(), values: h.values.iter().map(|v| Pattern::new(v, true, false)).collect() }
            }
            "http-request-method" => Condition::Method(c.values.iter().map(|v| v.as_bytes().to_vec()).collect()),
            "query-string" => Condition::Query(c.query_string.iter().map(|q| (q.key.as_deref().map(|k| Pattern::new(k, true, true)), Pattern::new(&q.value, true, true))).collect()),
            "source-ip" => Condition::SourceIp(c.values.iter().filter_map(|v| Cidr::parse(v)).collect()),
            _ => return None,
        })
    }

    fn matches(&self, r: &dyn RequestFacts) -> bool {
        match self {
            Condition::Host(ps) => r.host().is_some_and(|h| ps.iter().any(|p| p.matches(h))),
            Condition::Path(ps) => {
                let path = r.path();
                ps.iter().any(|p| p.matches(path))
            }
            Condition::Header { name, values } => r.any_header(name, &mut |v| values.iter().any(|p| p.matches(v))),
            Condition::Method(ms) => {
                let m = r.method();
                ms.iter().any(|x| x.as_slice() == m)
            }
            Condition::Query(pairs) => r.query().split(|b| *b == b'&').any(|kv| {
                let (k, v) = match kv.iter().position(|b| *b == b'=') {
                    Some(i) => (&kv[..i], &kv[i + 1..]),
                    None => (kv, &kv[kv.len()..]),
                };
                pairs.iter().any(|(pk, pv)| pk.as_ref().is_none_or(|pk| pk.matches(k)) && pv.matches(v))
            }),
            Condition::SourceIp(cidrs) => {
                let ip = r.source_ip();
                cidrs.iter().any(|c| c.contains(ip))
            }
        }
    }
}

#[derive(Debug, Clone)]
struct CompiledRule {
    conditions: Vec<Condition>,
    action: RouteAction,
}

#[derive(Debug, Default, Clone)]
struct TrieNode {
    children: Vec<(u8, u32)>,
    rules: Vec<u32>,
}

/// The rules of one listener, indexed.
#[derive(Debug, Default, Clone)]
pub struct RuleSet {
    /// In priority order.
    rules: Vec<CompiledRule>,
    /// Lower-case exact host → rules.
    by_host: HashMap<Box<[u8]>, Vec<u32>>,
    /// Literal path prefixes → rules.
    trie: Vec<TrieNode>,
    /// Rules indexed by neither.
    rest: Vec<u32>,
}

/// Most candidates a request gathers before the matcher falls back to a scan.
const MAX_CANDIDATES: usize = 64;

impl RuleSet {
    /// Compiles rules already sorted by priority, each with its compiled terminal action.
    pub fn new(rules: Vec<(&model::Rule, RouteAction)>) -> RuleSet {
        let mut set = RuleSet { trie: vec![TrieNode::default()], ..Default::default() };
        for (i, (rule, action)) in rules.into_iter().enumerate() {
            let conditions: Vec<Condition> = rule.conditions.iter().filter_map(Condition::compile).collect();
            let i = i as u32;
            let hosts = conditions.iter().find_map(|c| match c {
                Condition::Host(ps) if ps.iter().all(Pattern::is_literal) => Some(ps.clone()),
                _ => None,
            });
            let paths = conditions.iter().find_map(|c| match c {
                Condition::Path(ps) if ps.iter().all(|p| !p.literal_prefix().is_empty()) => Some(ps.clone()),
                _ => None,
            });
            if let Some(hosts) = hosts {
                for h in hosts {
                    set.by_host.entry(h.bytes.clone().into_boxed_slice()).or_default().push(i);
                }
            } else if let Some(paths) = paths {
                for p in paths {
                    set.insert_prefix(p.literal_prefix(), i);
                }
            } else {
                set.rest.push(i);
            }
            set.rules.push(CompiledRule { conditions, action });
        }
        set
    }

    fn insert_prefix(&mut self, prefix: &[u8], rule: u32) {
        let mut node = 0usize;
        for &b in prefix {
            let next = match self.trie[node].children.iter().find(|(c, _)| *c == b) {
                Some((_, n)) => *n as usize,
                None => {
                    self.trie.push(TrieNode::default());
                    let n = self.trie.len() - 1;
                    self.trie[node].children.push((b, n as u32));
                    n
                }
            };
            node = next;
        }
        if !self.trie[node].rules.contains(&rule) {
            self.trie[node].rules.push(rule);
        }
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True if there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The action of the first rule (by priority) whose conditions all match, if any.
    pub fn route(&self, r: &dyn RequestFacts) -> Option<&RouteAction> {
        if self.rules.is_empty() {
            return None;
        }
        let mut cand = [0u32; MAX_CANDIDATES];
        let mut n = 0usize;
        let mut overflow = false;
        let mut add = |ids: &[u32], n: &mut usize| {
            for &id in ids {
                if *n < MAX_CANDIDATES {
                    cand[*n] = id;
                    *n += 1;
                } else {
                    overflow = true;
                }
            }
        };
        add(&self.rest, &mut n);
        if let Some(h) = r.host() {
            let mut lower = [0u8; 256];
            if h.len() <= lower.len() {
                for (d, s) in lower.iter_mut().zip(h) {
                    *d = s.to_ascii_lowercase();
                }
                if let Some(ids) = self.by_host.get(&lower[..h.len()]) {
                    add(ids, &mut n);
                }
            }
        }
        let mut node = 0usize;
        add(&self.trie[0].rules, &mut n);
        for &b in r.path() {
            match self.trie[node].children.iter().find(|(c, _)| *c == b) {
                Some((_, next)) => {
                    node = *next as usize;
                    add(&self.trie[node].rules, &mut n);
                }
                None => break,
            }
        }
        if overflow {
            // More candidates than fit: evaluate every rule in order (still correct).
            return self.rules.iter().find(|rule| rule.conditions.iter().all(|c| c.matches(r))).map(|rule| &rule.action);
        }
        let cand = &mut cand[..n];
        cand.sort_unstable();
        let mut last = u32::MAX;
        for &id in cand.iter() {
            if id == last {
                continue;
            }
            last = id;
            let rule = &self.rules[id as usize];
            if rule.conditions.iter().all(|c| c.matches(r)) {
                return Some(&rule.action);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests;
