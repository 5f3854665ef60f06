//! HTTP desync (request smuggling) classification of HTTP/1.x request heads, as ALB's
//! `routing.http.desync_mitigation_mode` uses it.
//!
//! Sources:
//! - AWS `http_desync_guardian` 0.1.3 (<https://github.com/aws/http-desync-guardian>), the
//!   library ALB runs: it sorts a request into [`Tier::Compliant`], [`Tier::Acceptable`],
//!   [`Tier::Ambiguous`] or [`Tier::Severe`] with a reason code (`ClassificationReason`).
//! - ALB User Guide, "Desync mitigation mode" (the tiers and what each mode does with them, see
//!   [`action`]) and "Access logs" (`classification`, `classification_reason`).
//! - RFC 9112 (HTTP/1.1) and RFC 9110 (HTTP semantics) for elbow's stricter checks below.
//!
//! [`classify`] runs the guardian on the raw head and adds elbow's own checks where the guardian
//! is silent (`/work/shared/reliability.md` §1.2 "Gaps", §5.1 B). The verdict is the more severe
//! of the two; on equal tiers the guardian's reason is kept, so access logs read as ALB's would.
//!
//! | elbow check (reason code) | tier | why (RFC 9112 unless noted) |
//! |---|---|---|
//! | [`reason::EMPTY_CONTENT_LENGTH`] | Severe | §6.3 rule 5: an invalid `Content-Length` is an unrecoverable framing error, 400 and close. The guardian reads an empty value as 0 (HAProxy CVE-2023-40225 class). |
//! | [`reason::NON_CHUNKED_TRANSFER_ENCODING`] | Severe | §6.3 rule 4: a request whose final transfer coding is not chunked must get 400 and close. Lists (`identity, chunked`, `chunked, identity`, `,chunked`, `chunked,`), parameters (`chunked;x=y`) and other codings (`gzip`, `identity`) are all refused: elbow frames requests only by exactly `chunked` (head.rs), and any list form is read differently by some parser in the chain. |
//! | [`reason::MULTIPLE_TRANSFER_ENCODING`] | Severe | Two `Transfer-Encoding` field lines combine into one list (RFC 9110 §5.3), so this is the list case split over lines, a classic TE.TE smuggling form that parsers combine differently. |
//! | [`reason::TRANSFER_ENCODING_IN_HTTP10`] | Severe | §6.1: an HTTP/1.0 message with `Transfer-Encoding` must be treated as having faulty framing; for a request that is 400. The guardian says Ambiguous (forward, then close), which would still forward a body HTTP/1.0 targets cannot delimit. |
//! | [`reason::BOTH_TE_CL_PRESENT`] | Ambiguous | §6.1/§6.3 rule 3: chunked wins, CL is dropped and the connection closed after the response; ALB and the guardian both say Ambiguous. Kept as an own check so the verdict does not depend on the guardian's parse (e.g. after its `HTTP/2`+ early return). |
//! | [`reason::DUPLICATE_HOST`] | Severe | §3.2: a request with more than one `Host` field line must get 400. |
//! | [`reason::MISSING_HOST`] | Severe | §3.2: an HTTP/1.1 request without `Host` must get 400. Absolute-form targets are exempt (§3.2.2: their authority is the host; conn.rs accepts them). |
//! | [`reason::HOST_AUTHORITY_MISMATCH`] | Severe | §3.2 requires `Host` identical to the authority of an absolute-form target; §3.2.2 tells servers to ignore `Host` then, and not all do, so the pair routes differently along a chain. Counted here too: an empty authority (RFC 9110 §4.2.1: reject as invalid) and userinfo in it (RFC 9110 §4.2.4: treat as an error); ports equal after dropping an empty or default port. |
//! | [`reason::WHITESPACE_BEFORE_COLON`] | Severe | §5.1: a server MUST reject whitespace between field name and colon with 400. The guardian says Ambiguous for TE/CL look-alikes and Acceptable otherwise. |
//! | [`reason::OBS_FOLD`] | Severe | §5.2: obs-fold must be rejected (400) or replaced by SP; elbow's parser rejects it, so the verdict says so. Also whitespace before the first field line (§2.2). The guardian lets folded `Content-Type` through as Compliant. |
//! | [`reason::BARE_CR`] | Severe | §2.2: a bare CR makes the element invalid; parsers disagree on whether it ends a line. |
//! | [`reason::CTL_IN_TARGET`] | Severe | §3.2 with RFC 3986: no CTL (HTAB included) belongs in a request target, and §3's lenient whitespace parsing makes parsers split such a line differently (the guardian: Ambiguous, `AmbiguousUri`; Severe only for NUL/CR). |
//! | [`reason::CTL_IN_HEADER`] | Severe | RFC 9110 §5.5: CTLs other than HTAB make a field invalid; NUL/CR/LF must be rejected or replaced. elbow's parser rejects them all (the guardian: Acceptable, `NonCompliantHeader`). |
//! | [`reason::BAD_METHOD`] (empty method) | Severe | §3: the method is a non-empty token. The guardian accepts an empty one. Same code and tier the guardian gives a non-token method. |
//! | [`reason::BAD_VERSION`] (not `HTTP/0.9` or `HTTP/1.x`) | Severe | §2.3 (`HTTP-name` is case-sensitive `HTTP`). The guardian skips every check when the version sorts at or after `HTTP/2` bytewise (so `http/1.1`, `HTTP/2.0`, `Z` are Compliant, whatever the headers say). Same code and tier the guardian gives other bad versions. |
//!
//! Performance (measured on this machine; `tests.rs` has the timing loop): for a typical 381-byte
//! GET with 8 fields the guardian's `analyze_raw_request` runs about 7,600 instructions
//! (callgrind), 0.7–1.3 µs. It allocates nothing for a compliant head of at most 64 fields (its
//! `SmallVec` spills beyond that), but 11–13 times for any other verdict: it formats its log
//! message whether or not logging is set up. So [`classify`] first makes one pass of its own
//! (about 3,000 instructions, 0.2–0.4 µs, allocation-free): when the head is in a narrow "plain"
//! form the guardian provably calls Compliant (`Scan::plain` below lists the conditions) and
//! none of elbow's checks fires, the guardian is not called at all. Otherwise both run.

