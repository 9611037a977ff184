//! iCalendar content lines (RFC 5545 3.1) as scheduling edits them: unfolded, split into
//! name, parameters and value, nested into components, and written back folded at 75
//! octets with parameter values quoted where they must be. Values are kept as the text
//! they were (escapes untouched), so what scheduling does not edit is written back as it
//! came.

/// One content line: its name (upper case), parameters in order and raw value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub name: String,
    /// Parameter names in upper case; each value list without the quotes.
    pub params: Vec<(String, Vec<String>)>,
    pub value: String,
}

/// A component: its name (upper case), its properties and its subcomponents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub name: String,
    pub props: Vec<Line>,
    pub children: Vec<Component>,
}

impl Line {
    pub fn new(name: &str, value: impl Into<String>) -> Line {
        Line {
            name: name.to_ascii_uppercase(),
            params: Vec::new(),
            value: value.into(),
        }
    }

    /// The first value of the parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, values)| values.first())
            .map(String::as_str)
    }

    /// All values of the parameter `name`.
    pub fn param_values(&self, name: &str) -> &[String] {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or(&[], |(_, values)| values.as_slice())
    }

    /// Sets the parameter `name` to `values`, in place when it is there.
    pub fn set_param(&mut self, name: &str, values: Vec<String>) {
        let name = name.to_ascii_uppercase();
        match self.params.iter_mut().find(|(n, _)| *n == name) {
            Some((_, old)) => *old = values,
            None => self.params.push((name, values)),
        }
    }

    pub fn remove_param(&mut self, name: &str) {
        self.params.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// The line as text, unfolded.
    fn unfolded(&self) -> String {
        let mut out = self.name.clone();
        for (name, values) in &self.params {
            out.push(';');
            out.push_str(name);
            out.push('=');
            for (i, value) in values.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if value.contains([':', ';', ',']) {
                    out.push('"');
                    out.push_str(&value.replace('"', "'"));
                    out.push('"');
                } else {
                    out.push_str(value);
                }
            }
        }
        out.push(':');
        out.push_str(&self.value);
        out
    }
}

impl Component {
    pub fn new(name: &str) -> Component {
        Component {
            name: name.to_ascii_uppercase(),
            props: Vec::new(),
            children: Vec::new(),
        }
    }

    /// The first property `name`.
    pub fn prop(&self, name: &str) -> Option<&Line> {
        self.props.iter().find(|line| line.name == name)
    }

    /// The value of the first property `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.prop(name).map(|line| line.value.as_str())
    }

    /// Replaces every property `name` by one with `value`, or adds it.
    pub fn set_value(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.props.iter().position(|line| line.name == name) {
            Some(at) => {
                self.props[at].value = value;
                let mut seen = false;
                self.props.retain(|line| {
                    let keep = line.name != name || !seen;
                    seen |= line.name == name;
                    keep
                });
            }
            None => self.props.push(Line::new(name, value)),
        }
    }

    pub fn remove(&mut self, name: &str) {
        self.props.retain(|line| line.name != name);
    }

    /// The component as iCalendar text, lines folded at 75 octets and ended by CRLF.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // An explicit stack: (component, whether its children were started).
        let mut stack: Vec<(&Component, usize)> = vec![(self, 0)];
        push_folded(&mut out, &format!("BEGIN:{}", self.name));
        for line in &self.props {
            push_folded(&mut out, &line.unfolded());
        }
        while let Some((component, next)) = stack.pop() {
            if let Some(child) = component.children.get(next) {
                stack.push((component, next + 1));
                push_folded(&mut out, &format!("BEGIN:{}", child.name));
                for line in &child.props {
                    push_folded(&mut out, &line.unfolded());
                }
                stack.push((child, 0));
            } else {
                push_folded(&mut out, &format!("END:{}", component.name));
            }
        }
        out
    }
}

/// Appends `line` folded so that no physical line exceeds 75 octets, never splitting a
/// character.
fn push_folded(out: &mut String, line: &str) {
    let mut width = 0;
    for ch in line.chars() {
        let len = ch.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(ch);
        width += len;
    }
    out.push_str("\r\n");
}

