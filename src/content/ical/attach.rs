//! Managed attachments in the text of a calendar object (RFC 8607): which MANAGED-IDs
//! its ATTACH properties name, and ATTACH properties added, replaced or removed in the
//! components the request names, every other content line kept byte for byte.
//!
//! The object was validated when it was stored; this works on its content lines (unfolded
//! for reading, the stored folding kept for lines it does not touch), so its cost is one
//! pass over the bytes.

use std::ops::Range;
use std::str::FromStr;

use calcard::common::timezone::Tz;
use chrono::NaiveDateTime;

/// An ATTACH property of a managed attachment, as the server writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedAttach {
    pub managed_id: String,
    pub filename: String,
    pub fmttype: String,
    pub size: i64,
    /// Where the attachment is downloaded (the property's value).
    pub url: String,
}

impl ManagedAttach {
    /// The content line, folded at 75 octets, with its CRLF.
    pub fn content_line(&self) -> String {
        let line = format!(
            "ATTACH;MANAGED-ID={};FILENAME={};FMTTYPE={};SIZE={}:{}",
            param_value(&self.managed_id),
            param_value(&self.filename),
            param_value(&self.fmttype),
            self.size,
            self.url
        );
        fold(&line)
    }
}

/// Which components an action applies to (RFC 8607 `rid`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rid {
    /// `M`: the master component (the one without RECURRENCE-ID).
    Master,
    /// A RECURRENCE-ID: a UTC date-time (`20261203T100000Z`) or a date (`20261203`).
    Instance(String),
}

/// The `rid` query value: instances separated by commas; None when one is no recurrence
/// id.
pub fn parse_rids(value: &str) -> Option<Vec<Rid>> {
    value
        .split(',')
        .map(|rid| {
            let rid = rid.trim();
            if rid == "M" {
                Some(Rid::Master)
            } else if is_utc_date_time(rid) || is_date(rid) {
                Some(Rid::Instance(rid.to_owned()))
            } else {
                None
            }
        })
        .collect()
}

/// Why an edit cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachEditError {
    /// A `rid` names no component of the object (an instance that is not overridden).
    NoSuchInstance(String),
    /// The MANAGED-ID is on no ATTACH property of the components named.
    NoSuchAttachment,
}