use http_desync_guardian::http_token_utils::{CL, TE, TokenSimilarity, determine_similarity};
use http_desync_guardian::request_analyzer::HttpRequestData;
use http_desync_guardian::{ClassificationReason, RequestSafetyTier};

use super::rewrite::split_absolute;

/// How risky a request is, ALB's four tiers (ALB guide, "Desync mitigation mode"), least to
/// most severe. Ordered: `Compliant < Acceptable < Ambiguous < Severe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// Complies with the RFC and poses no known threat.
    Compliant,
    /// Does not comply with the RFC but poses no known threat.
    Acceptable,
    /// Does not comply, and servers and proxies could handle it differently.
    Ambiguous,
    /// A high security risk.
    Severe,
}

impl Tier {
    /// The tier's name as ALB writes it (`Compliant`, `Acceptable`, `Ambiguous`, `Severe`).
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Compliant => "Compliant",
            Tier::Acceptable => "Acceptable",
            Tier::Ambiguous => "Ambiguous",
            Tier::Severe => "Severe",
        }
    }

    /// The access-log `classification` field: `-` for a compliant request, else the tier name.
    pub fn log_field(self) -> &'static str {
        match self {
            Tier::Compliant => "-",
            t => t.as_str(),
        }
    }
}

/// The classification of one request head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// The tier.
    pub tier: Tier,
    /// Why, as a stable short code: the guardian's `ClassificationReason` name (`Compliant`,
    /// `AmbiguousUri`, `DuplicateContentLength`, ...; the names ALB writes to the access-log
    /// field `classification_reason`), or one of elbow's own codes in [`reason`].
    pub reason: &'static str,
}

impl Verdict {
    /// A compliant request.
    pub const COMPLIANT: Verdict = Verdict { tier: Tier::Compliant, reason: "Compliant" };

    /// The access-log `classification_reason` field: `-` for a compliant request.
    pub fn log_reason(&self) -> &'static str {
        if self.tier == Tier::Compliant { "-" } else { self.reason }
    }
}

