//! What a mail's subject and note need from an iTIP message, read from its content lines
//! (RFC 5545 3.1) without a full parse: the METHOD of the VCALENDAR, and the SEQUENCE and
//! the attendees' PARTSTAT of its first scheduling component (VEVENT, VTODO, VJOURNAL).
//! One linear pass; properties of nested components (VALARM attendees) are skipped.

/// What the subject line and the note say about an iTIP message.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct ItipFacts {
    /// The VCALENDAR's METHOD, as written.
    pub method: Option<String>,
    /// The first scheduling component's SEQUENCE.
    pub sequence: Option<u64>,
    /// The first scheduling component's attendees: (calendar user address, PARTSTAT).
    pub attendees: Vec<(String, Option<String>)>,
}

impl ItipFacts {
    /// Reads `ical` (UTF-8, CRLF or LF line ends, folded or not).
    pub fn read(ical: &[u8]) -> ItipFacts {
        let text = String::from_utf8_lossy(ical);
        let mut facts = ItipFacts::default();
        // Components open around the current line: VCALENDAR, then VEVENT, then VALARM...
        let mut open: Vec<String> = Vec::new();
        // Whether a scheduling component was read to its END already.
        let mut first_done = false;
        for line in unfolded(&text) {
            let Some((name, params, value)) = split_line(&line) else {
                continue;
            };
            match name.as_str() {
                "BEGIN" => open.push(value.trim().to_ascii_uppercase()),
                "END" => {
                    if open.len() == 2 && is_scheduling(&open[1]) {
                        first_done = true;
                    }
                    open.pop();
                }
                "METHOD" if open.len() == 1 => facts.method = Some(value.trim().to_owned()),
                "SEQUENCE" if !first_done && open.len() == 2 && is_scheduling(&open[1]) => {
                    facts.sequence = value.trim().parse().ok();
                }
                "ATTENDEE" if !first_done && open.len() == 2 && is_scheduling(&open[1]) => {
                    let partstat = params
                        .into_iter()
                        .find(|(n, _)| n == "PARTSTAT")
                        .map(|(_, v)| v.to_ascii_uppercase());
                    facts.attendees.push((value.trim().to_owned(), partstat));
                }
                _ => {}
            }
        }
        facts
    }

    /// The PARTSTAT of the attendee whose address is `mailto:<mail>` (case-insensitive),
    /// or of the only attendee.
    pub fn partstat_of(&self, mail: &str) -> Option<&str> {
        let own = self.attendees.iter().find(|(address, _)| {
            crate::scheduling::addresses::mail_of(address)
                .is_some_and(|m| m.eq_ignore_ascii_case(mail))
        });
        let attendee = match own {
            Some(a) => Some(a),
            None if self.attendees.len() == 1 => self.attendees.first(),
            None => None,
        };
        attendee.and_then(|(_, partstat)| partstat.as_deref())
    }
}

fn is_scheduling(component: &str) -> bool {
    matches!(component, "VEVENT" | "VTODO" | "VJOURNAL")
}

/// The logical lines of `text`: folds (a line end followed by a space or tab) removed.
fn unfolded(text: &str) -> impl Iterator<Item = String> + '_ {
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let mut pending: Option<String> = None;
    std::iter::from_fn(move || loop {
        match lines.next() {
            Some(line) if line.starts_with([' ', '\t']) => {
                if let Some(p) = pending.as_mut() {
                    p.push_str(&line[1..]);
                }
            }
            Some(line) => {
                if let Some(done) = pending.replace(line.to_owned()) {
                    return Some(done);
                }
            }
            None => return pending.take(),
        }
    })
}

/// A content line's parameters: (upper-cased name, unquoted value), several values of
/// one parameter kept comma-joined.
type Params = Vec<(String, String)>;

/// A content line's upper-cased name, its parameters and its value; None for a line
/// without `:`.
fn split_line(line: &str) -> Option<(String, Params, &str)> {
    let name_end = line.find([';', ':'])?;
    let name = line[..name_end].trim().to_ascii_uppercase();
    let mut params = Vec::new();
    let mut rest = &line[name_end..];
    while let Some(after) = rest.strip_prefix(';') {
        let eq = after.find('=')?;
        let param_name = after[..eq].trim().to_ascii_uppercase();
        let mut value = String::new();
        let mut chars = after[eq + 1..].char_indices();
        let mut quoted = false;
        let mut end = after.len() - eq - 1;
        for (i, c) in chars.by_ref() {
            match c {
                '"' => quoted = !quoted,
                ';' | ':' if !quoted => {
                    end = i;
                    break;
                }
                c => value.push(c),
            }
        }
        params.push((param_name, value));
        rest = &after[eq + 1 + end..];
    }
    let value = rest.strip_prefix(':')?;
    Some((name, params, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPLY: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:1\r\nSEQUENCE:3\r\nORGANIZER:mailto:alice@example.com\r\nATTENDEE;CN=\"Doe; John: Jr\";PARTSTAT=tentative;RSVP=TRUE:mai\r\n lto:john@example.net\r\nBEGIN:VALARM\r\nACTION:EMAIL\r\nATTENDEE;PARTSTAT=DECLINED:mailto:other@example.net\r\nEND:VALARM\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSEQUENCE:9\r\nATTENDEE;PARTSTAT=DECLINED:mailto:john@example.net\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn reads_method_sequence_and_partstat_of_the_first_component() {
        let facts = ItipFacts::read(REPLY.as_bytes());
        assert_eq!(facts.method.as_deref(), Some("REPLY"));
        assert_eq!(facts.sequence, Some(3));
        assert_eq!(
            facts.attendees,
            vec![(
                "mailto:john@example.net".to_owned(),
                Some("TENTATIVE".to_owned())
            )]
        );
        assert_eq!(facts.partstat_of("John@Example.net"), Some("TENTATIVE"));
        // The only attendee answers for the reply whatever the sender's address.
        assert_eq!(facts.partstat_of("j.doe@example.net"), Some("TENTATIVE"));
    }

    #[test]
    fn bare_line_feeds_and_missing_parts() {
        let facts = ItipFacts::read(b"BEGIN:VCALENDAR\nMETHOD:CANCEL\nBEGIN:VTODO\nATTENDEE:mailto:a@b.c\nATTENDEE;PARTSTAT=ACCEPTED:mailto:d@e.f\nEND:VTODO\nEND:VCALENDAR\n");
        assert_eq!(facts.method.as_deref(), Some("CANCEL"));
        assert_eq!(facts.sequence, None);
        assert_eq!(facts.partstat_of("a@b.c"), None);
        assert_eq!(facts.partstat_of("d@e.f"), Some("ACCEPTED"));
        assert_eq!(facts.partstat_of("x@y.z"), None);
        assert_eq!(ItipFacts::read(b"not a calendar"), ItipFacts::default());
    }
}
