//! The mails of one iMIP message (RFC 6047): headers, the subject from the method (and,
//! for a REPLY, the attendee's PARTSTAT), and a multipart/alternative body with a short
//! text/plain note and the iTIP object as text/calendar with `method` and `charset`
//! parameters, base64-encoded so the object arrives byte for byte.
//!
//! From and envelope sender: the organizer (REQUEST, CANCEL) or replying attendee (REPLY),
//! so that the recipient's check of From against ORGANIZER or ATTENDEE (RFC 6047 3)
//! holds. With `davgate.imip.sender` set, that address is the envelope sender and the
//! From (with the person's name), and the person's own address is the Reply-To, so
//! answers still reach them.

use lettre::message::header::{ContentTransferEncoding, ContentType, MessageId};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{Address, Message};

use super::itip_lines::ItipFacts;
use super::{ImipMessage, MailError};

/// Characters of the summary kept in the subject line.
const MAX_SUMMARY_CHARS: usize = 200;

/// The mails that carry `message`: one per `max_recipients` recipients (duplicates,
/// compared without letter case, dropped); none without recipients.
pub(super) fn compose(
    message: &ImipMessage,
    sender: Option<&Address>,
    max_recipients: usize,
) -> Result<Vec<Message>, MailError> {
    let method = message.method.trim().to_ascii_uppercase();
    if method.is_empty()
        || !method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(MailError::Refused(format!(
            "{:?} is not an iTIP method",
            message.method
        )));
    }
    let facts = ItipFacts::read(&message.ical);
    match &facts.method {
        Some(m) if m.eq_ignore_ascii_case(&method) => {}
        other => {
            return Err(MailError::Refused(format!(
                "the iTIP object's METHOD ({}) is not {method}",
                other.as_deref().unwrap_or("none")
            )))
        }
    }

    let person_address = parse_address(&message.from, "sender")?;
    let name = message
        .from_name
        .as_deref()
        .map(one_line)
        .filter(|n| !n.is_empty());
    let person = Mailbox::new(name.clone(), person_address.clone());
    let mut recipients: Vec<Address> = Vec::new();
    for recipient in &message.recipients {
        let address = parse_address(recipient, "recipient")?;
        let lower = address.to_string().to_ascii_lowercase();
        if !recipients
            .iter()
            .any(|r| r.to_string().to_ascii_lowercase() == lower)
        {
            recipients.push(address);
        }
    }

    let summary = summary_text(message.summary.as_deref());
    let subject = subject(&method, &facts, &message.from, &summary);
    let note = note(&method, &facts, &message.from, name.as_deref(), &summary);
    let calendar_type =
        ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
            .map_err(|e| MailError::Refused(format!("content type: {e}")))?;

    let mut mails = Vec::new();
    for batch in recipients.chunks(max_recipients.max(1)) {
        let mut builder = Message::builder().subject(subject.clone());
        builder = match sender {
            Some(sender) => builder
                .from(Mailbox::new(name.clone(), sender.clone()))
                .reply_to(person.clone()),
            None => builder.from(person.clone()),
        };
        for recipient in batch {
            builder = builder.to(Mailbox::new(None, recipient.clone()));
        }
        let domain = sender.unwrap_or(&person_address).domain().to_owned();
        builder = builder.header(MessageId::from(format!("<{}@{domain}>", random_id())));
        let body = MultiPart::alternative()
            .singlepart(SinglePart::plain(note.clone()))
            .singlepart(
                SinglePart::builder()
                    .header(calendar_type.clone())
                    .header(ContentTransferEncoding::Base64)
                    .body(message.ical.clone()),
            );
        let mail = builder
            .multipart(body)
            .map_err(|e| MailError::Refused(format!("the mail cannot be built: {e}")))?;
        mails.push(mail);
    }
    // lettre takes each envelope from the headers: MAIL FROM the From address, RCPT TO
    // the batch's To addresses.
    Ok(mails)
}

fn parse_address(raw: &str, role: &str) -> Result<Address, MailError> {
    raw.trim()
        .parse::<Address>()
        .map_err(|e| MailError::Refused(format!("{raw:?} is not a mail address for a {role}: {e}")))
}

/// `text` on one line: control characters (CR, LF, tabs...) become spaces, runs of
/// spaces one, and the ends are trimmed.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    out.truncate(out.trim_end().len());
    out
}

/// The summary for the subject and note: on one line, at most `MAX_SUMMARY_CHARS`.
fn summary_text(summary: Option<&str>) -> String {
    let summary = one_line(summary.unwrap_or_default());
    if summary.is_empty() {
        return "(no title)".to_owned();
    }
    match summary.char_indices().nth(MAX_SUMMARY_CHARS) {
        Some((cut, _)) => format!("{}…", summary[..cut].trim_end()),
        None => summary,
    }
}

/// What happened, in one word: REQUEST "Invitation" (or "Updated invitation" when the
/// SEQUENCE is above 0), CANCEL "Cancelled", REPLY by the attendee's PARTSTAT.
fn what(method: &str, facts: &ItipFacts, from: &str) -> &'static str {
    match method {
        "REQUEST" if facts.sequence.unwrap_or(0) > 0 => "Updated invitation",
        "REQUEST" | "ADD" => "Invitation",
        "CANCEL" => "Cancelled",
        "REPLY" => match facts.partstat_of(from.trim()) {
            Some("ACCEPTED") => "Accepted",
            Some("DECLINED") => "Declined",
            Some("TENTATIVE") => "Tentative",
            Some("DELEGATED") => "Delegated",
            _ => "Reply",
        },
        "COUNTER" => "New time proposed",
        "DECLINECOUNTER" => "Proposal declined",
        "REFRESH" => "Update requested",
        _ => "Calendar message",
    }
}