/// Reason codes of elbow's own checks, beyond the guardian's. Each names one check; the module
/// documentation gives its tier and the rule behind it. [`reason::BAD_METHOD`],
/// [`reason::BAD_VERSION`] and [`reason::BOTH_TE_CL_PRESENT`] reuse the guardian's codes, for the
/// same meaning.
pub mod reason {
    /// `Content-Length` with an empty (or all-whitespace) value.
    pub const EMPTY_CONTENT_LENGTH: &str = "EmptyContentLength";
    /// `Transfer-Encoding` whose value is not exactly `chunked` (case-insensitive, OWS trimmed).
    pub const NON_CHUNKED_TRANSFER_ENCODING: &str = "NonChunkedTransferEncoding";
    /// `Transfer-Encoding` in more than one field line.
    pub const MULTIPLE_TRANSFER_ENCODING: &str = "MultipleTransferEncoding";
    /// `Transfer-Encoding` in an HTTP/1.0 (or HTTP/0.9) request.
    pub const TRANSFER_ENCODING_IN_HTTP10: &str = "TransferEncodingInHttp10";
    /// Both `Transfer-Encoding` and `Content-Length` (the guardian's code).
    pub const BOTH_TE_CL_PRESENT: &str = "BothTeClPresent";
    /// More than one `Host` field line.
    pub const DUPLICATE_HOST: &str = "DuplicateHost";
    /// No `Host` in an HTTP/1.1 request whose target is not in absolute form.
    pub const MISSING_HOST: &str = "MissingHost";
    /// An absolute-form target whose authority is empty or differs from `Host`.
    pub const HOST_AUTHORITY_MISMATCH: &str = "HostAuthorityMismatch";
    /// Whitespace between a field name and its colon.
    pub const WHITESPACE_BEFORE_COLON: &str = "WhitespaceBeforeColon";
    /// A field line starting with whitespace (obs-fold, or whitespace before the first field).
    pub const OBS_FOLD: &str = "ObsFold";
    /// A CR not followed by LF.
    pub const BARE_CR: &str = "BareCR";
    /// A control character (NUL, HTAB, DEL, ...) in the request target.
    pub const CTL_IN_TARGET: &str = "CtlInTarget";
    /// A control character other than HTAB in a field name or value (HTAB in a name too).
    pub const CTL_IN_HEADER: &str = "CtlInHeader";
    /// An empty or non-token method (the guardian's code).
    pub const BAD_METHOD: &str = "BadMethod";
    /// A protocol version other than `HTTP/0.9` and `HTTP/1.x` (the guardian's code).
    pub const BAD_VERSION: &str = "BadVersion";
}

/// The load balancer attribute `routing.http.desync_mitigation_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// `monitor`: forward every request.
    Monitor,
    /// `defensive` (ALB's default): see [`action`].
    #[default]
    Defensive,
    /// `strictest`: forward only compliant requests.
    Strictest,
}

impl Mode {
    /// Parses the attribute value: exactly `monitor`, `defensive` or `strictest` (ALB accepts
    /// only these spellings). `None` for anything else.
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "monitor" => Some(Mode::Monitor),
            "defensive" => Some(Mode::Defensive),
            "strictest" => Some(Mode::Strictest),
            _ => None,
        }
    }

    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Monitor => "monitor",
            Mode::Defensive => "defensive",
            Mode::Strictest => "strictest",
        }
    }
}

/// What the load balancer does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Route it as usual.
    Forward,
    /// Route it, then close both the client connection and the target connection after the
    /// response (ALB: "routes the requests but closes the client and target connections"): the
    /// target connection is not returned to the pool and nothing pipelined behind the request
    /// on the client connection is read.
    ForwardThenClose,
    /// Block it: answer 400 and close the client connection; nothing reaches a target.
    Reject,
}

