//! Demo data for a first run: context `example.com` with users alice, bob and carol,
//! their default folders, a public calendar, the global address list and a few samples,
//! the group `team` of all three, the room "Room 1" and the equipment "Projector".

use time::{Duration, OffsetDateTime, Time};

use crate::caldav::write::stored_row;
use crate::content::ical::{ical_utc, CalendarObject};
use crate::provision::{self, random_uid, UserSpec};
use crate::store::*;

pub const DEMO_CONTEXT: &str = "example.com";
pub const DEMO_USERS: [&str; 3] = ["alice", "bob", "carol"];

/// What a first run created, or that the demo was already there.
#[derive(Debug)]
pub enum DemoOutcome {
    Created { password: String, generated: bool },
    AlreadyPresent,
}

/// Creates the demo context unless a context of that name exists (then keeps it as is).
pub async fn ensure_demo(store: &DynStore, password: Option<String>) -> StoreResult<DemoOutcome> {
    match store.context_by_name(DEMO_CONTEXT).await {
        Ok(_) => return Ok(DemoOutcome::AlreadyPresent),
        Err(StoreError::NotFound) => {}
        Err(other) => return Err(other),
    }
    let generated = password.is_none();
    let password = password.unwrap_or_else(generate_password);
    let mappings = vec![
        DEMO_CONTEXT.to_string(),
        crate::auth::DEFAULT_CONTEXT_MAPPING.to_string(),
    ];
    let context =
        provision::create_context(store, None, DEMO_CONTEXT, &mappings, &["demo".to_string()])
            .await?;
    let mut users = Vec::new();
    for (login, name) in [("alice", "Alice Adams"), ("bob", "Bob Brown")] {
        let user = provision::create_user(
            store,
            context.id,
            UserSpec {
                login: login.into(),
                mail: format!("{login}@{DEMO_CONTEXT}"),
                aliases: vec![],
                display_name: name.into(),
                password: password.clone(),
                modules: vec![],
            },
        )
        .await?;
        users.push(user);
    }
    let (alice, bob) = (&users[0], &users[1]);

    let company = store
        .create_folder(
            context.id,
            NewFolder {
                parent_id: PUBLIC_ROOT,
                module: FolderModule::Calendar,
                folder_type: FolderType::Public,
                owner_id: Some(alice.id),
                name: "Company Events".into(),
                color: Some("#2E7D32".into()),
                description: Some("Events for everyone at example.com".into()),
                sort_order: None,
                dav_name: None,
                permissions: vec![
                    Permission::for_role(alice.id, false, Role::Administrator),
                    Permission::for_role(ALL_USERS_GROUP, true, Role::Viewer),
                ],
            },
        )
        .await?;

    let today = OffsetDateTime::now_utc().date();
    let at = |days: i64, hour: u8| {
        (today + Duration::days(days))
            .with_time(Time::from_hms(hour, 0, 0).expect("valid hour"))
            .assume_utc()
    };
    let samples = [
        (alice, "Project kickoff", at(1, 9), at(1, 10), None),
        (alice, "Lunch with Bob", at(2, 12), at(2, 13), None),
        (
            alice,
            "Team stand-up",
            at(0, 8),
            at(0, 8) + Duration::minutes(15),
            Some("FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        ),
        (bob, "Dentist", at(3, 15), at(3, 16), None),
    ];
    for (owner, summary, start, end, rrule) in samples {
        let calendar = default_folder(store, context.id, owner.id, FolderModule::Calendar).await?;
        store
            .put_object(
                context.id,
                calendar,
                &sample_event(summary, start, end, rrule),
                WriteCondition::MustNotExist,
            )
            .await?;
    }
    store
        .put_object(
            context.id,
            company.id,
            &sample_event("Summer party", at(30, 17), at(30, 22), None),
            WriteCondition::MustNotExist,
        )
        .await?;
    for owner in [alice, bob] {
        let tasks = default_folder(store, context.id, owner.id, FolderModule::Tasks).await?;
        store
            .put_object(
                context.id,
                tasks,
                &sample_task("Prepare the quarterly report", at(7, 17)),
                WriteCondition::MustNotExist,
            )
            .await?;
    }
    let contacts = default_folder(store, context.id, alice.id, FolderModule::Contacts).await?;
    for (name, mail) in [
        ("Carol Clark", "carol@example.org"),
        ("Dave Davis", "dave@example.net"),
    ] {
        store
            .put_object(
                context.id,
                contacts,
                &provision::address_book_entry(name, mail),
                WriteCondition::MustNotExist,
            )
            .await?;
    }
    scheduling_partners(store, context.id, &password, [alice.id, bob.id]).await?;
    Ok(DemoOutcome::Created {
        password,
        generated,
    })
}

/// Who alice and bob can schedule with besides each other: carol, their group, a room and
/// a projector. Made last, so the folder ids of what comes before stay as they were.
async fn scheduling_partners(
    store: &DynStore,
    context: ContextId,
    password: &str,
    [alice, bob]: [UserId; 2],
) -> StoreResult<()> {
    let carol = provision::create_user(
        store,
        context,
        UserSpec {
            login: "carol".into(),
            mail: format!("carol@{DEMO_CONTEXT}"),
            aliases: vec![],
            display_name: "Carol Clark".into(),
            password: password.to_owned(),
            modules: vec![],
        },
    )
    .await?;
    store
        .create_group(context, "team", "Team", &[alice, bob, carol.id])
        .await?;
    for (name, display_name, kind) in [
        ("room1", "Room 1", ResourceKind::Room),
        ("projector", "Projector", ResourceKind::Equipment),
    ] {
        let mail = format!("{name}@{DEMO_CONTEXT}");
        store
            .create_resource(context, name, display_name, &mail, kind)
            .await?;
    }
    Ok(())
}

async fn default_folder(
    store: &DynStore,
    context: ContextId,
    user: UserId,
    module: FolderModule,
) -> StoreResult<FolderId> {
    let folder = store.default_folder(context, user, module).await?;
    folder.map(|f| f.id).ok_or(StoreError::NotFound)
}

fn generate_password() -> String {
    use rand::distributions::Alphanumeric;
    use rand::Rng;
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(16)
        .map(char::from)
        .collect()
}

fn sample_event(
    summary: &str,
    start: OffsetDateTime,
    end: OffsetDateTime,
    rrule: Option<&str>,
) -> WriteObject {
    let uid = random_uid();
    let rrule = rrule.map(|r| format!("RRULE:{r}\r\n")).unwrap_or_default();
    let body = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate//demo//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:{}\r\nDTSTART:{}\r\nDTEND:{}\r\n{rrule}SUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        ical_utc(OffsetDateTime::now_utc().unix_timestamp()),
        ical_utc(start.unix_timestamp()),
        ical_utc(end.unix_timestamp()),
    );
    sample_row(&uid, &body)
}

fn sample_task(summary: &str, due: OffsetDateTime) -> WriteObject {
    let uid = random_uid();
    let body = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//davgate//demo//EN\r\nBEGIN:VTODO\r\nUID:{uid}\r\nDTSTAMP:{}\r\nDUE:{}\r\nSUMMARY:{summary}\r\nSTATUS:NEEDS-ACTION\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
        ical_utc(OffsetDateTime::now_utc().unix_timestamp()),
        ical_utc(due.unix_timestamp()),
    );
    sample_row(&uid, &body)
}

/// The row PUT would store for this object.
fn sample_row(uid: &str, body: &str) -> WriteObject {
    let limits = crate::limits::Limits::default().content;
    let object = CalendarObject::parse_submitted(body.as_bytes(), &limits)
        .expect("the demo's objects are valid");
    stored_row(&format!("{uid}.ics"), &object, None)
}
