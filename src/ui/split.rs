//! Files a user imports, cut into the items a collection stores: an iCalendar file into
//! one calendar object per UID (the master with its overrides, and the time zones they
//! name), a vCard file into one object per vCard. A first pass records where each item's
//! components lie in the file (offsets only); each item's text is then built on its own
//! when it is stored, so memory holds the file and one item.

use std::collections::HashMap;
use std::ops::Range;

/// One item of an import: its UID (if it has one) and where its parts lie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub uid: Option<String>,
    /// The components (calendar) or the vCard, in file order.
    parts: Vec<Range<usize>>,
}

/// The items of a file, and for calendars the time zones they may name.
#[derive(Debug, Default)]
pub struct Split {
    pub items: Vec<Item>,
    zones: HashMap<String, Range<usize>>,
}

/// Lines of `text` with their byte ranges (line ending included).
fn lines(text: &str) -> impl Iterator<Item = (Range<usize>, &str)> {
    let mut at = 0;
    text.split_inclusive('\n').map(move |raw| {
        let range = at..at + raw.len();
        at += raw.len();
        (range, raw.trim_end_matches(['\r', '\n']))
    })
}

/// The name of a content line (before `;` or `:`), upper-cased, and its value.
fn name_and_value(line: &str) -> (String, &str) {
    let end = line.find([';', ':']).unwrap_or(line.len());
    let value = line.find(':').map_or("", |colon| &line[colon + 1..]);
    (line[..end].to_ascii_uppercase(), value)
}

/// Cuts an iCalendar file (one or more VCALENDAR objects) into items. Components with
/// one UID make one item whatever their order; those without a UID one item each (the
/// store refuses them with the reason).
pub fn calendar(text: &str) -> Split {
    let mut split = Split::default();
    let mut by_uid: HashMap<String, usize> = HashMap::new();
    let mut depth = 0usize;
    // The top-level component being read: its kind, start, UID or TZID.
    let mut current: Option<(String, usize, Option<String>)> = None;
    let mut continuing = false;
    for (range, line) in lines(text) {
        if line.starts_with([' ', '\t']) {
            if continuing {
                if let Some((_, _, Some(value))) = current.as_mut() {
                    value.push_str(&line[1..]);
                }
            }
            continue;
        }
        continuing = false;
        let (name, value) = name_and_value(line);
        match name.as_str() {
            "BEGIN" => {
                depth += 1;
                if depth == 2 {
                    current = Some((value.trim().to_ascii_uppercase(), range.start, None));
                }
            }
            "END" => {
                if depth == 2 {
                    if let Some((kind, start, key)) = current.take() {
                        let part = start..range.end;
                        if kind == "VTIMEZONE" {
                            if let Some(tzid) = key {
                                split.zones.entry(tzid).or_insert(part);
                            }
                        } else {
                            match key.filter(|uid| !uid.is_empty()) {
                                Some(uid) => match by_uid.get(&uid) {
                                    Some(&at) => split.items[at].parts.push(part),
                                    None => {
                                        by_uid.insert(uid.clone(), split.items.len());
                                        split.items.push(Item {
                                            uid: Some(uid),
                                            parts: std::iter::once(part).collect(),
                                        });
                                    }
                                },
                                None => split.items.push(Item {
                                    uid: None,
                                    parts: std::iter::once(part).collect(),
                                }),
                            }
                        }
                    }
                }
                depth = depth.saturating_sub(1);
            }
            "UID" | "TZID" if depth == 2 => {
                if let Some((kind, _, key)) = current.as_mut() {
                    let wanted = if kind == "VTIMEZONE" { "TZID" } else { "UID" };
                    if name == wanted && key.is_none() {
                        *key = Some(value.to_owned());
                        continuing = true;
                    }
                }
            }
            _ => {}
        }
    }
    split
}