/// ALB's table (ALB guide, "Desync mitigation mode"; reliability.md §1.1):
///
/// | tier | monitor | defensive | strictest |
/// |---|---|---|---|
/// | Compliant | forward | forward | forward |
/// | Acceptable | forward | forward | reject |
/// | Ambiguous | forward | forward, then close | reject |
/// | Severe | forward | reject | reject |
pub fn action(mode: Mode, tier: Tier) -> Action {
    match (mode, tier) {
        (Mode::Monitor, _) => Action::Forward,
        (Mode::Defensive, Tier::Compliant | Tier::Acceptable) => Action::Forward,
        (Mode::Defensive, Tier::Ambiguous) => Action::ForwardThenClose,
        (Mode::Defensive, Tier::Severe) => Action::Reject,
        (Mode::Strictest, Tier::Compliant) => Action::Forward,
        (Mode::Strictest, _) => Action::Reject,
    }
}

/// Classifies one request head: the bytes up to and including the empty line that ends it
/// (CRLFCRLF), as the engine has them in its buffer. Bytes after the empty line are ignored;
/// empty lines before the request line are skipped (RFC 9112 §2.2, as elbow's parser does).
///
/// The result is the more severe of the guardian's verdict (`analyze_raw_request`) and elbow's
/// own checks (module documentation). Does not panic on any input (`tests.rs` fuzzes it).
/// Allocates only when the guardian runs (the head is not plain) and either its verdict is not
/// Compliant or the head has more than 64 fields.
pub fn classify(raw_head: &[u8]) -> Verdict {
    classify_with(raw_head, true)
}

/// [`classify`], optionally without the fast path (tests compare the two).
fn classify_with(raw_head: &[u8], fast_path: bool) -> Verdict {
    let head = skip_leading_empty_lines(raw_head);
    let scan = scan(head);
    if fast_path && scan.plain && scan.extra.is_none() {
        return Verdict::COMPLIANT;
    }
    more_severe(guardian(head), scan.extra)
}

/// The guardian's verdict on `head` alone.
fn guardian(head: &[u8]) -> Verdict {
    let r = HttpRequestData::analyze_raw_request(head);
    Verdict { tier: tier_of(r.tier), reason: reason_name(r.reason) }
}

/// `extra` if it is strictly more severe than `g`, else `g` (the guardian's reason wins ties).
fn more_severe(g: Verdict, extra: Option<Verdict>) -> Verdict {
    match extra {
        Some(e) if e.tier > g.tier => e,
        _ => g,
    }
}

fn skip_leading_empty_lines(mut head: &[u8]) -> &[u8] {
    loop {
        if let Some(rest) = head.strip_prefix(b"\r\n") {
            head = rest;
        } else if let Some(rest) = head.strip_prefix(b"\n") {
            head = rest;
        } else {
            return head;
        }
    }
}

fn tier_of(t: RequestSafetyTier) -> Tier {
    match t {
        RequestSafetyTier::Compliant => Tier::Compliant,
        RequestSafetyTier::Acceptable => Tier::Acceptable,
        RequestSafetyTier::Ambiguous => Tier::Ambiguous,
        RequestSafetyTier::Severe => Tier::Severe,
    }
}

/// The guardian's reason as a static string (its `Debug` name, without allocating).
fn reason_name(r: ClassificationReason) -> &'static str {
    use ClassificationReason as R;
    match r {
        R::Compliant => "Compliant",
        R::EmptyHeader => "EmptyHeader",
        R::SuspiciousHeader => "SuspiciousHeader",
        R::NonCompliantHeader => "NonCompliantHeader",
        R::BadHeader => "BadHeader",
        R::AmbiguousUri => "AmbiguousUri",
        R::SpaceInUri => "SpaceInUri",
        R::BadUri => "BadUri",
        R::NonCompliantVersion => "NonCompliantVersion",
        R::BadVersion => "BadVersion",
        R::GetHeadZeroContentLength => "GetHeadZeroContentLength",
        R::UndefinedContentLengthSemantics => "UndefinedContentLengthSemantics",
        R::MultipleContentLength => "MultipleContentLength",
        R::DuplicateContentLength => "DuplicateContentLength",
        R::BadContentLength => "BadContentLength",
        R::UndefinedTransferEncodingSemantics => "UndefinedTransferEncodingSemantics",
        R::MultipleTransferEncodingChunked => "MultipleTransferEncodingChunked",
        R::BadTransferEncoding => "BadTransferEncoding",
        R::BothTeClPresent => "BothTeClPresent",
        R::BadMethod => "BadMethod",
        R::NonCrLfLineTermination => "NonCrLfLineTermination",
        R::MultilineHeader => "MultilineHeader",
        R::PartialHeaderLine => "PartialHeaderLine",
        R::MissingLastEmptyLine => "MissingLastEmptyLine",
        R::MissingHeaderColon => "MissingHeaderColon",
        R::MissingUri => "MissingUri",
    }
}

