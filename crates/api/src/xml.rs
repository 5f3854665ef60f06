//! A small XML writer for AWS responses; escaping is quick-xml's.

use std::fmt::Write;

/// Accumulates an XML document.
#[derive(Debug, Default)]
pub struct Xml {
    buf: String,
}

impl Xml {
    /// An empty document body.
    pub fn new() -> Xml {
        Xml { buf: String::with_capacity(512) }
    }

    /// `<tag>`.
    pub fn open(&mut self, tag: &str) -> &mut Self {
        let _ = write!(self.buf, "<{tag}>");
        self
    }

    /// `</tag>`.
    pub fn close(&mut self, tag: &str) -> &mut Self {
        let _ = write!(self.buf, "</{tag}>");
        self
    }

    /// `<tag>text</tag>` with `text` escaped.
    pub fn text(&mut self, tag: &str, text: impl AsRef<str>) -> &mut Self {
        let _ = write!(self.buf, "<{tag}>{}</{tag}>", quick_xml::escape::escape(text.as_ref()));
        self
    }

    /// `text` only if `Some`.
    pub fn opt(&mut self, tag: &str, text: Option<impl AsRef<str>>) -> &mut Self {
        if let Some(t) = text {
            self.text(tag, t);
        }
        self
    }

    /// `<tag>` + whatever `f` writes + `</tag>`.
    pub fn elem(&mut self, tag: &str, f: impl FnOnce(&mut Xml)) -> &mut Self {
        self.open(tag);
        f(self);
        self.close(tag)
    }

    /// A list: `<tag><item>…</item>…</tag>`, or `<tag/>` when empty.
    pub fn list<T>(&mut self, tag: &str, item: &str, items: impl IntoIterator<Item = T>, mut f: impl FnMut(&mut Xml, T)) -> &mut Self {
        let mut any = false;
        for it in items {
            if !any {
                self.open(tag);
                any = true;
            }
            self.open(item);
            f(self, it);
            self.close(item);
        }
        if any {
            self.close(tag);
        } else {
            let _ = write!(self.buf, "<{tag}/>");
        }
        self
    }

    /// A list of strings: `<tag><item>s</item>…</tag>`.
    pub fn strings<S: AsRef<str>>(&mut self, tag: &str, item: &str, items: impl IntoIterator<Item = S>) -> &mut Self {
        self.list(tag, item, items, |x, s| {
            let _ = write!(x.buf, "{}", quick_xml::escape::escape(s.as_ref()));
        })
    }

    /// The document so far.
    pub fn into_string(self) -> String {
        self.buf
    }

    /// Borrows the document so far.
    pub fn as_str(&self) -> &str {
        &self.buf
    }
}

/// Formats epoch milliseconds as AWS does: `2016-03-25T21:26:12.920Z`.
pub fn timestamp(ms: u64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_escaped_elements_and_lists() {
        let mut x = Xml::new();
        x.text("A", "a<b&c").strings("L", "member", ["x", "y"]).strings("E", "member", Vec::<String>::new());
        assert_eq!(x.as_str(), "<A>a&lt;b&amp;c</A><L><member>x</member><member>y</member></L><E/>");
    }

    #[test]
    fn timestamps_are_iso8601_with_millis() {
        assert_eq!(timestamp(1_458_941_172_920), "2016-03-25T21:26:12.920Z");
    }
}
