//! The world the attack matrix runs in: two contexts, an account per caller, alice's
//! shared and private folders and oscar's in the other context, canary data planted in
//! them through the router, and where each resource of the matrix lives.

use std::collections::HashMap;

use davgate::provision::{create_context, create_user};
use davgate::store::{
    level, ContextId, FolderId, FolderModule, FolderType, NewFolder, Permission, Role, User,
    GLOBAL_ADDRESS_BOOK, PRIVATE_ROOT,
};

use crate::canaries::Canaries;
use crate::common::caldav::LAYOUT;
use crate::common::http::*;
use crate::common::TestDb;
use crate::planting::MADE;
use crate::table::{Caller, Resource};

const VERA_PASSWORD: &str = "vera-Secret-4";
const RITA_PASSWORD: &str = "rita-Secret-5";
const OSCAR_PASSWORD: &str = "oscar-Secret-6";

/// The namespace of the dead properties the matrix plants and sets.
pub const MATRIX_NS: &str = "urn:example:matrix";

/// A folder the matrix addresses. The shared and foreign ones may be deleted by a cell,
/// and the restore then makes them again under a new id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Place {
    SharedCalendar,
    SharedTasks,
    SharedBook,
    ForeignCalendar,
    ForeignBook,
    AliceCalendar,
    AliceContacts,
    BobCalendar,
    BobContacts,
    VeraCalendar,
    RitaCalendar,
    OscarCalendar,
}

impl Place {
    pub fn name(self) -> String {
        format!("{self:?}")
    }

    pub fn is_contacts(self) -> bool {
        matches!(
            self,
            Place::SharedBook | Place::ForeignBook | Place::AliceContacts | Place::BobContacts
        )
    }
}

pub struct Account {
    pub user: User,
    pub login: String,
    pub password: String,
}

pub struct World {
    pub site: Site,
    pub home: ContextId,
    pub other: ContextId,
    pub accounts: HashMap<Caller, Account>,
    pub folders: HashMap<Place, (ContextId, FolderId)>,
    /// Every planted member: its folder and name.
    pub members: Vec<(Place, String)>,
    /// The name of alice's entry in her context's global address list.
    pub gal_entry: String,
    /// The name of the message in alice's scheduling inbox.
    pub inbox_message: String,
    /// The id of alice's WebDAV-Push registration on her default calendar.
    pub push_registration: String,
    pub canaries: Canaries,
}

pub const ALICE_EVENT: &str = "canary-alice-event.ics";
pub const ALICE_CONTACT: &str = "canary-alice-contact.vcf";
pub const MISSING: &str = "no-such-member.ics";

impl World {
    pub fn folder(&self, place: Place) -> FolderId {
        self.folders[&place].1
    }

    /// Where a planted folder lives, by its id in a context.
    pub fn place_at(&self, context: ContextId, id: FolderId) -> Option<Place> {
        self.folders
            .iter()
            .find(|(_, at)| **at == (context, id))
            .map(|(place, _)| *place)
    }

    /// The path of a resource of the matrix, as a client of the `/dav` layout sends it.
    pub fn path(&self, resource: Resource) -> String {
        let calendar = |place| format!("/dav/caldav/{}/", self.folder(place));
        let book = |place| format!("/dav/carddav/{}/", self.folder(place));
        let principal =
            |caller| format!("/dav/principals/users/{}/", self.accounts[&caller].user.id);
        match resource {
            Resource::Root => "/dav/".into(),
            Resource::Principals => "/dav/principals/".into(),
            Resource::UserPrincipals => "/dav/principals/users/".into(),
            Resource::OwnerPrincipal => principal(Caller::Owner),
            Resource::OtherPrincipal => principal(Caller::Stranger),
            Resource::OwnerProxyWrite => principal(Caller::Owner) + "calendar-proxy-write/",
            Resource::CalendarHome => "/dav/caldav/".into(),
            Resource::AddressbookHome => "/dav/carddav/".into(),
            Resource::Calendar => calendar(Place::SharedCalendar),
            Resource::TaskList => calendar(Place::SharedTasks),
            Resource::CalendarMember => calendar(Place::SharedCalendar) + ALICE_EVENT,
            Resource::MissingMember => calendar(Place::SharedCalendar) + MISSING,
            Resource::UnmappedCalendar => "/dav/caldav/no-such-calendar/".into(),
            Resource::ForeignCalendar => calendar(Place::ForeignCalendar),
            Resource::AddressBook => book(Place::SharedBook),
            Resource::Aggregated => "/dav/carddav/Contacts/".into(),
            Resource::Contact => book(Place::SharedBook) + ALICE_CONTACT,
            Resource::Gal => format!("/dav/carddav/{GLOBAL_ADDRESS_BOOK}/"),
            Resource::GalEntry => {
                format!("/dav/carddav/{GLOBAL_ADDRESS_BOOK}/{}", self.gal_entry)
            }
            Resource::UnmappedBook => "/dav/carddav/no-such-book/".into(),
            Resource::ForeignBook => book(Place::ForeignBook),
            Resource::WellKnownCaldav => "/.well-known/caldav".into(),
            Resource::WellKnownCarddav => "/.well-known/carddav".into(),
            Resource::HealthLive => "/health/live".into(),
            Resource::ScheduleInbox => "/dav/caldav/schedule-inbox/".into(),
            Resource::InboxMessage => {
                format!("/dav/caldav/schedule-inbox/{}", self.inbox_message)
            }
            Resource::ScheduleOutbox => "/dav/caldav/schedule-outbox/".into(),
            Resource::InternetFreeBusy => "/dav/freebusy/alice@example.com".into(),
            Resource::PushRegistration => {
                format!("/dav/push-subscriptions/{}", self.push_registration)
            }
        }
    }