const SP: u8 = b' ';
const HT: u8 = b'\t';
const CR: u8 = b'\r';
const LF: u8 = b'\n';

/// RFC 9110 §5.6.2 `tchar`.
const TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric() || matches!(b, b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~');
        i += 1;
    }
    t
};

#[inline]
fn is_tchar(b: u8) -> bool {
    TCHAR[b as usize]
}

/// RFC 5234 CTL: %x00-1F and DEL.
#[inline]
fn is_ctl(b: u8) -> bool {
    b < 0x20 || b == 0x7f
}

/// A byte not allowed in a field value: a CTL other than HTAB. Its complement is exactly the
/// guardian's `HEADER_VALUE_CHARS` (VCHAR, obs-text, SP, HTAB).
#[inline]
fn is_bad_value_byte(b: u8) -> bool {
    is_ctl(b) && b != HT
}

/// A byte the guardian accepts in a URI without comment (`VALID_URI_CHARS`): above SP, not DEL.
#[inline]
fn is_plain_uri_byte(b: u8) -> bool {
    b > SP && b != 0x7f
}

/// Trims SP and HTAB (RFC 9110 OWS) on both sides.
fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [SP | HT, rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., SP | HT] = v {
        v = rest;
    }
    v
}

/// The index of the first byte in `buf` that [`is_bad_value_byte`] (any CTL but HTAB: CR and
/// LF included), or `buf.len()`. Eight bytes at a time: a head is mostly field values, and a
/// clean line's first such byte is its CR.
fn first_special(buf: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = buf.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        // A conversion that cannot fail; were it to, 0 reads as "look at these bytes".
        let w = chunk.try_into().map_or(0, u64::from_le_bytes);
        // A high bit for bytes below 0x20 and for 0x7f (the "has less" and "has zero" word
        // tricks): never one missed, the lowest flagged byte is a real one, and higher flags
        // may be false (a borrow), so each flagged byte is checked.
        let del = w ^ (ONES * 0x7f);
        let mut flags = (w.wrapping_sub(ONES * 0x20) & !w & HIGH) | (del.wrapping_sub(ONES) & !del & HIGH);
        while flags != 0 {
            let i = (flags.trailing_zeros() / 8) as usize;
            if chunk.get(i).is_some_and(|&b| is_bad_value_byte(b)) {
                return at + i;
            }
            flags &= flags - 1;
        }
        at += 8;
    }
    let tail = chunks.remainder();
    at + tail.iter().position(|&b| is_bad_value_byte(b)).unwrap_or(tail.len())
}

/// One line of a head.
struct Line<'a> {
    /// Its bytes, without the LF and one CR before it.
    bytes: &'a [u8],
    /// It ended with CRLF.
    crlf: bool,
    /// It is known to hold no CTL but HTAB (else: not known either way).
    clean: bool,
}

/// The next line of `rest`, and what follows it.
#[inline]
fn next_line(rest: &[u8]) -> (Line<'_>, &[u8]) {
    let i = first_special(rest);
    if rest.get(i) == Some(&CR) && rest.get(i + 1) == Some(&LF) {
        return (Line { bytes: &rest[..i], crlf: true, clean: true }, &rest[i + 2..]);
    }
    let (line, terminated, after) = match rest.iter().position(|&b| b == LF) {
        Some(i) => (&rest[..i], true, &rest[i + 1..]),
        None => (rest, false, &rest[rest.len()..]),
    };
    let (bytes, crlf) = match line.split_last() {
        Some((&CR, l)) => (l, terminated),
        _ => (line, false),
    };
    (Line { bytes, crlf, clean: false }, after)
}

