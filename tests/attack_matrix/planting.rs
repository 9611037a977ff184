//! The canary data of the world: members, collection names and dead properties, users,
//! planted through the router as their authors would, and the bodies the matrix PUTs.

use davgate::store::GLOBAL_ADDRESS_BOOK;
use futures::StreamExt;

use crate::canaries::{Canary, CONTEXT, OUTSIDER, OWNER, READERS, SHARED, STRANGER};
use crate::common::caldav::day;
use crate::common::http::Call;
use crate::table::{Caller, Resource};
use crate::world::{Place, World, MATRIX_NS};

/// An event from `hour`:00 to `hour`+1:00 UTC, `days` from today.
fn event(uid: &str, summary: &str, description: &str, days: i64, hour: u32) -> String {
    let d = day(days);
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate matrix//EN\r\nBEGIN:VEVENT\r\n\
         UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d}T{hour:02}0000Z\r\n\
         DTEND:{d}T{:02}0000Z\r\nSUMMARY:{summary}\r\nDESCRIPTION:{description}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n",
        hour + 1
    )
}

fn todo(uid: &str, summary: &str, description: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate matrix//EN\r\nBEGIN:VTODO\r\n\
         UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:{summary}\r\n\
         DESCRIPTION:{description}\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
    )
}

fn card(uid: &str, name: &str, note: &str) -> String {
    format!(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//davgate matrix//EN\r\nUID:{uid}\r\n\
         FN:{name}\r\nN:{name};;;;\r\nNOTE:{note}\r\nEND:VCARD\r\n"
    )
}

/// What a PUT by the matrix sends to `resource` (media type and body): the member's own
/// UID where it replaces one, a new one elsewhere.
pub fn put_body(world: &World, resource: Resource) -> (&'static str, String) {
    const ICS: &str = "text/calendar; charset=utf-8";
    const VCF: &str = "text/vcard; charset=utf-8";
    match resource {
        Resource::CalendarMember => (ICS, event("CanaryAliceEventUid", "Changed", "-", 3, 10)),
        Resource::Contact => (VCF, card("CanaryAliceContactUid", "Changed", "-")),
        Resource::GalEntry => {
            let uid = world.gal_entry.trim_end_matches(".vcf");
            (VCF, card(uid, "Changed", "-"))
        }
        Resource::TaskList => (ICS, todo("matrix-new-task", "New", "-")),
        Resource::AddressBook
        | Resource::Aggregated
        | Resource::Gal
        | Resource::UnmappedBook
        | Resource::ForeignBook
        | Resource::AddressbookHome => (VCF, card("matrix-new-card", "New", "-")),
        _ => (ICS, event("matrix-new-event", "New", "-", 5, 9)),
    }
}

/// What a planted member holds: an event on a day and hour, a task, or a contact.
#[derive(Clone, Copy)]
enum Kind {
    Event(i64, u32),
    Todo,
    Card,
}

impl Kind {
    /// The three canary texts of a member: its UID, then SUMMARY and DESCRIPTION, or FN
    /// and NOTE.
    fn texts(self, stem: &str) -> [String; 3] {
        let (title, detail) = match self {
            Kind::Card => ("Name", "Note"),
            _ => ("Summary", "Description"),
        };
        [
            format!("{stem}Uid"),
            format!("{stem}{title}"),
            format!("{stem}{detail}"),
        ]
    }

    fn body(self, stem: &str) -> String {
        let [uid, title, detail] = self.texts(stem);
        match self {
            Kind::Event(days, hour) => event(&uid, &title, &detail, days, hour),
            Kind::Todo => todo(&uid, &title, &detail),
            Kind::Card => card(&uid, &title, &detail),
        }
    }
}

/// `CanaryAliceEvent` -> `canary-alice-event.ics`: the resource name of a member.
fn member_name(stem: &str, kind: Kind) -> String {
    let mut name = String::new();
    for (i, c) in stem.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('-');
        }
        name.push(c.to_ascii_lowercase());
    }
    let extension = match kind {
        Kind::Card => "vcf",
        _ => "ics",
    };
    format!("{name}.{extension}")
}

/// A planted member: author, folder, stem of its name and canary texts, what it is, and
/// who may read it.
struct Seed(Caller, Place, &'static str, Kind, &'static [Caller]);

// One member per line, as a table.
#[rustfmt::skip]
const SEEDS: [Seed; 10] = {
    use Caller::*;
    use Kind::*;
    use Place::*;
    [
        Seed(Owner, SharedCalendar, "CanaryAliceEvent", Event(3, 10), READERS),
        Seed(ReadOwn, SharedCalendar, "CanaryRitaEvent", Event(4, 14), SHARED),
        Seed(Owner, SharedTasks, "CanaryAliceTask", Todo, READERS),
        Seed(Owner, SharedBook, "CanaryAliceContact", Card, READERS),
        Seed(ReadOwn, SharedBook, "CanaryRitaContact", Card, SHARED),
        Seed(Owner, AliceCalendar, "CanaryAlicePrivate", Event(3, 16), OWNER),
        Seed(Owner, AliceContacts, "CanaryAlicePrivateContact", Card, OWNER),
        Seed(Stranger, BobContacts, "CanaryBobContact", Card, STRANGER),
        Seed(Outsider, ForeignCalendar, "CanaryOscarEvent", Event(3, 12), OUTSIDER),
        Seed(Outsider, ForeignBook, "CanaryOscarContact", Card, OUTSIDER),
    ]
};

/// A collection's dead property `<stem>Dead`, set by its owner, and (when renamed) its
/// new display name `<stem>Name`.
struct Labelled(Caller, Place, &'static str, bool, &'static [Caller]);