    /// The caller's own default calendar, where COPY and MOVE send members.
    pub fn copy_target(&self, caller: Caller) -> FolderId {
        self.folder(match caller {
            Caller::Stranger => Place::BobCalendar,
            Caller::Viewer => Place::VeraCalendar,
            Caller::ReadOwn => Place::RitaCalendar,
            Caller::Outsider => Place::OscarCalendar,
            Caller::Owner | Caller::Anonymous => Place::AliceCalendar,
        })
    }

    /// The hrefs of every planted member as a calendar or address book names it, plus
    /// each name below `path`: what a multiget asks for, to reach into other collections.
    pub fn member_hrefs(&self, path: &str, contacts: bool) -> Vec<String> {
        let mut hrefs = Vec::new();
        let gal = (GLOBAL_ADDRESS_BOOK, self.gal_entry.clone());
        let planted = self
            .members
            .iter()
            .filter(|(place, _)| place.is_contacts() == contacts)
            .map(|(place, name)| (self.folder(*place), name.clone()));
        for (folder, name) in planted.chain(contacts.then_some(gal)) {
            if contacts {
                hrefs.push(format!("/dav/carddav/{folder}/{name}"));
                hrefs.push(format!("/dav/carddav/Contacts/{folder}~{name}"));
                hrefs.push(format!("/dav/carddav/Contacts/{name}"));
            } else {
                hrefs.push(format!("/dav/caldav/{folder}/{name}"));
            }
            if path.ends_with('/') {
                hrefs.push(format!("{path}{name}"));
            }
        }
        let mut seen = std::collections::HashSet::new();
        hrefs.retain(|href| seen.insert(href.clone()));
        hrefs
    }