/// The distinct MANAGED-IDs of the object's ATTACH properties, in order of appearance.
pub fn managed_ids(data: &[u8]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for line in content_lines(data) {
        if let Some(id) = line.attach_managed_id() {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids
}

/// `attach` added to the components `rids` names (all calendar components when None).
pub fn add(
    data: &[u8],
    attach: &ManagedAttach,
    rids: Option<&[Rid]>,
) -> Result<Vec<u8>, AttachEditError> {
    let targets = targets(data, rids)?;
    let new_line = attach.content_line();
    let mut out = Vec::with_capacity(data.len() + new_line.len() * targets.len());
    let mut copied = 0;
    for component in &targets {
        out.extend_from_slice(&data[copied..component.end_line_start]);
        out.extend_from_slice(new_line.as_bytes());
        copied = component.end_line_start;
    }
    out.extend_from_slice(&data[copied..]);
    Ok(out)
}

/// Every ATTACH with MANAGED-ID `managed_id` replaced by `attach`.
pub fn replace(
    data: &[u8],
    managed_id: &str,
    attach: &ManagedAttach,
) -> Result<Vec<u8>, AttachEditError> {
    let new_line = attach.content_line();
    edit_lines(data, None, managed_id, Some(new_line.as_bytes()))
}

/// Every ATTACH with MANAGED-ID `managed_id` removed from the components `rids` names.
pub fn remove(
    data: &[u8],
    managed_id: &str,
    rids: Option<&[Rid]>,
) -> Result<Vec<u8>, AttachEditError> {
    edit_lines(data, rids, managed_id, None)
}

fn edit_lines(
    data: &[u8],
    rids: Option<&[Rid]>,
    managed_id: &str,
    replacement: Option<&[u8]>,
) -> Result<Vec<u8>, AttachEditError> {
    let in_scope: Option<Vec<Range<usize>>> = match rids {
        Some(_) => Some(targets(data, rids)?.into_iter().map(|c| c.span).collect()),
        None => None,
    };
    let mut out = Vec::with_capacity(data.len());
    let mut copied = 0;
    let mut found = false;
    for line in content_lines(data) {
        let matches = line.attach_managed_id().as_deref() == Some(managed_id)
            && in_scope
                .as_ref()
                .is_none_or(|spans| spans.iter().any(|span| span.contains(&line.range.start)));
        if matches {
            found = true;
            out.extend_from_slice(&data[copied..line.range.start]);
            if let Some(replacement) = replacement {
                out.extend_from_slice(replacement);
            }
            copied = line.range.end;
        }
    }
    if !found {
        return Err(AttachEditError::NoSuchAttachment);
    }
    out.extend_from_slice(&data[copied..]);
    Ok(out)
}

/// A calendar component directly inside VCALENDAR (VEVENT, VTODO, VJOURNAL).
#[derive(Debug)]
struct Component {
    /// From its BEGIN line to the end of its END line.
    span: Range<usize>,
    /// Where its END line starts: what is added goes before it.
    end_line_start: usize,
    /// Its RECURRENCE-ID in UTC (`...Z`) or as a date; None for the master.
    recurrence_id: Option<String>,
}

/// The components `rids` names, in order; all calendar components when None.
fn targets(data: &[u8], rids: Option<&[Rid]>) -> Result<Vec<Component>, AttachEditError> {
    let components = calendar_components(data);
    let Some(rids) = rids else {
        return Ok(components);
    };
    let mut chosen = Vec::new();
    for rid in rids {
        let index = components.iter().position(|c| match rid {
            Rid::Master => c.recurrence_id.is_none(),
            Rid::Instance(value) => c.recurrence_id.as_deref() == Some(value.as_str()),
        });
        match index {
            Some(index) if !chosen.contains(&index) => chosen.push(index),
            Some(_) => {}
            None => {
                return Err(AttachEditError::NoSuchInstance(match rid {
                    Rid::Master => "M".to_owned(),
                    Rid::Instance(value) => value.clone(),
                }))
            }
        }
    }
    chosen.sort_unstable();
    let mut components: Vec<Option<Component>> = components.into_iter().map(Some).collect();
    Ok(chosen
        .into_iter()
        .filter_map(|index| components[index].take())
        .collect())
}

fn calendar_components(data: &[u8]) -> Vec<Component> {
    let mut components = Vec::new();
    let mut depth = 0usize;
    let mut current: Option<(usize, Option<String>)> = None;
    for line in content_lines(data) {
        let name = line.name();
        if name.eq_ignore_ascii_case("BEGIN") {
            depth += 1;
            if depth == 2 && is_calendar_component(line.value()) {
                current = Some((line.range.start, None));
            }
        } else if name.eq_ignore_ascii_case("END") {
            if depth == 2 {
                if let Some((start, recurrence_id)) = current.take() {
                    components.push(Component {
                        span: start..line.range.end,
                        end_line_start: line.range.start,
                        recurrence_id,
                    });
                }
            }
            depth = depth.saturating_sub(1);
        } else if depth == 2 && name.eq_ignore_ascii_case("RECURRENCE-ID") {
            if let Some((_, recurrence_id)) = current.as_mut() {
                *recurrence_id = Some(normalized_recurrence_id(&line));
            }
        }
    }
    components
}

fn is_calendar_component(name: &str) -> bool {
    ["VEVENT", "VTODO", "VJOURNAL"]
        .iter()
        .any(|c| name.trim().eq_ignore_ascii_case(c))
}

/// A RECURRENCE-ID as `rid` names it: UTC date-times with Z, dates as they are; a local
/// time in a known zone is converted, one in an unknown zone kept as written.
fn normalized_recurrence_id(line: &ContentLine) -> String {
    let value = line.value().trim();
    if is_date(value) || value.ends_with('Z') {
        return value.to_owned();
    }
    let zone = line
        .param("TZID")
        .and_then(|tzid| Tz::from_str(&tzid).ok())
        .filter(|tz| !tz.is_floating());
    match (zone, NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S")) {
        (Some(tz), Ok(local)) => {
            let utc = super::zones::zone_local_to_utc(tz, local);
            chrono::DateTime::from_timestamp(utc, 0)
                .map(|t| t.format("%Y%m%dT%H%M%SZ").to_string())
                .unwrap_or_else(|| value.to_owned())
        }
        _ => value.to_owned(),
    }
}

fn is_date(value: &str) -> bool {
    value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit())
}

fn is_utc_date_time(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 16
        && bytes[8] == b'T'
        && bytes[15] == b'Z'
        && bytes[..8]
            .iter()
            .chain(&bytes[9..15])
            .all(u8::is_ascii_digit)
}

/// One unfolded content line and where its physical lines lie in the object.
struct ContentLine {
    range: Range<usize>,
    text: String,
}

impl ContentLine {
    /// The property name (or BEGIN/END).
    fn name(&self) -> &str {
        let end = self.text.find([';', ':']).unwrap_or(self.text.len());
        &self.text[..end]
    }

    /// Where the value starts: after the first colon outside quotes.
    fn value_start(&self) -> Option<usize> {
        let mut quoted = false;
        for (i, c) in self.text.char_indices() {
            match c {
                '"' => quoted = !quoted,
                ':' if !quoted => return Some(i + 1),
                _ => {}
            }
        }
        None
    }

    fn value(&self) -> &str {
        self.value_start().map_or("", |start| &self.text[start..])
    }

    /// The first value of the parameter `name`, unquoted.
    fn param(&self, name: &str) -> Option<String> {
        let params_end = self.value_start().map_or(self.text.len(), |s| s - 1);
        let params = &self.text[self.name().len()..params_end];
        let mut rest = params;
        while let Some(stripped) = rest.strip_prefix(';') {
            let (key, after) = stripped.split_once('=')?;
            let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
                let close = quoted.find('"')?;
                (&quoted[..close], &quoted[close + 1..])
            } else {
                let end = after.find([';', ',']).unwrap_or(after.len());
                let value = &after[..end];
                let next = &after[end..];
                // Further values of the same parameter are skipped.
                let next = next.find(';').map_or("", |i| &next[i..]);
                (value, next)
            };
            if key.trim().eq_ignore_ascii_case(name) {
                return Some(value.to_owned());
            }
            rest = next;
        }
        None
    }

    fn attach_managed_id(&self) -> Option<String> {
        if !self.name().eq_ignore_ascii_case("ATTACH") {
            return None;
        }
        self.param("MANAGED-ID").filter(|id| !id.is_empty())
    }
}

