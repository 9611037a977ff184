//! A listing's members written straight from a template made once per listing: the
//! propstats of every member share their tags, statuses and the names not found, and
//! differ only in a few values (the ETag, the size, the last change, the data). The
//! template holds the shared bytes as the multistatus writer writes them, and the
//! places where each member's values go; a member is then written with one allocation,
//! instead of being built as properties, written and dropped.

use std::io::Write as _;

use http::StatusCode;

use crate::dav::member::{http_date, MemberFacts};
use crate::dav::multistatus::write_status;
use crate::dav::xml_writer::{escape_text_into, DavXmlWriter};
use crate::dav::{KnownProp, PropValue, Property, Propstat};

/// The propstats of every member of a listing, with the places of their values.
#[derive(Debug, Default)]
pub(super) struct Template {
    pieces: Vec<Piece>,
    /// The bytes of the `Written` pieces together.
    written_len: usize,
}

#[derive(Debug)]
enum Piece {
    Written(Vec<u8>),
    /// The escaped text of a member's value of this property (or its data).
    Value(KnownProp),
}

impl Template {
    /// The template of `shape`, the propstats of one member (`MemberAnswer::shape`),
    /// written as the multistatus writer writes a response's propstats: a text value of
    /// a member property is a place for each member's value, everything else is written
    /// as it is.
    pub(super) fn new(shape: &[Propstat]) -> Template {
        let mut out = DavXmlWriter::fragment();
        let mut pieces = Vec::new();
        if shape.is_empty() {
            // As the writer answers a response without properties (RFC 4918 14.24).
            out.raw(b"<D:propstat><D:prop/>");
            write_status(&mut out, StatusCode::OK);
            out.raw(b"</D:propstat>");
        }
        for propstat in shape {
            out.raw(b"<D:propstat><D:prop>");
            for Property { name, value } in &propstat.props {
                match (value, name.known()) {
                    (PropValue::Text(_), Some(known)) => {
                        out.start(name);
                        pieces.push(Piece::Written(out.take_written()));
                        pieces.push(Piece::Value(known));
                        out.end(name);
                    }
                    _ => out.value(name, value),
                }
            }
            out.raw(b"</D:prop>");
            write_status(&mut out, propstat.status);
            out.raw(b"</D:propstat>");
        }
        pieces.push(Piece::Written(out.finish()));
        pieces.retain(|piece| !matches!(piece, Piece::Written(bytes) if bytes.is_empty()));
        let written_len = pieces
            .iter()
            .map(|piece| match piece {
                Piece::Written(bytes) => bytes.len(),
                Piece::Value(_) => 0,
            })
            .sum();
        Template {
            pieces,
            written_len,
        }
    }

    /// The propstats of `member`, with `data` as the value of `data_prop`.
    pub(super) fn write(
        &self,
        member: &MemberFacts<'_>,
        data_prop: Option<KnownProp>,
        data: &str,
    ) -> Vec<u8> {
        // Room for every value once (a size's digits and a date take under 64 bytes);
        // escapes, rare in these values, may grow it.
        let values = data.len() + member.etag.len() + member.content_type.len() + 64;
        let mut out = Vec::with_capacity(self.written_len + values);
        for piece in &self.pieces {
            match piece {
                Piece::Written(bytes) => out.extend_from_slice(bytes),
                Piece::Value(prop) if Some(*prop) == data_prop => escape_text_into(&mut out, data),
                Piece::Value(KnownProp::GetEtag) => {
                    out.push(b'"');
                    escape_text_into(&mut out, member.etag);
                    out.push(b'"');
                }
                Piece::Value(KnownProp::GetContentType) => {
                    escape_text_into(&mut out, member.content_type)
                }
                Piece::Value(KnownProp::GetContentLength) => {
                    // Writing into a Vec cannot fail.
                    let _ = write!(out, "{}", member.size);
                }
                Piece::Value(KnownProp::GetLastModified) => {
                    out.extend_from_slice(http_date(member.modified_at).as_bytes())
                }
                // Member properties without a text value (the resource type) are
                // written as they are by `Template::new`.
                Piece::Value(_) => {}
            }
        }
        out
    }
}
