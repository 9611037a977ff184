//! The body answering a POST to the scheduling outbox (RFC 6638 10.1): one
//! `CALDAV:response` per recipient with its request status and, for a free/busy request,
//! the recipient's busy time.

use super::names::ElementName;
use super::xml_writer::{DavXmlWriter, PropValue, XmlElement};

/// What one recipient of a scheduling message got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientAnswer {
    /// The calendar user address as the message named it.
    pub recipient: String,
    /// An iTIP request status (RFC 5546 3.6), `2.0;Success` for instance.
    pub request_status: String,
    /// The iCalendar answer (a free/busy REPLY), when there is one.
    pub calendar_data: Option<String>,
}

/// `<C:schedule-response>` listing `answers` in order.
pub fn schedule_response(answers: &[RecipientAnswer]) -> Vec<u8> {
    let root = ElementName::caldav("schedule-response");
    let mut out = DavXmlWriter::new();
    out.start_root(&root);
    for answer in answers {
        let mut children = vec![
            XmlElement::new(
                ElementName::caldav("recipient"),
                PropValue::Href(answer.recipient.clone()),
            ),
            XmlElement::text(
                ElementName::caldav("request-status"),
                answer.request_status.clone(),
            ),
        ];
        if let Some(data) = &answer.calendar_data {
            children.push(XmlElement::text(
                ElementName::caldav("calendar-data"),
                data.clone(),
            ));
        }
        out.element(&XmlElement::new(
            ElementName::caldav("response"),
            PropValue::Elements(children),
        ));
    }
    out.end(&root);
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dav::document::parse_document;

    #[test]
    fn each_recipient_gets_its_response() {
        let body = schedule_response(&[
            RecipientAnswer {
                recipient: "mailto:b@x.org".into(),
                request_status: "2.0;Success".into(),
                calendar_data: Some("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into()),
            },
            RecipientAnswer {
                recipient: "mailto:<nobody>@x.org".into(),
                request_status: "3.7;Invalid calendar user".into(),
                calendar_data: None,
            },
        ]);
        let root = parse_document(&body).unwrap().unwrap();
        assert_eq!(root.name, ElementName::caldav("schedule-response"));
        assert_eq!(root.children.len(), 2);
        let second = &root.children[1];
        assert_eq!(second.name, ElementName::caldav("response"));
        assert_eq!(second.children.len(), 2);
        assert_eq!(second.children[0].children[0].text, "mailto:<nobody>@x.org");
        assert_eq!(second.children[1].text, "3.7;Invalid calendar user");
        assert!(root.children[0].children[2]
            .text
            .starts_with("BEGIN:VCALENDAR"));
    }
}