/// Whether `name` could be "similar" to `Transfer-Encoding` or `Content-Length` in the sense of
/// the guardian's `determine_similarity`, which compares from the first alphanumeric byte and
/// calls every name Distant whose first one is not that of the name it compares with. Only
/// names starting (after non-alphanumerics) with `t` or `c` need the full comparison.
#[inline]
fn may_resemble_te_or_cl(name: &[u8]) -> bool {
    name.len() >= CL.len() && matches!(name.iter().find(|b| b.is_ascii_alphanumeric()), Some(b't' | b'T' | b'c' | b'C'))
}

/// The protocol version of a request line, after trimming OWS as the guardian does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    /// No version, or `HTTP/0.9`.
    Http09,
    /// `HTTP/1.0`.
    Http10,
    /// `HTTP/1.1` to `HTTP/1.9` (a higher minor version is handled as 1.1, RFC 9110 §6.2).
    Http11,
    /// Anything else.
    Bad,
}

fn version_of(v: &[u8]) -> Version {
    match trim_ows(v) {
        b"" | b"HTTP/0.9" => Version::Http09,
        b"HTTP/1.0" => Version::Http10,
        [b'H', b'T', b'T', b'P', b'/', b'1', b'.', d] if (b'1'..=b'9').contains(d) => Version::Http11,
        _ => Version::Bad,
    }
}

/// The request line in the strict form `method SP target SP HTTP/1.x` that needs no further
/// thought: method a token, target of plain URI bytes, version `HTTP/1.0` or `HTTP/1.1`.
fn strict_request_line(line: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let sp1 = line.iter().position(|&b| b == SP)?;
    let (method, rest) = (&line[..sp1], &line[sp1 + 1..]);
    let sp2 = rest.iter().position(|&b| b == SP)?;
    let (target, version) = (&rest[..sp2], &rest[sp2 + 1..]);
    let ok = !method.is_empty()
        && method.iter().all(|&b| is_tchar(b))
        && !target.is_empty()
        && target.iter().all(|&b| is_plain_uri_byte(b))
        && (version == b"HTTP/1.1" || version == b"HTTP/1.0");
    ok.then_some((method, target, version))
}

/// Splits any request line into (method, target, version) the way the guardian's raw parser
/// does (`parse_request_line`): the method ends at the first SP; the version is the last
/// SP-separated token once trailing non-token bytes are skipped; the target is between. With
/// one token after the method, that token is the target (HTTP/0.9) unless it looks like a
/// version (then the target is missing).
fn guardian_request_line(line: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let end = line.len();
    let (method, pos) = match line.iter().position(|&b| b == SP) {
        Some(i) => (&line[..i], i + 1),
        None => (line, end + 1),
    };
    // The guardian's `RequestBuffer::last_token(SP)` on line[pos..end].
    let mut current = if end > pos { end - 1 } else { pos };
    let mut skip_non_tchars = true;
    while pos < current && (line[current] != SP || skip_non_tchars) {
        skip_non_tchars &= !is_tchar(line[current]);
        current -= 1;
    }
    // Regions as (start, end); start > end means "partial" (an expected delimiter was missing).
    let (uri, version) = if current >= pos && current < end {
        let begin = if line[current] == SP { current + 1 } else { current };
        ((pos, begin - 1), (begin, end))
    } else {
        ((pos, end), (1, 0))
    };
    let slice = |(s, e): (usize, usize)| if s < e { &line[s..e] } else { &line[..0] };
    let uri_partial = uri.0 > uri.1;
    let version_done = version.0 >= version.1;
    let uri_done = uri.0 >= uri.1;
    if (uri_partial && slice(version).starts_with(b"HTTP/1.")) || (version_done && uri_done) {
        // The guardian reports MissingUri.
        (method, slice(uri), slice(version))
    } else if uri_partial {
        (method, slice(version), &line[..0])
    } else {
        (method, slice(uri), slice(version))
    }
}