/// Splits one unfolded content line into name, parameters and value.
pub fn parse_line(text: &str) -> Result<Line, String> {
    let bad = || {
        format!(
            "malformed content line: {}",
            text.chars().take(60).collect::<String>()
        )
    };
    let name_end = text.find([';', ':']).ok_or_else(bad)?;
    let name = text[..name_end].trim().to_ascii_uppercase();
    if name.is_empty() {
        return Err(bad());
    }
    let mut params = Vec::new();
    let bytes = text.as_bytes();
    let mut at = name_end;
    while bytes[at] == b';' {
        at += 1;
        let eq = text[at..].find('=').ok_or_else(bad)? + at;
        let param = text[at..eq].trim().to_ascii_uppercase();
        at = eq + 1;
        let mut values = Vec::new();
        loop {
            if bytes.get(at) == Some(&b'"') {
                let close = text[at + 1..].find('"').ok_or_else(bad)? + at + 1;
                values.push(text[at + 1..close].to_owned());
                at = close + 1;
            } else {
                let end = text[at..].find([',', ';', ':']).ok_or_else(bad)? + at;
                values.push(text[at..end].to_owned());
                at = end;
            }
            match bytes.get(at) {
                Some(b',') => at += 1,
                Some(b';') | Some(b':') => break,
                _ => return Err(bad()),
            }
        }
        params.push((param, values));
    }
    if bytes.get(at) != Some(&b':') {
        return Err(bad());
    }
    Ok(Line {
        name,
        params,
        value: text[at + 1..].to_owned(),
    })
}

/// Parses iCalendar text into its outermost component (a VCALENDAR).
pub fn parse(text: &str) -> Result<Component, String> {
    let text = text.trim_start_matches('\u{feff}');
    let mut unfolded: Vec<String> = Vec::new();
    for physical in text.split('\n') {
        let physical = physical.strip_suffix('\r').unwrap_or(physical);
        match physical.chars().next() {
            Some(' ') | Some('\t') if !unfolded.is_empty() => {
                unfolded
                    .last_mut()
                    .expect("a line")
                    .push_str(&physical[1..]);
            }
            _ if physical.is_empty() => {}
            _ => unfolded.push(physical.to_owned()),
        }
    }
    let mut stack: Vec<Component> = Vec::new();
    for text in unfolded {
        let line = parse_line(&text)?;
        match line.name.as_str() {
            "BEGIN" => stack.push(Component::new(line.value.trim())),
            "END" => {
                let done = stack.pop().ok_or("END without BEGIN")?;
                if !done.name.eq_ignore_ascii_case(line.value.trim()) {
                    return Err(format!("END:{} closes {}", line.value, done.name));
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Ok(done),
                }
            }
            _ => stack
                .last_mut()
                .ok_or("a property outside any component")?
                .props
                .push(line),
        }
    }
    Err("an unterminated component".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_with_quotes_and_lists_survive_a_round_trip() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nATTENDEE;CN=\"Doe, Jane\";MEMBER=\"mailto:g@x.org\",\"mailto:h@x.org\";PARTSTAT=ACCEPTED:mailto:jane@x.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let cal = parse(text).unwrap();
        let line = &cal.children[0].props[0];
        assert_eq!(line.param("CN"), Some("Doe, Jane"));
        assert_eq!(
            line.param_values("member"),
            ["mailto:g@x.org", "mailto:h@x.org"]
        );
        assert_eq!(line.param("partstat"), Some("ACCEPTED"));
        assert_eq!(line.value, "mailto:jane@x.org");
        let rendered = cal.render();
        assert_eq!(parse(&rendered).unwrap(), cal);
        let unfolded = rendered.replace("\r\n ", "");
        assert!(
            unfolded.contains("CN=\"Doe, Jane\";MEMBER=\"mailto:g@x.org\",\"mailto:h@x.org\""),
            "{unfolded}"
        );
        let short = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:j@x.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        assert_eq!(parse(short).unwrap().render(), short);
    }

    #[test]
    fn folded_lines_are_unfolded_and_long_ones_folded_on_characters() {
        let text = "BEGIN:VCALENDAR\r\nSUMMARY:ab\r\n c\r\n\tdé\r\nEND:VCALENDAR\r\n";
        let cal = parse(text).unwrap();
        assert_eq!(cal.value("SUMMARY"), Some("abcdé"));
        let mut long = Component::new("VEVENT");
        long.set_value("SUMMARY", "é".repeat(80));
        let rendered = long.render();
        for physical in rendered.split("\r\n") {
            assert!(physical.len() <= 75, "{physical}");
        }
        let back = parse(&rendered).unwrap();
        assert_eq!(back.value("SUMMARY"), Some("é".repeat(80).as_str()));
    }

    #[test]
    fn malformed_text_is_refused() {
        assert!(parse("BEGIN:VCALENDAR\r\nEND:VEVENT\r\n").is_err());
        assert!(parse("BEGIN:VCALENDAR\r\n").is_err());
        assert!(parse_line("ATTENDEE;CN=\"x:mailto:a").is_err());
        assert!(parse_line("NOVALUE").is_err());
    }

    #[test]
    fn a_value_may_contain_colons_and_semicolons() {
        let line = parse_line("DESCRIPTION;LANGUAGE=en:a: b; c").unwrap();
        assert_eq!(line.value, "a: b; c");
        assert_eq!(line.param("LANGUAGE"), Some("en"));
    }
}