/// The object's content lines, unfolded (RFC 5545 3.1).
fn content_lines(data: &[u8]) -> impl Iterator<Item = ContentLine> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= data.len() {
            return None;
        }
        let start = at;
        let mut text = Vec::new();
        loop {
            let end = data[at..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(data.len(), |i| at + i + 1);
            let mut line = &data[at..end];
            line = line.strip_suffix(b"\n").unwrap_or(line);
            line = line.strip_suffix(b"\r").unwrap_or(line);
            if at != start {
                line = &line[1..];
            }
            text.extend_from_slice(line);
            at = end;
            if !matches!(data.get(at), Some(b' ' | b'\t')) {
                break;
            }
        }
        Some(ContentLine {
            range: start..at,
            text: String::from_utf8_lossy(&text).into_owned(),
        })
    })
}

/// A parameter value, quoted when it holds `:`, `;` or `,`; characters a parameter value
/// cannot hold (control characters, DQUOTE) are dropped.
fn param_value(value: &str) -> String {
    let clean: String = value
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    if clean.contains([':', ';', ',']) {
        format!("\"{clean}\"")
    } else {
        clean
    }
}

/// `line` folded into physical lines of at most 75 octets, never inside a character.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 37 + 2);
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
#[path = "attach_tests.rs"]
mod tests;