/// What one pass over a head found.
#[derive(Debug, Clone, Copy)]
struct Scan {
    /// The head is "plain", a form the guardian provably classifies Compliant:
    /// - every line, the final empty one included, ends with CRLF and holds no other CR;
    /// - the request line is `method SP target SP version` with a token method, a target of
    ///   bytes above SP other than DEL, and version exactly `HTTP/1.1` or `HTTP/1.0`;
    /// - every field line starts with a token name directly followed by `:`, and its value has
    ///   no CTL other than HTAB;
    /// - no name is "similar" to `Transfer-Encoding`/`Content-Length` without being it (the
    ///   guardian's own `determine_similarity` decides);
    /// - framing is one of: nothing; one `Content-Length` of 1 to 19 digits on a method other
    ///   than `GET`/`HEAD`; one `Transfer-Encoding: chunked` on an HTTP/1.1 request whose method
    ///   is not `GET`/`HEAD`.
    ///
    /// Each item rules out the guardian's checks one by one (`request_analyzer.rs`: line
    /// termination, MissingUri, multiline/colon/partial/empty-line parsing, header character
    /// tiers, EmptyHeader, SuspiciousHeader, TE/CL semantics, method, version, URI).
    /// `tests.rs` checks the implication on the corpus and on fuzzed heads.
    plain: bool,
    /// The first of elbow's own checks that failed at the highest tier found.
    extra: Option<Verdict>,
}

/// Scan state.
struct Findings {
    extra: Option<Verdict>,
}

impl Findings {
    #[inline]
    fn flag(&mut self, tier: Tier, reason: &'static str) {
        if self.extra.is_none_or(|e| tier > e.tier) {
            self.extra = Some(Verdict { tier, reason });
        }
    }
}

