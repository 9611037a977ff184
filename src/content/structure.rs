//! The content-line structure of submitted iCalendar and vCard text, checked before the
//! parser reads it: no control characters (RFC 5545 3.1, RFC 6350 3.3), BEGIN and END in
//! pairs with matching names, and nesting, components and properties within the limits.
//! calcard reads liberally (a missing or mismatched END is forgiven), so what a write must
//! not store is refused here, naming the line.

use std::borrow::Cow;

use super::limits::ContentLimits;

/// Why submitted text was refused, for the client to read.
pub(crate) type Reason = String;

/// Checks `text` against `limits`. Top-level components may follow one another (the
/// caller decides how many it takes); each must be closed by an END naming it.
pub(crate) fn check(text: &str, limits: &ContentLimits) -> Result<(), Reason> {
    check_characters(text)?;
    // Some Windows programs write a byte order mark, which the parser skips too.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut open: Vec<(Cow<'_, str>, usize, usize)> = Vec::new();
    let mut components = 0usize;
    for (number, line) in logical_lines(text) {
        let (name, value) = split(&line);
        if name.contains('"') {
            // No name may hold one (RFC 5545 3.1, RFC 6350 3.3), and the parser reads a
            // name with quotes differently once the writer has folded it.
            return Err(format!(
                "line {number}: property name {name:?} holds a double quote"
            ));
        }
        if name.eq_ignore_ascii_case("BEGIN") {
            if value.is_empty() {
                return Err(format!("line {number}: BEGIN without a component name"));
            }
            components += 1;
            if open.len() >= limits.max_nesting {
                return Err(format!(
                    "line {number}: components nested more than {} deep",
                    limits.max_nesting
                ));
            }
            if components > limits.max_components {
                return Err(format!(
                    "line {number}: more than {} components",
                    limits.max_components
                ));
            }
            open.push((owned_value(&line, value), number, 0));
        } else if name.eq_ignore_ascii_case("END") {
            match open.pop() {
                Some((begun, _, _)) if begun.eq_ignore_ascii_case(value) => {}
                Some((begun, begun_at, _)) => {
                    return Err(format!(
                        "line {number}: END:{value} where END:{begun} (for line {begun_at}) \
                         was expected"
                    ))
                }
                None => return Err(format!("line {number}: END:{value} without BEGIN")),
            }
        } else if let Some((begun, _, properties)) = open.last_mut() {
            *properties += 1;
            if *properties > limits.max_properties_per_component {
                return Err(format!(
                    "line {number}: {begun} has more than {} properties",
                    limits.max_properties_per_component
                ));
            }
        }
    }
    match open.first() {
        Some((begun, begun_at, _)) => Err(format!(
            "BEGIN:{begun} (line {begun_at}) has no END:{begun}"
        )),
        None => Ok(()),
    }
}

/// Refuses the characters CONTROL names (RFC 5545 3.1; RFC 6350 3.3 allows the same):
/// every C0 control and DEL except HTAB, CR and LF (which only end lines).
pub(crate) fn check_characters(text: &str) -> Result<(), Reason> {
    match text.bytes().position(is_control) {
        Some(at) => {
            let line = text.as_bytes()[..at]
                .iter()
                .filter(|byte| **byte == b'\n')
                .count()
                + 1;
            Err(format!(
                "line {line}: control character U+{:04X} is not allowed",
                text.as_bytes()[at]
            ))
        }
        None => Ok(()),
    }
}

/// A control character no content line may hold.
pub(crate) fn is_control(byte: u8) -> bool {
    matches!(byte, 0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F)
}

/// Whether a decoded value (a UID, a summary, a name) holds a character the store's
/// text columns cannot take or a client would not expect: NUL and the other controls
/// of `is_control`, which quoted-printable or base64 data can decode to.
pub(crate) fn has_control(value: &str) -> bool {
    value.bytes().any(is_control)
}

/// Logical lines (folded lines joined, RFC 5545 3.1) with the number of their first
/// physical line; blank lines are skipped, as the parser skips them.
fn logical_lines(text: &str) -> impl Iterator<Item = (usize, Cow<'_, str>)> {
    let mut physical = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .enumerate()
        .peekable();
    std::iter::from_fn(move || loop {
        let (index, first) = physical.next()?;
        if first.trim().is_empty() {
            continue;
        }
        let mut line = Cow::Borrowed(first);
        while let Some((_, next)) = physical.peek() {
            let Some(rest) = next.strip_prefix([' ', '\t']) else {
                break;
            };
            line.to_mut().push_str(rest);
            physical.next();
        }
        return Some((index + 1, line));
    })
}

/// The property name of a content line (before the first `;` or `:`) and its value
/// (after the first `:`), both without surrounding white space and both slices of
/// `line` (an absent value is the empty slice at its end).
fn split(line: &str) -> (&str, &str) {
    let name_end = line.find([';', ':']).unwrap_or(line.len());
    let value = line
        .find(':')
        .map_or(&line[line.len()..], |colon| &line[colon + 1..]);
    (line[..name_end].trim(), value.trim())
}