    /// Plants the world in a fresh store.
    pub async fn plant(db: &TestDb) -> World {
        let store = &db.store;
        let site = site(store, LAYOUT).await;
        let home = site.alice.context_id;
        let user = |context, login: &str, domain: &str, name: &str, password: &str| {
            let spec = user_spec(login, &format!("{login}@{domain}"), &[], name, password);
            create_user(store, context, spec)
        };
        let vera = user(home, "vera", "example.com", "Vera Viewer", VERA_PASSWORD)
            .await
            .unwrap();
        let rita = user(home, "rita", "example.com", "Rita Readown", RITA_PASSWORD)
            .await
            .unwrap();
        let other = create_context(store, None, "other.org", &["other.org".into()], &[])
            .await
            .unwrap()
            .id;
        // The other context's ids start far above this one's, so that no user or folder
        // id names something in both and "another context's id" names nothing here.
        db.raw_sql(&format!(
            "UPDATE context_counters SET next_entity_id = 100000, next_folder_id = 100000 \
             WHERE context_id = {other}"
        ))
        .await;
        let oscar = user(
            other,
            "oscar",
            "other.org",
            "Oscar Outsider",
            OSCAR_PASSWORD,
        )
        .await
        .unwrap();
        let (alice, bob) = (site.alice.clone(), site.bob.clone());
        let account = |user: &User, domain: &str, password: &str| Account {
            login: format!("{}@{domain}", user.login),
            password: password.into(),
            user: user.clone(),
        };
        let accounts = HashMap::from([
            (
                Caller::Owner,
                account(&alice, "example.com", ALICE_PASSWORD),
            ),
            (Caller::Stranger, account(&bob, "example.com", BOB_PASSWORD)),
            (Caller::Viewer, account(&vera, "example.com", VERA_PASSWORD)),
            (
                Caller::ReadOwn,
                account(&rita, "example.com", RITA_PASSWORD),
            ),
            (
                Caller::Outsider,
                account(&oscar, "other.org", OSCAR_PASSWORD),
            ),
        ]);

        let read_own = Permission {
            entity: rita.id,
            is_group: false,
            folder: level::CREATE_OBJECTS,
            read: level::OWN,
            write: level::OWN,
            delete: level::OWN,
            admin: false,
        };
        let shared = vec![
            Permission::for_role(alice.id, false, Role::Administrator),
            Permission::for_role(vera.id, false, Role::Viewer),
            read_own,
        ];
        let own = |user: &User| vec![Permission::for_role(user.id, false, Role::Administrator)];
        let mut folders = HashMap::new();
        for (place, stem, _) in MADE {
            let module = match place {
                Place::SharedTasks => FolderModule::Tasks,
                _ if place.is_contacts() => FolderModule::Contacts,
                _ => FolderModule::Calendar,
            };
            let (context, owner, permissions) = match place {
                Place::ForeignCalendar | Place::ForeignBook => (other, &oscar, own(&oscar)),
                _ => (home, &alice, shared.clone()),
            };
            let new = NewFolder {
                parent_id: PRIVATE_ROOT,
                module,
                folder_type: FolderType::Private,
                owner_id: Some(owner.id),
                name: format!("{stem}Name"),
                color: None,
                description: Some(format!("{stem}Description")),
                sort_order: None,
                dav_name: None,
                permissions,
            };
            let folder = store.create_folder(context, new).await.unwrap();
            folders.insert(place, (context, folder.id));
        }
        let defaults = [
            (Place::AliceCalendar, &alice, FolderModule::Calendar),
            (Place::AliceContacts, &alice, FolderModule::Contacts),
            (Place::BobCalendar, &bob, FolderModule::Calendar),
            (Place::BobContacts, &bob, FolderModule::Contacts),
            (Place::VeraCalendar, &vera, FolderModule::Calendar),
            (Place::RitaCalendar, &rita, FolderModule::Calendar),
            (Place::OscarCalendar, &oscar, FolderModule::Calendar),
        ];
        for (place, user, module) in defaults {
            let folder = store
                .default_folder(user.context_id, user.id, module)
                .await
                .unwrap()
                .expect("a default folder");
            folders.insert(place, (user.context_id, folder.id));
        }
        let mut world = World {
            site,
            home,
            other,
            accounts,
            folders,
            members: Vec::new(),
            gal_entry: String::new(),
            inbox_message: String::new(),
            push_registration: String::new(),
            canaries: Canaries::default(),
        };
        world.plant_data().await;
        world.push_registration = world.plant_push_registration().await;
        // Each account logs in once before the matrix sends requests several at a time,
        // which would otherwise each verify the same password.
        for caller in Caller::ALL {
            let call = Call::new("PROPFIND", "/dav/").depth("0");
            world.send_as(caller, call).await;
        }
        world
    }

    /// A WebDAV-Push registration of alice's on her own default calendar (which no cell
    /// deletes; deleting a folder ends its registrations), stored as a
    /// registration POST stores it; its id.
    async fn plant_push_registration(&self) -> String {
        let (context, folder) = self.folders[&Place::AliceCalendar];
        let subscription = davgate::store::PushSubscription {
            id: "matrix-push-registration".into(),
            context_id: context,
            collection: davgate::store::PushCollection::Folder(folder),
            user_id: self.accounts[&Caller::Owner].user.id,
            push_resource: "https://push.example.net/matrix".into(),
            public_key: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4".into(),
            auth_secret: "BTBZMqHH6r4Tts7J_aSIgg".into(),
            created_at: 0,
            expires_at: i64::MAX,
            last_token: None,
        };
        let stored = self
            .site
            .store
            .register_push(&subscription, 10)
            .await
            .unwrap();
        assert_eq!(
            stored,
            davgate::store::Registered::Stored(subscription.id.clone())
        );
        subscription.id
    }

    /// `<collection path><name>` of a planted folder.
    pub fn member_path(&self, place: Place, name: &str) -> String {
        let kind = if place.is_contacts() {
            "carddav"
        } else {
            "caldav"
        };
        format!("/dav/{kind}/{}/{name}", self.folder(place))
    }

    /// Sends `call` with the caller's credentials (none for the anonymous caller).
    pub async fn send_as<'a>(&'a self, caller: Caller, call: Call<'a>) -> Answer {
        let call = match self.accounts.get(&caller) {
            Some(account) => call.auth(&account.login, &account.password),
            None => call,
        };
        send(&self.site.app, call).await
    }
}