/// One pass over the head: elbow's own checks, and whether the head is plain.
fn scan(head: &[u8]) -> Scan {
    let mut f = Findings { extra: None };
    let (Line { bytes: line, crlf, clean }, mut rest) = next_line(head);
    let mut plain = crlf;

    // Request line.
    if !clean && line.contains(&CR) {
        f.flag(Tier::Severe, reason::BARE_CR);
    }
    let (method, target, version) = match strict_request_line(line) {
        Some(parts) => parts,
        None => {
            plain = false;
            let (method, target, version) = guardian_request_line(line);
            if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
                f.flag(Tier::Severe, reason::BAD_METHOD);
            }
            if target.iter().any(|&b| is_ctl(b)) {
                f.flag(Tier::Severe, reason::CTL_IN_TARGET);
            }
            (method, target, version)
        }
    };
    let version = version_of(version);
    if version == Version::Bad {
        f.flag(Tier::Severe, reason::BAD_VERSION);
    }

    // Field lines, up to the empty line.
    let (mut te, mut cl, mut hosts) = (0u32, 0u32, 0u32);
    let mut cl_digits = true;
    let mut te_chunked = true;
    let mut host: Option<&[u8]> = None;
    loop {
        if rest.is_empty() {
            // No empty line: the guardian reports the head as incomplete.
            plain = false;
            break;
        }
        let (Line { bytes: line, crlf, clean }, after) = next_line(rest);
        rest = after;
        plain &= crlf;
        let Some(&first) = line.first() else { break };
        if first == SP || first == HT {
            plain = false;
            f.flag(Tier::Severe, reason::OBS_FOLD);
            continue;
        }
        // Usually the name is all token bytes up to the colon: one pass finds both.
        let token_end = line.iter().position(|&b| !is_tchar(b)).unwrap_or(line.len());
        let colon = if line.get(token_end) == Some(&b':') { Some(token_end) } else { line.iter().position(|&b| b == b':') };
        let Some(colon) = colon else {
            // No colon (the guardian: MissingHeaderColon, Ambiguous).
            // All of it reads as a name, so HTAB counts too.
            plain = false;
            if !clean && line.contains(&CR) {
                f.flag(Tier::Severe, reason::BARE_CR);
            } else if line.iter().any(|&b| is_ctl(b)) {
                f.flag(Tier::Severe, reason::CTL_IN_HEADER);
            }
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if name.is_empty() || colon != token_end {
            plain = false;
            if name.contains(&CR) {
                f.flag(Tier::Severe, reason::BARE_CR);
            } else if matches!(name.last(), Some(&(SP | HT))) {
                f.flag(Tier::Severe, reason::WHITESPACE_BEFORE_COLON);
            } else if name.iter().any(|&b| is_ctl(b)) {
                f.flag(Tier::Severe, reason::CTL_IN_HEADER);
            }
        }
        if !clean && value.iter().any(|&b| is_bad_value_byte(b)) {
            plain = false;
            if value.contains(&CR) {
                f.flag(Tier::Severe, reason::BARE_CR);
            } else {
                f.flag(Tier::Severe, reason::CTL_IN_HEADER);
            }
        }
        match name.len() {
            4 if name.eq_ignore_ascii_case(b"host") => {
                hosts += 1;
                if hosts > 1 {
                    f.flag(Tier::Severe, reason::DUPLICATE_HOST);
                } else {
                    host = Some(trim_ows(value));
                }
            }
            14 if name.eq_ignore_ascii_case(b"content-length") => {
                cl += 1;
                let v = trim_ows(value);
                if v.is_empty() {
                    f.flag(Tier::Severe, reason::EMPTY_CONTENT_LENGTH);
                }
                cl_digits &= !v.is_empty() && v.len() <= 19 && v.iter().all(u8::is_ascii_digit);
            }
            17 if name.eq_ignore_ascii_case(b"transfer-encoding") => {
                te += 1;
                if te > 1 {
                    f.flag(Tier::Severe, reason::MULTIPLE_TRANSFER_ENCODING);
                }
                if !trim_ows(value).eq_ignore_ascii_case(b"chunked") {
                    te_chunked = false;
                    f.flag(Tier::Severe, reason::NON_CHUNKED_TRANSFER_ENCODING);
                }
            }
            _ if plain && may_resemble_te_or_cl(name) => {
                plain = determine_similarity(TE, name) == TokenSimilarity::Distant && determine_similarity(CL, name) == TokenSimilarity::Distant;
            }
            _ => {}
        }
    }

    // Whole-head checks.
    if te > 0 && matches!(version, Version::Http10 | Version::Http09) {
        f.flag(Tier::Severe, reason::TRANSFER_ENCODING_IN_HTTP10);
    }
    match (host, split_absolute(target)) {
        (_, Some((b"", _))) => f.flag(Tier::Severe, reason::HOST_AUTHORITY_MISMATCH),
        (Some(h), Some((authority, _))) if !same_authority(h, authority, is_https(target)) => f.flag(Tier::Severe, reason::HOST_AUTHORITY_MISMATCH),
        (None, None) if version == Version::Http11 => f.flag(Tier::Severe, reason::MISSING_HOST),
        _ => {}
    }
    if te > 0 && cl > 0 {
        f.flag(Tier::Ambiguous, reason::BOTH_TE_CL_PRESENT);
    }

    let bodiless = method == b"GET" || method == b"HEAD";
    plain &= match (te, cl) {
        (0, 0) => true,
        (0, 1) => cl_digits && !bodiless,
        (1, 0) => te_chunked && version == Version::Http11 && !bodiless,
        _ => false,
    };
    Scan { plain, extra: f.extra }
}

fn is_https(target: &[u8]) -> bool {
    target.len() > 8 && target[..8].eq_ignore_ascii_case(b"https://")
}

/// `Host` and an absolute-form authority name the same origin: equal ignoring ASCII case, once
/// an empty port or the scheme's default port is dropped from each (RFC 3986 §6.2.3).
fn same_authority(host: &[u8], authority: &[u8], https: bool) -> bool {
    fn normalise<'a>(a: &'a [u8], default_port: &[u8]) -> &'a [u8] {
        if let Some(h) = a.strip_suffix(default_port) {
            h
        } else if let Some(h) = a.strip_suffix(b":") {
            h
        } else {
            a
        }
    }
    let default_port: &[u8] = if https { b":443" } else { b":80" };
    normalise(host, default_port).eq_ignore_ascii_case(normalise(authority, default_port))
}

#[cfg(test)]
mod tests;

#[cfg(any(test, feature = "desync-corpus"))]
pub mod corpus;
