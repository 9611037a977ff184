//! iMIP (RFC 6047) through a real SMTP server on loopback (tests/tools/smtp_recorder.py,
//! aiosmtpd): what arrives for REQUEST, CANCEL and REPLY messages (envelope, headers,
//! the multipart/alternative body with the text/calendar part), the sender address,
//! recipients in batches, header injection, STARTTLS, and how failures are told apart.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine as _;
use davgate::config::ServerConfig;
use davgate::scheduling::imip::{ImipMessage, MailError, MailRelay};
use serde_json::Value;

use common::client::free_port;
use common::smtp::Recorder;

/// A relay built from the server settings `overrides`.
fn relay(overrides: &[(&str, &str)]) -> MailRelay {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig::load_with(dir.path(), overrides).unwrap();
    MailRelay::try_from_config(&config)
        .unwrap()
        .expect("a relay is configured")
}

/// A plain relay on `port` of 127.0.0.1, with `more` settings.
fn plain_relay(port: u16, more: &[(&str, &str)]) -> MailRelay {
    let port = port.to_string();
    let mut overrides = vec![
        ("davgate.imip.host", "127.0.0.1"),
        ("davgate.imip.port", port.as_str()),
        ("davgate.imip.tls", "none"),
    ];
    overrides.extend_from_slice(more);
    relay(&overrides)
}

fn ical(method: &str, attendee_line: &str) -> Vec<u8> {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate//test//EN\r\nMETHOD:{method}\r\n\
         BEGIN:VEVENT\r\nUID:imip-test-1\r\nDTSTAMP:20260101T100000Z\r\n\
         DTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\nSEQUENCE:0\r\n\
         SUMMARY:Planning\r\nDESCRIPTION:Caf\u{e9} au lait \u{2615}\\, agenda follows\r\n\
         ORGANIZER;CN=Alice Example:mailto:alice@example.com\r\n{attendee_line}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    .into_bytes()
}

fn organizer_message(method: &str, recipients: &[&str]) -> ImipMessage {
    ImipMessage {
        method: method.into(),
        from: "alice@example.com".into(),
        from_name: Some("Alice Example".into()),
        recipients: recipients.iter().map(|r| r.to_string()).collect(),
        summary: Some("Planning".into()),
        ical: ical(
            method,
            "ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.net",
        ),
    }
}

fn reply(partstat: &str) -> ImipMessage {
    ImipMessage {
        method: "REPLY".into(),
        from: "bob@example.net".into(),
        from_name: Some("Bob Outside".into()),
        recipients: vec!["alice@example.com".into()],
        summary: Some("Planning".into()),
        ical: ical(
            "REPLY",
            &format!("ATTENDEE;PARTSTAT={partstat};CN=Bob Outside:mailto:bob@example.net"),
        ),
    }
}

/// The values of the top-level header `name` (any letter case).
fn headers<'a>(mail: &'a Value, name: &str) -> Vec<&'a str> {
    mail["headers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h[0].as_str().unwrap().eq_ignore_ascii_case(name))
        .map(|h| h[1].as_str().unwrap())
        .collect()
}

fn header<'a>(mail: &'a Value, name: &str) -> &'a str {
    match headers(mail, name).as_slice() {
        [one] => one,
        other => panic!("{name}: {other:?} in {}", mail["headers"]),
    }
}

/// The display name (unquoted) and address of a header's one mailbox.
fn mailbox(value: &str) -> (String, String) {
    let (name, rest) = value.rsplit_once('<').unwrap_or(("", value));
    let name = name.trim().trim_matches('"').to_owned();
    (name, rest.trim_end_matches('>').to_owned())
}

fn named(name: &str, address: &str) -> (String, String) {
    (name.to_owned(), address.to_owned())
}

