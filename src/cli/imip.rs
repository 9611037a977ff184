//! `davgate imip test --to ADDRESS`: one message through the configured iMIP relay
//! (`davgate.imip.*`), to check host, TLS, login and sender before attendees depend on it.

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand};

use crate::config::{props, ServerConfig};
use crate::scheduling::imip::{ImipMessage, MailRelay};

#[derive(Debug, Subcommand)]
pub enum ImipCommand {
    /// Send a test message (an iCalendar PUBLISH of one event) through the relay.
    Test(TestArgs),
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// The mail address to send the test message to.
    #[arg(long)]
    pub to: String,
    /// The From address [default: davgate.imip.sender].
    #[arg(long)]
    pub from: Option<String>,
}

pub async fn imip(config: &ServerConfig, cmd: ImipCommand) -> anyhow::Result<()> {
    match cmd {
        ImipCommand::Test(args) => test(config, args).await,
    }
}

async fn test(config: &ServerConfig, args: TestArgs) -> anyhow::Result<()> {
    let Some(relay) = MailRelay::try_from_config(config)
        .map_err(|reason| anyhow::anyhow!("the iMIP relay (davgate.imip.*): {reason}"))?
    else {
        bail!("no iMIP relay is configured: set davgate.imip.host (DAVGATE_IMIP_HOST)");
    };
    let Some(from) = args.from.or_else(|| config.get::<props::ImipSender>()) else {
        bail!("name the From address with --from, or set davgate.imip.sender");
    };
    relay
        .send(&test_message(&from, &args.to))
        .await
        .with_context(|| format!("sending through {}", relay.description()))?;
    println!(
        "sent a test message from {from} to {} through {}",
        args.to,
        relay.description()
    );
    Ok(())
}

/// A PUBLISH of a one-hour event starting now: shown by calendar programs, answered by none.
fn test_message(from: &str, to: &str) -> ImipMessage {
    let now = time::OffsetDateTime::now_utc();
    let stamp = |t: time::OffsetDateTime| {
        format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    };
    let summary = "davgate mail relay test";
    let ical = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate//iMIP test//EN\r\nMETHOD:PUBLISH\r\n\
         BEGIN:VEVENT\r\nUID:davgate-imip-test-{}\r\nDTSTAMP:{}\r\nDTSTART:{}\r\nDTEND:{}\r\n\
         SUMMARY:{summary}\r\nORGANIZER:mailto:{from}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        now.unix_timestamp(),
        stamp(now),
        stamp(now),
        stamp(now + time::Duration::hours(1)),
    );
    ImipMessage {
        method: "PUBLISH".into(),
        from: from.to_owned(),
        from_name: Some("davgate".into()),
        recipients: vec![to.to_owned()],
        summary: Some(summary.into()),
        ical: ical.into_bytes(),
    }
}