fn subject(method: &str, facts: &ItipFacts, from: &str, summary: &str) -> String {
    format!("{}: {summary}", what(method, facts, from))
}

/// The text/plain part: who did what, and that the invitation is in the mail for a
/// calendar program.
fn note(method: &str, facts: &ItipFacts, from: &str, name: Option<&str>, summary: &str) -> String {
    let who = match name {
        Some(name) => format!("{name} <{}>", from.trim()),
        None => from.trim().to_owned(),
    };
    let line = match (method, what(method, facts, from)) {
        ("REQUEST" | "ADD", "Updated invitation") => {
            format!("{who} has updated the invitation to \"{summary}\".")
        }
        ("REQUEST" | "ADD", _) => format!("{who} has invited you to \"{summary}\"."),
        ("CANCEL", _) => format!("{who} has cancelled \"{summary}\"."),
        ("REPLY", "Accepted") => format!("{who} has accepted \"{summary}\"."),
        ("REPLY", "Declined") => format!("{who} has declined \"{summary}\"."),
        ("REPLY", "Tentative") => format!("{who} has tentatively accepted \"{summary}\"."),
        ("REPLY", "Delegated") => format!("{who} has delegated \"{summary}\"."),
        ("REPLY", _) => format!("{who} has replied to \"{summary}\"."),
        _ => format!("{who} sent a calendar message about \"{summary}\"."),
    };
    format!(
        "{line}\r\n\r\nThe details are attached as iCalendar data (text/calendar); a calendar program can add them to your calendar.\r\n"
    )
}

/// 128 random bits in hex, for Message-ID.
fn random_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(method: &str, ical_method: &str, partstat: &str) -> ImipMessage {
        ImipMessage {
            method: method.into(),
            from: "bob@example.net".into(),
            from_name: Some("Bob\r\nBcc: eve@example.org".into()),
            recipients: vec![
                "alice@example.com".into(),
                "ALICE@example.com".into(),
                "carol@example.com".into(),
            ],
            summary: Some("Plan\r\nX-Injected: yes".into()),
            ical: format!(
                "BEGIN:VCALENDAR\r\nMETHOD:{ical_method}\r\nBEGIN:VEVENT\r\nATTENDEE;PARTSTAT={partstat}:mailto:bob@example.net\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            )
            .into_bytes(),
        }
    }

    #[test]
    fn subjects_follow_the_method_and_the_reply() {
        let facts = |p: &str| ItipFacts::read(&message("REPLY", "REPLY", p).ical);
        assert_eq!(
            what("REPLY", &facts("ACCEPTED"), "bob@example.net"),
            "Accepted"
        );
        assert_eq!(
            what("REPLY", &facts("DECLINED"), "bob@example.net"),
            "Declined"
        );
        assert_eq!(
            what("REPLY", &facts("NEEDS-ACTION"), "bob@example.net"),
            "Reply"
        );
        assert_eq!(what("CANCEL", &facts("ACCEPTED"), "x@y.z"), "Cancelled");
        let updated = ItipFacts {
            sequence: Some(2),
            ..ItipFacts::default()
        };
        assert_eq!(what("REQUEST", &updated, "x@y.z"), "Updated invitation");
        assert_eq!(
            what("REQUEST", &ItipFacts::default(), "x@y.z"),
            "Invitation"
        );
    }

    #[test]
    fn summaries_stay_on_one_bounded_line() {
        assert_eq!(summary_text(Some(" a\r\n\tb  c ")), "a b c");
        assert_eq!(summary_text(None), "(no title)");
        assert_eq!(summary_text(Some("\r\n")), "(no title)");
        let long = "x".repeat(500);
        assert_eq!(
            summary_text(Some(&long)).chars().count(),
            MAX_SUMMARY_CHARS + 1
        );
    }

    #[test]
    fn recipients_are_deduplicated_and_batched() {
        let mails = compose(&message("reply", "REPLY", "ACCEPTED"), None, 1).unwrap();
        assert_eq!(mails.len(), 2);
        let mails = compose(&message("REPLY", "REPLY", "ACCEPTED"), None, 100).unwrap();
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].envelope().to().len(), 2);
        assert_eq!(
            mails[0].envelope().from().map(|a| a.to_string()).as_deref(),
            Some("bob@example.net")
        );
        let head = String::from_utf8_lossy(&mails[0].formatted()).to_string();
        // Even plain ASCII goes as base64: the object's line ends arrive as they were.
        assert!(
            head.contains("method=REPLY\r\nContent-Transfer-Encoding: base64\r\n"),
            "{head}"
        );
        assert!(!head.contains("\r\nX-Injected:"), "{head}");
        assert!(!head.contains("\r\nBcc:"), "{head}");
    }

    #[test]
    fn sender_address_takes_envelope_and_from() {
        let sender: Address = "calendar@example.com".parse().unwrap();
        let mails = compose(&message("REPLY", "REPLY", "ACCEPTED"), Some(&sender), 100).unwrap();
        assert_eq!(
            mails[0].envelope().from().map(|a| a.to_string()).as_deref(),
            Some("calendar@example.com")
        );
    }

    #[test]
    fn bad_messages_are_refused() {
        let mismatch = compose(&message("REQUEST", "REPLY", "ACCEPTED"), None, 100);
        assert!(matches!(mismatch, Err(MailError::Refused(_))));
        let mut bad = message("REQUEST", "REQUEST", "ACCEPTED");
        bad.recipients.push("not an address".into());
        assert!(matches!(
            compose(&bad, None, 100),
            Err(MailError::Refused(_))
        ));
        let bad_method = compose(&message("RE:QUEST", "RE:QUEST", "ACCEPTED"), None, 100);
        assert!(matches!(bad_method, Err(MailError::Refused(_))));
    }
}