/// `value`, a slice of `line`, kept beyond the line's lifetime when the line was unfolded.
fn owned_value<'a>(line: &Cow<'a, str>, value: &str) -> Cow<'a, str> {
    match line {
        Cow::Borrowed(text) => {
            let start = value.as_ptr() as usize - text.as_ptr() as usize;
            Cow::Borrowed(&text[start..start + value.len()])
        }
        Cow::Owned(_) => Cow::Owned(value.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> ContentLimits {
        ContentLimits {
            max_nesting: 3,
            max_components: 4,
            max_properties_per_component: 2,
            max_attendees_per_event: 10,
            max_alarms_per_event: 10,
            max_uid_bytes: 100,
            max_instances: 100,
        }
    }

    fn lines(text: &str) -> String {
        text.replace('\n', "\r\n")
    }

    #[test]
    fn balanced_components_within_the_limits_pass() {
        let text = lines(
            "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:a\nBEGIN:VALARM\nACTION:DISPLAY\n\
             END:VALARM\nEND:VEVENT\nend:vcalendar\n\n",
        );
        assert_eq!(check(&text, &limits()), Ok(()));
    }

    #[test]
    fn a_byte_order_mark_does_not_hide_the_first_begin() {
        let text = lines("\u{feff}BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VEVENT\nEND:VCALENDAR\n");
        assert_eq!(check(&text, &limits()), Ok(()));
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused_at_its_line() {
        let text = lines(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nBEGIN:X-A\nBEGIN:X-A\nEND:X-A\nEND:X-A\nEND:VEVENT\n\
             END:VCALENDAR\n",
        );
        assert_eq!(
            check(&text, &limits()),
            Err("line 4: components nested more than 3 deep".into())
        );
    }

    #[test]
    fn a_missing_or_mismatched_end_is_refused() {
        let unterminated = lines("BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VEVENT\n");
        assert_eq!(
            check(&unterminated, &limits()),
            Err("BEGIN:VCALENDAR (line 1) has no END:VCALENDAR".into())
        );
        let mismatched = lines("BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VTODO\nEND:VCALENDAR\n");
        assert_eq!(
            check(&mismatched, &limits()),
            Err("line 3: END:VTODO where END:VEVENT (for line 2) was expected".into())
        );
        let stray = lines("BEGIN:VCALENDAR\nEND:VCALENDAR\nEND:VCALENDAR\n");
        assert_eq!(
            check(&stray, &limits()),
            Err("line 3: END:VCALENDAR without BEGIN".into())
        );
    }

    #[test]
    fn a_begin_or_end_without_a_colon_is_refused_with_its_line() {
        let bare_begin = lines("BEGIN:VCALENDAR\nBEGIN\nEND\nEND:VCALENDAR\n");
        assert_eq!(
            check(&bare_begin, &limits()),
            Err("line 2: BEGIN without a component name".into())
        );
        let folded_begin = lines("BEGIN:VCALENDAR\nBEG\n IN\nEND:VCALENDAR\n");
        assert_eq!(
            check(&folded_begin, &limits()),
            Err("line 2: BEGIN without a component name".into())
        );
        let bare_end = lines("BEGIN:VCALENDAR\nEND\n");
        assert_eq!(
            check(&bare_end, &limits()),
            Err("line 2: END: where END:VCALENDAR (for line 1) was expected".into())
        );
    }

    #[test]
    fn a_property_name_with_a_double_quote_is_refused() {
        let text = lines(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTA\"\"RT:20060101T000000Z\nEND:VEVENT\n\
             END:VCALENDAR\n",
        );
        assert_eq!(
            check(&text, &limits()),
            Err("line 3: property name \"DTSTA\\\"\\\"RT\" holds a double quote".into())
        );
        // Quotes in parameter values and values are fine.
        let quoted = lines(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nATTENDEE;CN=\"A: B\":mailto:a@b\nX:\"v\"\nEND:VEVENT\n\
             END:VCALENDAR\n",
        );
        assert_eq!(check(&quoted, &limits()), Ok(()));
    }

    #[test]
    fn folded_begin_and_end_lines_count() {
        let text = lines("BEGIN:VCAL\n ENDAR\nBEGIN:VEV\n\tENT\nEND:VEVENT\nEND:VCALENDAR\n");
        assert_eq!(check(&text, &limits()), Ok(()));
        let unfolded_mismatch = lines("BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VEV\n ENTX\n");
        assert!(check(&unfolded_mismatch, &limits())
            .unwrap_err()
            .contains("END:VEVENTX"));
    }

    #[test]
    fn components_and_properties_are_counted() {
        let many = lines(
            "BEGIN:VCALENDAR\nBEGIN:A\nEND:A\nBEGIN:B\nEND:B\nBEGIN:C\nEND:C\nBEGIN:D\nEND:D\n\
             END:VCALENDAR\n",
        );
        assert_eq!(
            check(&many, &limits()),
            Err("line 8: more than 4 components".into())
        );
        let properties = lines("BEGIN:VCALENDAR\nA:1\nB:2\n folded\nC:3\nEND:VCALENDAR\n");
        assert_eq!(
            check(&properties, &limits()),
            Err("line 5: VCALENDAR has more than 2 properties".into())
        );
    }

    #[test]
    fn control_characters_are_refused_with_their_line_but_tab_is_not() {
        let nul = lines("BEGIN:VCALENDAR\nSUMMARY:a\u{0}b\nEND:VCALENDAR\n");
        assert_eq!(
            check(&nul, &limits()),
            Err("line 2: control character U+0000 is not allowed".into())
        );
        let escape = "BEGIN:VCALENDAR\r\nX:\u{1b}[31m\r\nEND:VCALENDAR\r\n";
        assert!(check(escape, &limits()).unwrap_err().contains("U+001B"));
        let delete = "BEGIN:VCALENDAR\r\nX:\u{7f}\r\nEND:VCALENDAR\r\n";
        assert!(check(delete, &limits()).unwrap_err().contains("U+007F"));
        let tab = "BEGIN:VCALENDAR\r\nX:a\tb\r\nEND:VCALENDAR\n";
        assert_eq!(check(tab, &limits()), Ok(()));
        assert!(has_control("a\u{0}") && !has_control("a\tb\r\nc"));
    }
}