#[rustfmt::skip]
const LABELLED: [Labelled; 7] = {
    use Caller::*;
    use Place::*;
    [
        Labelled(Owner, SharedCalendar, "CanaryCalendar", false, SHARED),
        Labelled(Owner, SharedTasks, "CanaryTasks", false, SHARED),
        Labelled(Owner, SharedBook, "CanaryBook", false, SHARED),
        Labelled(Owner, AliceCalendar, "CanaryAlicePrivateCalendar", true, OWNER),
        Labelled(Owner, AliceContacts, "CanaryAlicePrivateBook", true, OWNER),
        Labelled(Stranger, BobCalendar, "CanaryBobCalendar", true, STRANGER),
        Labelled(Outsider, ForeignCalendar, "CanaryForeignCalendar", false, OUTSIDER),
    ]
};

/// The folders made with `<stem>Name` and `<stem>Description` (see `World::plant`).
pub const MADE: [(Place, &str, &[Caller]); 5] = [
    (Place::SharedCalendar, "CanaryCalendar", SHARED),
    (Place::SharedTasks, "CanaryTasks", SHARED),
    (Place::SharedBook, "CanaryBook", SHARED),
    (Place::ForeignCalendar, "CanaryForeignCalendar", OUTSIDER),
    (Place::ForeignBook, "CanaryForeignBook", OUTSIDER),
];

impl World {
    /// Plants the members, dead properties and names the canaries stand for, each
    /// through the router as its author would.
    pub async fn plant_data(&mut self) {
        for Seed(author, place, stem, kind, audience) in SEEDS {
            let name = member_name(stem, kind);
            let path = self.member_path(place, &name);
            let content_type = match kind {
                Kind::Card => "text/vcard",
                _ => "text/calendar",
            };
            let call = Call::new("PUT", &path)
                .header("content-type", content_type)
                .body(kind.body(stem));
            let answer = self.send_as(author, call).await;
            assert_eq!(answer.status.as_u16(), 201, "planting {path}");
            let etag = answer.header("etag").expect("an ETag").trim_matches('"');
            self.canaries.add(Canary::new(etag, audience, "ETag"));
            self.canaries
                .add(Canary::new(&name, audience, "resource name"));
            for text in kind.texts(stem) {
                self.canaries
                    .add(Canary::new(&text, audience, "member content"));
            }
            self.members.push((place, name));
        }
        // alice's event is the only one busy then.
        let d = day(3);
        let busy = format!("{d}T100000Z/{d}T110000Z");
        self.canaries
            .add(Canary::new(&busy, READERS, "busy period"));
        self.plant_labels().await;
        self.plant_people().await;
        self.plant_mailboxes().await;
        // Each author reads back what they planted: the member canaries are text real
        // answers carry, so their absence elsewhere means something.
        for Seed(author, place, stem, kind, _) in SEEDS {
            let path = self.member_path(place, &member_name(stem, kind));
            let answer = self.send_as(author, Call::new("GET", &path)).await;
            assert_eq!(answer.status.as_u16(), 200, "reading back {path}");
            let leaks = self.canaries.leaks(author, "", &answer);
            assert!(leaks.is_empty(), "{path}: {leaks:?}");
        }
    }

    /// Collection names, descriptions and dead properties.
    async fn plant_labels(&mut self) {
        for Labelled(author, place, stem, rename, audience) in LABELLED {
            let path = self.member_path(place, "");
            let name = match rename {
                true => format!("<D:displayname>{stem}Name</D:displayname>"),
                false => String::new(),
            };
            let body = format!(
                r#"<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:M="{MATRIX_NS}"><D:set><D:prop>{name}<M:note>{stem}Dead</M:note></D:prop></D:set></D:propertyupdate>"#
            );
            let answer = self
                .send_as(author, Call::new("PROPPATCH", &path).body(body))
                .await;
            assert_eq!(answer.status.as_u16(), 207, "planting {path}");
            let dead = format!("{stem}Dead");
            self.canaries
                .add(Canary::new(&dead, audience, "dead property"));
            if rename {
                let name = format!("{stem}Name");
                self.canaries
                    .add(Canary::new(&name, audience, "collection name"));
            }
        }
        for (_, stem, audience) in MADE {
            let name = format!("{stem}Name");
            self.canaries
                .add(Canary::new(&name, audience, "collection name"));
            let description = format!("{stem}Description");
            self.canaries
                .add(Canary::new(&description, audience, "description"));
        }
    }

    /// The users' names and addresses, and their entries in the global address lists.
    async fn plant_people(&mut self) {
        for (text, audience) in [
            ("Alice Liddell", CONTEXT),
            ("alice@example.com", CONTEXT),
            ("alice.l@example.com", CONTEXT),
            ("Bob Builder", CONTEXT),
            ("Vera Viewer", CONTEXT),
            ("Rita Readown", CONTEXT),
            ("Oscar Outsider", OUTSIDER),
            ("oscar@other.org", OUTSIDER),
        ] {
            self.canaries.add(Canary::new(text, audience, "user"));
        }
        for (context, display_name, audience) in [
            (self.home, "Alice Liddell", CONTEXT),
            (self.other, "Oscar Outsider", OUTSIDER),
        ] {
            let entries: Vec<_> = self
                .site
                .store
                .object_stream(context, GLOBAL_ADDRESS_BOOK, Default::default())
                .collect()
                .await;
            let entry = entries
                .into_iter()
                .map(Result::unwrap)
                .find(|e| e.display_name.as_deref() == Some(display_name))
                .expect("an entry in the global address list");
            self.canaries
                .add(Canary::new(&entry.uid, audience, "address list UID"));
            self.canaries
                .add(Canary::new(&entry.etag, audience, "address list ETag"));
            if context == self.home {
                self.gal_entry = entry.resource_name;
            }
        }
    }
}