fn envelope_to(mail: &Value) -> Vec<String> {
    let mut to: Vec<String> = mail["envelope_to"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    to.sort();
    to
}

fn decoded(b64: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(b64.as_str().unwrap())
        .unwrap()
}

/// The text/calendar part of `mail`, decoded.
fn calendar_part(mail: &Value) -> String {
    let part = mail["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["content_type"] == "text/calendar")
        .expect("a text/calendar part");
    String::from_utf8(decoded(&part["body"])).unwrap()
}

/// Checks the RFC 6047 shape of `mail` carrying `sent`, and returns its text/plain note.
fn assert_imip_shape(mail: &Value, sent: &ImipMessage) -> String {
    assert_eq!(header(mail, "MIME-Version"), "1.0");
    assert!(!header(mail, "Date").is_empty());
    let message_id = header(mail, "Message-ID");
    assert!(
        message_id.starts_with('<') && message_id.ends_with('>') && message_id.contains('@'),
        "{message_id}"
    );
    assert_eq!(mail["content_type"], "multipart/alternative");
    let parts = mail["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2, "{parts:?}");
    assert_eq!(parts[0]["content_type"], "text/plain");
    let calendar = &parts[1];
    assert_eq!(calendar["content_type"], "text/calendar");
    let body = decoded(&calendar["body"]);
    assert_eq!(body, sent.ical, "the iTIP object arrives byte for byte");
    let body_text = String::from_utf8(body).unwrap();
    let body_method = body_text
        .lines()
        .find_map(|l| l.strip_prefix("METHOD:"))
        .unwrap()
        .trim();
    assert_eq!(calendar["params"]["method"], body_method);
    assert!(calendar["params"]["charset"]
        .as_str()
        .unwrap()
        .eq_ignore_ascii_case("utf-8"));
    let encoding = calendar["transfer_encoding"].as_str().unwrap();
    assert!(
        ["base64", "quoted-printable"].contains(&encoding.to_ascii_lowercase().as_str()),
        "{encoding}"
    );
    String::from_utf8(decoded(&parts[0]["body"])).unwrap()
}

#[tokio::test]
async fn request_cancel_and_reply_arrive_as_imip_mails() {
    let smtp = Recorder::start(&[]);
    let relay = plain_relay(smtp.port, &[]);
    let request = organizer_message("REQUEST", &["bob@example.net", "carol@example.org"]);
    let cancel = organizer_message("CANCEL", &["bob@example.net"]);
    relay.send(&request).await.unwrap();
    relay.send(&cancel).await.unwrap();
    relay.send(&reply("ACCEPTED")).await.unwrap();
    relay.send(&reply("DECLINED")).await.unwrap();
    let mails = smtp.messages(4);

    let invitation = &mails[0];
    assert_eq!(invitation["envelope_from"], "alice@example.com");
    assert_eq!(
        envelope_to(invitation),
        ["bob@example.net", "carol@example.org"]
    );
    assert_eq!(
        mailbox(header(invitation, "From")),
        named("Alice Example", "alice@example.com")
    );
    let to = header(invitation, "To");
    assert!(to.contains("bob@example.net") && to.contains("carol@example.org"));
    assert!(headers(invitation, "Reply-To").is_empty());
    assert_eq!(header(invitation, "Subject"), "Invitation: Planning");
    let note = assert_imip_shape(invitation, &request);
    assert!(
        note.contains("Alice Example") && note.contains("Planning"),
        "{note}"
    );

    let cancelled = &mails[1];
    assert_eq!(envelope_to(cancelled), ["bob@example.net"]);
    assert_eq!(header(cancelled, "Subject"), "Cancelled: Planning");
    assert_eq!(cancelled["parts"][1]["params"]["method"], "CANCEL");
    assert_imip_shape(cancelled, &cancel);

    let accepted = &mails[2];
    assert_eq!(accepted["envelope_from"], "bob@example.net");
    assert_eq!(envelope_to(accepted), ["alice@example.com"]);
    assert_eq!(
        mailbox(header(accepted, "From")),
        named("Bob Outside", "bob@example.net")
    );
    assert_eq!(header(accepted, "Subject"), "Accepted: Planning");
    assert_eq!(accepted["parts"][1]["params"]["method"], "REPLY");
    assert_imip_shape(accepted, &reply("ACCEPTED"));
    assert_eq!(header(&mails[3], "Subject"), "Declined: Planning");
    assert_ne!(
        header(&mails[0], "Message-ID"),
        header(&mails[1], "Message-ID")
    );
}

#[tokio::test]
async fn sender_address_is_envelope_and_from_and_the_organizer_the_reply_to() {
    let smtp = Recorder::start(&[]);
    let relay = plain_relay(
        smtp.port,
        &[("davgate.imip.sender", "calendar@example.com")],
    );
    let request = organizer_message("REQUEST", &["bob@example.net"]);
    relay.send(&request).await.unwrap();
    let mail = &smtp.messages(1)[0];
    assert_eq!(mail["envelope_from"], "calendar@example.com");
    assert_eq!(
        mailbox(header(mail, "From")),
        named("Alice Example", "calendar@example.com")
    );
    assert_eq!(
        mailbox(header(mail, "Reply-To")),
        named("Alice Example", "alice@example.com")
    );
    assert_imip_shape(mail, &request);
}

#[tokio::test]
async fn line_breaks_in_summary_and_name_add_no_header() {
    let smtp = Recorder::start(&[]);
    let relay = plain_relay(smtp.port, &[]);
    let mut request = organizer_message("REQUEST", &["bob@example.net"]);
    request.summary = Some("Lunch\r\nBcc: eve@evil.example\r\nX-Injected: 1".into());
    request.from_name = Some("Alice\r\nX-Also-Injected: 1\nBcc: mallory@evil.example".into());
    relay.send(&request).await.unwrap();
    let mail = &smtp.messages(1)[0];
    assert_eq!(envelope_to(mail), ["bob@example.net"]);
    for name in ["Bcc", "X-Injected", "X-Also-Injected"] {
        assert!(
            headers(mail, name).is_empty(),
            "{name} in {}",
            mail["headers"]
        );
    }
    let raw = decoded(&mail["raw"]);
    let raw = String::from_utf8_lossy(&raw);
    let head = raw.split("\r\n\r\n").next().unwrap();
    for line in head.split("\r\n") {
        assert!(
            !line.starts_with("Bcc")
                && !line.starts_with("X-Injected")
                && !line.starts_with("X-Also"),
            "{line:?} in {head}"
        );
    }
    // The words are still there, on the subject's one line.
    assert!(header(mail, "Subject").contains("Lunch"));
    assert_imip_shape(mail, &request);
}

#[tokio::test]
async fn more_recipients_than_the_limit_go_out_in_several_mails() {
    let smtp = Recorder::start(&[]);
    let relay = plain_relay(smtp.port, &[("davgate.limits.maxImipRecipients", "2")]);
    let recipients = [
        "a@example.net",
        "b@example.net",
        "c@example.net",
        "d@example.net",
        "e@example.net",
    ];
    relay
        .send(&organizer_message("REQUEST", &recipients))
        .await
        .unwrap();
    let mails = smtp.messages(3);
    let sizes: Vec<usize> = mails.iter().map(|m| envelope_to(m).len()).collect();
    assert_eq!(sizes, [2, 2, 1]);
    let mut all: Vec<String> = mails.iter().flat_map(envelope_to).collect();
    all.sort();
    assert_eq!(all, recipients);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(smtp.count(), 3);
}

#[tokio::test]
async fn a_relay_that_is_not_listening_is_unreachable_at_once() {
    let relay = plain_relay(free_port(), &[("davgate.imip.timeoutSeconds", "5")]);
    let started = Instant::now();
    let result = relay
        .send(&organizer_message("REQUEST", &["bob@example.net"]))
        .await;
    assert!(
        matches!(result, Err(MailError::Unreachable(_))),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_relay_that_never_answers_is_unreachable_after_the_timeout() {
    // Accepts connections and says nothing.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let relay = plain_relay(port, &[("davgate.imip.timeoutSeconds", "1")]);
    let started = Instant::now();
    let result = relay
        .send(&organizer_message("REQUEST", &["bob@example.net"]))
        .await;
    let took = started.elapsed();
    assert!(
        matches!(result, Err(MailError::Unreachable(_))),
        "{result:?}"
    );
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_secs(4), "{took:?}");
    drop(silent);
}

#[tokio::test]
async fn permanent_refusals_and_transient_failures_are_told_apart() {
    let refusing = Recorder::start(&["--refuse", "550"]);
    let result = plain_relay(refusing.port, &[])
        .send(&organizer_message("REQUEST", &["bob@example.net"]))
        .await;
    match result {
        Err(MailError::Refused(reason)) => assert!(reason.contains("550"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let busy = Recorder::start(&["--refuse", "451"]);
    let result = plain_relay(busy.port, &[])
        .send(&organizer_message("REQUEST", &["bob@example.net"]))
        .await;
    assert!(
        matches!(result, Err(MailError::Unreachable(_))),
        "{result:?}"
    );
    assert_eq!(refusing.count() + busy.count(), 0);
}

#[tokio::test]
async fn messages_that_cannot_be_mail_are_refused_before_the_relay() {
    let smtp = Recorder::start(&[]);
    let relay = plain_relay(smtp.port, &[]);
    let mut bad_address = organizer_message("REQUEST", &["bob@example.net"]);
    bad_address
        .recipients
        .push("bob\r\nRCPT TO:<eve@evil.example>".into());
    let result = relay.send(&bad_address).await;
    assert!(matches!(result, Err(MailError::Refused(_))), "{result:?}");
    let mut wrong_method = organizer_message("REQUEST", &["bob@example.net"]);
    wrong_method.method = "CANCEL".into();
    let result = relay.send(&wrong_method).await;
    assert!(matches!(result, Err(MailError::Refused(_))), "{result:?}");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(smtp.count(), 0);
}

#[test]
fn without_a_host_there_is_no_relay() {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig::load_with(dir.path(), &[]).unwrap();
    assert!(MailRelay::from_config(&config).is_none());
    assert!(MailRelay::try_from_config(&config).unwrap().is_none());
    let config = ServerConfig::load_with(dir.path(), &[("davgate.imip.port", "25")]).unwrap();
    assert!(MailRelay::from_config(&config).is_none());
}

#[test]
fn the_password_stays_out_of_what_is_shown() {
    let relay = relay(&[
        ("davgate.imip.host", "smtp.example.com"),
        ("davgate.imip.username", "calendar"),
        ("davgate.imip.password", "s3cret-relay-password"),
    ]);
    assert_eq!(
        relay.description(),
        "smtp.example.com:587 (STARTTLS, login calendar)"
    );
    assert!(!format!("{relay:?}").contains("s3cret"));
}

#[test]
fn settings_that_cannot_work_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (name, value) in [
        ("davgate.imip.tls", "ssl"),
        ("davgate.imip.port", "0"),
        ("davgate.imip.sender", "not-an-address"),
        ("davgate.limits.maxImipRecipients", "0"),
    ] {
        assert!(
            ServerConfig::load_with(dir.path(), &[(name, value)]).is_err(),
            "{name}={value}"
        );
    }
    let missing = dir.path().join("missing.pem");
    let missing = missing.to_str().unwrap();
    let config = ServerConfig::load_with(
        dir.path(),
        &[
            ("davgate.imip.host", "smtp.example.com"),
            ("davgate.imip.caFile", missing),
        ],
    )
    .unwrap();
    let error = MailRelay::try_from_config(&config).unwrap_err();
    assert!(error.contains("davgate.imip.caFile"), "{error}");
    assert!(MailRelay::from_config(&config).is_none());
}

/// A certificate for `localhost` and its key, made for the test.
fn certificate(dir: &Path) -> (PathBuf, PathBuf) {
    common::tls::self_signed(dir, &["localhost"])
}

#[tokio::test]
async fn starttls_with_a_certificate_of_the_configured_authority() {
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(certs.path());
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let smtp = Recorder::start(&["--cert", cert, "--key", key]);
    let port = smtp.port.to_string();
    let settings = |ca: Option<&str>| {
        let mut s = vec![
            ("davgate.imip.host", "localhost"),
            ("davgate.imip.port", port.as_str()),
            ("davgate.imip.tls", "starttls"),
            ("davgate.imip.timeoutSeconds", "5"),
        ];
        if let Some(ca) = ca {
            s.push(("davgate.imip.caFile", ca));
        }
        relay(&s)
    };
    let request = organizer_message("REQUEST", &["bob@example.net"]);

    // The relay's certificate is not trusted by the system.
    let result = settings(None).send(&request).await;
    assert!(
        matches!(result, Err(MailError::Unreachable(_))),
        "{result:?}"
    );

    settings(Some(cert)).send(&request).await.unwrap();
    let mail = &smtp.messages(1)[0];
    assert_eq!(envelope_to(mail), ["bob@example.net"]);
    assert_imip_shape(mail, &request);

    // Without TLS the relay takes nothing: it demands STARTTLS first (530).
    let result = plain_relay(smtp.port, &[]).send(&request).await;
    assert!(matches!(result, Err(MailError::Refused(_))), "{result:?}");
    assert_eq!(smtp.count(), 1);
}

/// Implicit scheduling with a relay: an organizer's invitation of an attendee outside the
/// context goes out as an iMIP REQUEST, her copy says it was sent (SCHEDULE-STATUS 1.1),
/// and deleting the event sends the CANCEL; the attendee inside gets no mail.
#[tokio::test]
async fn invitations_to_outside_attendees_go_out_by_mail() {
    use common::caldav::{calendar_path, default_folder, put, LAYOUT};
    use common::scheduling::{attendee_state, copy, delete_as, meeting};
    use davgate::store::FolderModule;

    let smtp = Recorder::start(&[]);
    let port = smtp.port.to_string();
    let mut overrides = LAYOUT.to_vec();
    overrides.extend([
        ("davgate.imip.host", "127.0.0.1"),
        ("davgate.imip.port", port.as_str()),
        ("davgate.imip.tls", "none"),
    ]);
    let db = common::databases().await.remove(0);
    let site = common::http::site(&db.store, &overrides).await;
    let calendar = default_folder(&db.store, &site.alice, FolderModule::Calendar).await;
    let path = format!("{}outside.ics", calendar_path(&calendar));
    let attendees = [
        "PARTSTAT=NEEDS-ACTION:mailto:bob@example.com",
        "PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:guest@example.org",
    ];
    let created = put(
        &site,
        &path,
        &meeting("outside", "Review", 2, &attendees),
        &[],
    )
    .await;
    assert_eq!(
        created.status,
        http::StatusCode::CREATED,
        "{:?}",
        created.body
    );

    let invitation = &smtp.messages(1)[0];
    assert_eq!(envelope_to(invitation), ["guest@example.org"]);
    assert_eq!(invitation["envelope_from"], site.alice.mail.as_str());
    let itip = calendar_part(invitation);
    assert!(itip.contains("METHOD:REQUEST"), "{itip}");
    assert!(itip.contains("UID:outside"), "{itip}");
    assert!(!itip.contains("SCHEDULE-STATUS"), "{itip}");
    let organizer = copy(&db.store, &site.alice, "outside").await.unwrap();
    assert_eq!(
        attendee_state(&organizer, "mailto:guest@example.org")
            .1
            .as_deref(),
        Some("1.1")
    );
    assert_eq!(
        attendee_state(&organizer, "mailto:bob@example.com")
            .1
            .as_deref(),
        Some("1.2")
    );

    let deleted = delete_as(&site, ("alice", common::http::ALICE_PASSWORD), &path).await;
    assert_eq!(deleted.status, http::StatusCode::NO_CONTENT);
    let cancel = &smtp.messages(2)[1];
    assert_eq!(envelope_to(cancel), ["guest@example.org"]);
    let itip = calendar_part(cancel);
    assert!(itip.contains("METHOD:CANCEL"), "{itip}");
    assert_eq!(smtp.count(), 2, "only the outside attendee gets mail");
}
