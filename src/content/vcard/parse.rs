//! Reading a PUT body with calcard and checking it is one vCard 3.0 or 4.0: calcard
//! reads liberally (lines without a colon are skipped, a missing END is forgiven), so
//! what it would silently drop is refused here instead.

use calcard::vcard::{VCard, VCardProperty};
use calcard::{Entry, Parser};

use super::{VCardError, VCardVersion};

pub(super) fn parse(data: &[u8]) -> Result<(VCard, VCardVersion), VCardError> {
    let text = std::str::from_utf8(data).map_err(|_| VCardError::NotUtf8)?;
    let start = text.trim_start_matches('\u{feff}').trim_start();
    if !start
        .get(..11)
        .is_some_and(|head| head.eq_ignore_ascii_case("BEGIN:VCARD"))
    {
        return Err(VCardError::NotVCard);
    }
    // Strict: a line without a colon and a vCard without END are errors, not skipped.
    let mut parser = Parser::new(text).strict();
    let vcard = match parser.entry() {
        Entry::VCard(vcard) => vcard,
        Entry::InvalidLine(line) => return Err(VCardError::InvalidLine(line)),
        // calcard stops a vCard at a nested BEGIN and reports it unterminated.
        Entry::UnterminatedComponent(_) if begin_lines(text) > 1 => {
            return Err(VCardError::SeveralVCards)
        }
        Entry::UnterminatedComponent(_) => return Err(VCardError::Unterminated),
        _ => return Err(VCardError::NotVCard),
    };
    loop {
        match parser.entry() {
            Entry::Eof => break,
            Entry::InvalidLine(line) if line.trim().is_empty() => continue,
            Entry::VCard(_) => return Err(VCardError::SeveralVCards),
            Entry::InvalidLine(line) => return Err(VCardError::TrailingContent(line)),
            Entry::UnterminatedComponent(_) if begin_lines(text) > 1 => {
                return Err(VCardError::SeveralVCards)
            }
            _ => {
                return Err(VCardError::TrailingContent(
                    "another component after the vCard".to_owned(),
                ))
            }
        }
    }
    if !last_line(text).eq_ignore_ascii_case("END:VCARD") {
        // calcard accepts any END:<name>; only END:VCARD closes a vCard.
        return Err(VCardError::InvalidLine(last_line(text).to_owned()));
    }
    let version = version(&vcard)?;
    Ok((vcard, version))
}

fn begin_lines(text: &str) -> usize {
    text.lines()
        .filter(|line| {
            line.trim_start_matches('\u{feff}')
                .trim()
                .eq_ignore_ascii_case("BEGIN:VCARD")
        })
        .count()
}

/// The last line that is not blank.
fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or_default()
}

fn version(vcard: &VCard) -> Result<VCardVersion, VCardError> {
    let mut versions = vcard
        .entries
        .iter()
        .filter(|entry| entry.name == VCardProperty::Version);
    let first = versions.next().ok_or(VCardError::MissingVersion)?;
    if versions.next().is_some() {
        return Err(VCardError::SeveralVersions);
    }
    let text = first
        .values
        .first()
        .and_then(|value| value.as_text())
        .unwrap_or_default()
        .trim();
    VCardVersion::from_text(text).ok_or_else(|| VCardError::UnsupportedVersion(text.to_owned()))
}