/// Cuts a vCard file into its vCards.
pub fn vcards(text: &str) -> Split {
    let mut split = Split::default();
    let mut depth = 0usize;
    let mut start = 0;
    let mut uid: Option<String> = None;
    for (range, line) in lines(text) {
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let (name, value) = name_and_value(line);
        match name.as_str() {
            "BEGIN" => {
                depth += 1;
                if depth == 1 {
                    start = range.start;
                    uid = None;
                }
            }
            "END" if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    split.items.push(Item {
                        uid: uid.take().filter(|u| !u.is_empty()),
                        parts: std::iter::once(start..range.end).collect(),
                    });
                }
            }
            "UID" if depth == 1 && uid.is_none() => uid = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    split
}

impl Split {
    /// The calendar object of `item`: a VCALENDAR with the item's components and the
    /// time zones they name.
    pub fn calendar_object(&self, text: &str, item: &Item) -> String {
        let mut body =
            String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate//import//EN\r\n");
        let mut zones: Vec<&str> = Vec::new();
        for part in &item.parts {
            for tzid in named_zones(&text[part.clone()]) {
                if !zones.contains(&tzid) {
                    zones.push(tzid);
                }
            }
        }
        for tzid in zones {
            if let Some(zone) = self.zones.get(tzid) {
                push_part(&mut body, &text[zone.clone()]);
            }
        }
        for part in &item.parts {
            push_part(&mut body, &text[part.clone()]);
        }
        body.push_str("END:VCALENDAR\r\n");
        body
    }

    /// The vCard of `item`, as it was in the file.
    pub fn vcard<'a>(&self, text: &'a str, item: &Item) -> &'a str {
        item.parts.first().map_or("", |part| &text[part.clone()])
    }
}

fn push_part(body: &mut String, part: &str) {
    body.push_str(part);
    if !part.ends_with('\n') {
        body.push_str("\r\n");
    }
}

/// The TZID parameters of the lines of `component`.
fn named_zones(component: &str) -> impl Iterator<Item = &str> {
    component.match_indices("TZID=").map(move |(at, _)| {
        let rest = &component[at + 5..];
        match rest.strip_prefix('"') {
            Some(quoted) => &quoted[..quoted.find('"').unwrap_or(quoted.len())],
            None => &rest[..rest.find([';', ':', '\r', '\n']).unwrap_or(rest.len())],
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n\
BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n\
BEGIN:VTIMEZONE\r\nTZID:Unused/Zone\r\nEND:VTIMEZONE\r\n\
BEGIN:VEVENT\r\nUID:a\r\n b\r\nDTSTART;TZID=Europe/Berlin:20260101T100000\r\nRRULE:FREQ=DAILY\r\nBEGIN:VALARM\r\nUID:alarm\r\nEND:VALARM\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:c\r\nDTSTART:20260101T100000Z\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:ab\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260102T100000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nDTSTART:20260101T100000Z\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

    #[test]
    fn components_are_grouped_by_uid_with_their_zones() {
        let split = calendar(FILE);
        let uids: Vec<Option<&str>> = split.items.iter().map(|i| i.uid.as_deref()).collect();
        assert_eq!(uids, [Some("ab"), Some("c"), None]);
        let first = split.calendar_object(FILE, &split.items[0]);
        assert_eq!(first.matches("BEGIN:VEVENT").count(), 2);
        assert_eq!(first.matches("BEGIN:VTIMEZONE").count(), 1);
        assert!(first.contains("TZID:Europe/Berlin"));
        assert!(!first.contains("Unused/Zone"));
        assert!(first.starts_with("BEGIN:VCALENDAR\r\n") && first.ends_with("END:VCALENDAR\r\n"));
        let second = split.calendar_object(FILE, &split.items[1]);
        assert!(!second.contains("VTIMEZONE"));
    }

    #[test]
    fn vcards_are_cut_one_by_one() {
        let file = "BEGIN:VCARD\nVERSION:3.0\nUID:one\nFN:One\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nFN:Two\nEND:VCARD\n";
        let split = vcards(file);
        assert_eq!(split.items.len(), 2);
        assert_eq!(split.items[0].uid.as_deref(), Some("one"));
        assert_eq!(split.items[1].uid, None);
        assert!(split.vcard(file, &split.items[1]).contains("FN:Two"));
    }
}
