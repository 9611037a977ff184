//! iMIP (RFC 6047): iTIP messages by mail to attendees outside the context, through the
//! SMTP relay configured in `davgate.imip.*`. Without a relay nothing is sent and the
//! attendee's SCHEDULE-STATUS says so.
//!
//! `compose` turns an [`ImipMessage`] into mails (RFC 6047 2.4 and 3: multipart/alternative
//! with a text/plain note and the text/calendar part carrying `method`); [`MailRelay`]
//! hands them to the relay with lettre (tokio, rustls on ring, no pooling: one connection
//! per message), the whole exchange bounded by `davgate.imip.timeoutSeconds`.

mod compose;
mod itip_lines;

use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::props::{self, RelayTls};

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
    /// A permanent failure: the relay answered 5xx, or the message cannot be sent as it
    /// is (an address that is not a mail address, a METHOD that differs from `method`).
    /// Sending it again would fail again.
    #[error("the mail relay refused the message: {0}")]
    Refused(String),
    /// A failure that may pass: no connection, no TLS, no answer within the timeout, or
    /// a 4xx answer.
    #[error("the mail relay could not be reached: {0}")]
    Unreachable(String),
}

/// The configured SMTP relay.
pub struct MailRelay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// `davgate.imip.sender`: the envelope sender and From address, when set.
    sender: Option<Address>,
    timeout: Duration,
    max_recipients: usize,
    /// `host:port (tls mode, login)`, for logs; no password.
    description: String,
}

impl std::fmt::Debug for MailRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailRelay")
            .field("relay", &self.description)
            .field("sender", &self.sender)
            .field("timeout", &self.timeout)
            .field("max_recipients", &self.max_recipients)
            .finish()
    }
}

impl MailRelay {
    /// The relay `config` names; None when none is configured, or when its settings
    /// cannot be used (logged as an error; `davgate serve` refuses to start then, see
    /// [`MailRelay::try_from_config`]). Logs the relay in use.
    pub fn from_config(config: &crate::config::ServerConfig) -> Option<MailRelay> {
        match Self::try_from_config(config) {
            Ok(Some(relay)) => {
                tracing::info!(relay = %relay.description,
                    sender = relay.sender.as_ref().map(|s| s.to_string()).as_deref().unwrap_or("the organizer or attendee"),
                    "iMIP: messages to calendar users outside the context go out through this relay");
                Some(relay)
            }
            Ok(None) => {
                tracing::info!(
                    "iMIP: no relay configured (davgate.imip.host); calendar users outside the context get no mail"
                );
                None
            }
            Err(reason) => {
                tracing::error!(%reason, "iMIP: the relay settings cannot be used; no mail is sent");
                None
            }
        }
    }

    /// The relay `config` names, None without `davgate.imip.host`, or why its settings
    /// cannot be used (an unreadable or empty `davgate.imip.caFile`).
    pub fn try_from_config(config: &crate::config::ServerConfig) -> Result<Option<Self>, String> {
        let Some(host) = config.get::<props::ImipHost>() else {
            return Ok(None);
        };
        let port = config.get::<props::ImipPort>();
        let mode = config.get::<props::ImipTls>();
        let timeout = Duration::from_secs(config.get::<props::ImipTimeoutSeconds>().into());

        let tls = match mode {
            RelayTls::None => Tls::None,
            RelayTls::StartTls => Tls::Required(tls_parameters(config, &host)?),
            RelayTls::Tls => Tls::Wrapper(tls_parameters(config, &host)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(port)
            .tls(tls)
            .timeout(Some(timeout));
        let username = config.get::<props::ImipUsername>();
        if let Some(username) = &username {
            builder = builder.credentials(Credentials::new(
                username.clone(),
                config.get::<props::ImipPassword>(),
            ));
        }
        let sender = config
            .get::<props::ImipSender>()
            .map(|s| s.parse::<Address>())
            .transpose()
            .map_err(|e| format!("davgate.imip.sender: {e}"))?;
        let mode_name = match mode {
            RelayTls::None => "no TLS",
            RelayTls::StartTls => "STARTTLS",
            RelayTls::Tls => "TLS",
        };
        let login = match &username {
            Some(u) => format!(", login {u}"),
            None => String::new(),
        };
        Ok(Some(MailRelay {
            transport: builder.build(),
            sender,
            timeout,
            max_recipients: config.get::<props::MaxImipRecipients>().max(1) as usize,
            description: format!("{host}:{port} ({mode_name}{login})"),
        }))
    }

    /// `host:port (tls mode, login)` of the relay, without the password.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Hands `message` to the relay, within the relay's timeout. More recipients than
    /// `davgate.limits.maxImipRecipients` go out as several mails, one after the other;
    /// the first failure ends the send (the mails before it were handed over). Without
    /// recipients nothing is sent.
    pub async fn send(&self, message: &ImipMessage) -> Result<(), MailError> {
        let mails = compose::compose(message, self.sender.as_ref(), self.max_recipients)?;
        let deadline = tokio::time::Instant::now() + self.timeout;
        for mail in mails {
            match tokio::time::timeout_at(deadline, self.transport.send(mail)).await {
                Err(_) => {
                    return Err(MailError::Unreachable(format!(
                        "{}: no answer within {} s",
                        self.description,
                        self.timeout.as_secs()
                    )))
                }
                Ok(Err(e)) if e.is_permanent() => {
                    return Err(MailError::Refused(format!("{}: {e}", self.description)))
                }
                Ok(Err(e)) => {
                    return Err(MailError::Unreachable(format!(
                        "{}: {}",
                        self.description,
                        error_chain(&e)
                    )))
                }
                Ok(Ok(_)) => {}
            }
        }
        Ok(())
    }
}

/// The relay's TLS: rustls on ring (`crate::tls`), the system's trust store plus
/// `davgate.imip.caFile`, the certificate checked for `host`.
fn tls_parameters(
    config: &crate::config::ServerConfig,
    host: &str,
) -> Result<TlsParameters, String> {
    crate::tls::install_provider();
    let mut builder = TlsParameters::builder(host.to_owned());
    if let Some(path) = config.get::<props::ImipCaFile>() {
        let pem = std::fs::read(&path)
            .map_err(|e| format!("davgate.imip.caFile {}: {e}", path.display()))?;
        if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err(format!(
                "davgate.imip.caFile {}: no PEM certificate in it",
                path.display()
            ));
        }
        let certificate = Certificate::from_pem(&pem)
            .map_err(|e| format!("davgate.imip.caFile {}: {e}", path.display()))?;
        builder = builder.add_root_certificate(certificate);
    }
    builder
        .build_rustls()
        .map_err(|e| format!("the relay's TLS settings: {}", error_chain(&e)))
}

/// An error with its causes, `a: b: c`.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
