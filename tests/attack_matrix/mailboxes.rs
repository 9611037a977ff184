//! The scheduling mailboxes of the world: a message in alice's inbox (canaries only
//! alice may see), and the free/busy request the matrix POSTs to the outbox.

use davgate::scheduling::inbox::deliver;

use crate::canaries::{Canary, OWNER};
use crate::common::caldav::day;
use crate::world::World;

/// The texts of the invitation in alice's inbox.
const INVITE_UID: &str = "CanaryAliceInviteUid";
const INVITE_SUMMARY: &str = "CanaryAliceInviteSummary";

/// A free/busy request as alice's client sends it to her outbox: alice asks for her own
/// busy time and bob's over the days the planted events lie in. Sent by anybody else,
/// it names an organizer who is not the sender.
pub fn free_busy_request() -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate matrix//EN\r\nMETHOD:REQUEST\r\n\
         BEGIN:VFREEBUSY\r\nUID:matrix-freebusy\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART:{}T000000Z\r\nDTEND:{}T000000Z\r\nORGANIZER:mailto:alice@example.com\r\n\
         ATTENDEE:mailto:alice@example.com\r\nATTENDEE:mailto:bob@example.com\r\n\
         END:VFREEBUSY\r\nEND:VCALENDAR\r\n",
        day(1),
        day(8)
    )
}

impl World {
    /// bob's invitation, delivered to alice's inbox as implicit scheduling delivers it.
    pub async fn plant_mailboxes(&mut self) {
        let d = day(6);
        let message = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate matrix//EN\r\nMETHOD:REQUEST\r\n\
             BEGIN:VEVENT\r\nUID:{INVITE_UID}\r\nDTSTAMP:20260101T000000Z\r\n\
             DTSTART:{d}T080000Z\r\nDTEND:{d}T090000Z\r\nSUMMARY:{INVITE_SUMMARY}\r\n\
             ORGANIZER:mailto:bob@example.com\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:alice@example.com\r\n\
             END:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        let alice = &self.site.alice;
        self.inbox_message = deliver(
            &self.site.store,
            alice.context_id,
            alice.id,
            "VEVENT",
            Some(INVITE_SUMMARY),
            message.as_bytes(),
        )
        .await
        .unwrap();
        for text in [INVITE_UID, INVITE_SUMMARY] {
            self.canaries
                .add(Canary::new(text, OWNER, "inbox message content"));
        }
        self.canaries.add(Canary::new(
            &self.inbox_message,
            OWNER,
            "inbox message name",
        ));
    }
}
