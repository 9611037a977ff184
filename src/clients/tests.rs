use std::path::Path;

use http::{HeaderMap, HeaderValue};

use super::*;
use crate::config::ServerConfig;

/// A server configured by `dav.properties` (empty: built-in defaults).
fn server_with(dav_properties: &str) -> (tempfile::TempDir, ServerConfig) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dav.properties"), dav_properties).unwrap();
    let server = ServerConfig::load_with(dir.path(), &[]).unwrap();
    (dir, server)
}

/// The detector of a server configured by `dav.properties`.
fn view_with(dav_properties: &str) -> (tempfile::TempDir, ClientDetector) {
    let (dir, server) = server_with(dav_properties);
    (dir, ClientDetector::new(&server))
}

fn defaults() -> (tempfile::TempDir, ClientDetector) {
    view_with("")
}

/// Every mismatch at once, so one run shows all clients a pattern change broke.
fn assert_detects(config: &ClientDetector, cases: &[(&str, ClientKind)]) {
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|&(ua, expected)| {
            let got = config.detect(Some(ua));
            (got != expected).then(|| format!("{ua:?}: expected {expected}, got {got}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// User-Agent headers real clients send.
const REAL_CLIENTS: &[(&str, ClientKind)] = &[
    // macOS Contacts, current and older, and its CFNetwork form (Snow Leopard's app
    // name is URL-encoded there).
    (
        "macOS/14.5 (23F79) AddressBookCore/2652.1",
        ClientKind::MacContacts,
    ),
    ("macOS/11.1 (20C69) AddressBookCore/2452.2", ClientKind::MacContacts),
    ("Mac OS X/10.15 (19A603) AddressBookCore/1", ClientKind::MacContacts),
    (
        "Mac OS X/10.14.6 (18G103) AddressBook/2245",
        ClientKind::MacContacts,
    ),
    ("Mac_OS_X/10.9.5 (13F34) AddressBook/1579", ClientKind::MacContacts),
    (
        "AddressBook/1579 CFNetwork/673.6 Darwin/13.4.0 (x86_64)",
        ClientKind::MacContacts,
    ),
    (
        "Address%20Book/883 CFNetwork/454.12.4 Darwin/10.8.0 (i386)",
        ClientKind::MacContacts,
    ),
    (
        "AddressBook/6.1 (1083) CardDAVPlugin/200 CFNetwork/520.3.2 Mac_OS_X/10.7.3 (11D50d)",
        ClientKind::MacContacts,
    ),
    // macOS Calendar.
    ("macOS/14.5 (23F79) CalendarAgent/1000", ClientKind::MacCalendar),
    ("Mac OS X/10.15.7 (19H2) CalendarAgent/954", ClientKind::MacCalendar),
    (
        "Mac+OS+X/10.10.5 (14F27) CalendarAgent/316.1",
        ClientKind::MacCalendar,
    ),
    ("macOS/13.1 (22C65) dataaccessd/1.0", ClientKind::MacCalendar),
    (
        "DAVKit/4.0.3 (732.2); CalendarStore/4.0.4 (997.7); iCal/4.0.4 (1395.7); Mac OS X/10.6.8 (10K549)",
        ClientKind::MacCalendar,
    ),
    // iOS.
    ("iOS/17.5.1 (21F90) dataaccessd/1.0", ClientKind::Ios),
    ("iOS/12.4 (16G77) dataaccessd/1.0", ClientKind::Ios),
    ("iOS/5.0.1 (9A405) dataaccessd/1.0", ClientKind::Ios),
    ("iOS/17.5.1 (21F90) remindd/1.0", ClientKind::IosReminders),
    // Android.
    (
        "DAVx5/4.4.2-ose (2024/06/07; dav4jvm; okhttp/4.12.0) Android/14",
        ClientKind::Davx5,
    ),
    (
        "DAVdroid/1.11.4-ose (2018/06/21; dav4android; okhttp3) Android/8.1.0",
        ClientKind::Davdroid,
    ),
    (
        "CalDAV-Sync (Android) (like iOS/5.0.1 (9A405) dataaccessd/1.0) gzip",
        ClientKind::CaldavSync,
    ),
    (
        "CardDAV-Sync (Android) (like iOS/5.0.1 (9A405) dataaccessd/1.0) gzip",
        ClientKind::CarddavSync,
    ),
    (
        "CardDAV-Sync free/0.4.12 (samsung; kltedv; Android 4.4.2; en_NZ; org.dmfs.carddav.sync/99)",
        ClientKind::CarddavSync,
    ),
    (
        "SmoothSync/1.0 (debug) smoothsync-api-client/0.4 oauth2-essentials/0.3",
        ClientKind::SmoothSync,
    ),
    // The OX Sync App is known by its package name.
    ("com.openexchange.mobile.syncapp.enterprise", ClientKind::OxSync),
    // Thunderbird's calendar, on Linux, Windows and macOS (the last must not pass for
    // an Apple client because it says "Mac OS X").
    (
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.0",
        ClientKind::ThunderbirdLightning,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) Gecko/20100101 Thunderbird/115.12.2",
        ClientKind::ThunderbirdLightning,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; WOW64; rv:45.0) Gecko/20100101 Thunderbird/45.7.0 Lightning/4.7.7",
        ClientKind::ThunderbirdLightning,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:128.0) Gecko/20100101 Thunderbird/128.0",
        ClientKind::ThunderbirdLightning,
    ),
    // CardBook replaces Thunderbird's header with its own: "Thunderbird CardBook/<addon>"
    // in current versions, "Thunderbird/<Thunderbird> CardBook/<addon>" in older ones.
    ("Thunderbird CardBook/93.0", ClientKind::ThunderbirdCardbook),
    (
        "Thunderbird/45.8.0 CardBook/19.5",
        ClientKind::ThunderbirdCardbook,
    ),
    // Windows.
    ("eM Client/9.2.2038.0", ClientKind::EmClient),
    ("eMClient/8.1.172.0", ClientKind::EmClient),
    (
        "eM Client for OX App Suite/6.0.28376.0",
        ClientKind::EmClient,
    ),
    (
        "CalDavSynchronizer/4.4.0",
        ClientKind::OutlookCaldavSynchronizer,
    ),
    ("MSFT-WP/8.10.14219 (gzip)", ClientKind::WindowsPhone),
    ("MSFT-WIN-3/10.0.17134", ClientKind::Windows),
    // Clients OX has no kind for.
    ("Evolution/3.46.4", ClientKind::Other),
    ("vdirsyncer/0.21.0", ClientKind::Other),
    ("python/caldav-3.6.0", ClientKind::Other),
    ("python-caldav/1.3.9", ClientKind::Other),
    ("curl/8.5.0", ClientKind::Other),
];

#[test]
fn real_user_agents_are_detected_with_the_default_patterns() {
    let (_dir, config) = defaults();
    assert_detects(&config, REAL_CLIENTS);
}

#[test]
fn the_shipped_configuration_detects_the_same_clients() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let config = ClientDetector::new(&ServerConfig::load_with(&dir, &[]).unwrap());
    assert_detects(&config, REAL_CLIENTS);
}

#[test]
fn no_user_agent_is_other() {
    let (_dir, config) = defaults();
    assert_eq!(config.detect(None), ClientKind::Other);
    assert_eq!(config.detect(Some("")), ClientKind::Other);
}

#[test]
fn clients_imitating_ios_are_told_apart_from_ios() {
    // The dmfs apps claim to be "like iOS ... dataaccessd", which the iOS pattern
    // matches too: only the order keeps them apart.
    let (_dir, server) = server_with("");
    let config = ClientDetector::new(&server);
    let caldav_sync = "CalDAV-Sync (Android) (like iOS/5.0.1 (9A405) dataaccessd/1.0) gzip";
    assert!(server.get::<props::UserAgentIos>().is_match(caldav_sync));
    assert_eq!(config.detect(Some(caldav_sync)), ClientKind::CaldavSync);
    assert!(!config.detect(Some(caldav_sync)).is_apple());
}

#[test]
fn widened_patterns_leave_the_more_specific_clients_recognised() {
    // An administrator simplifying the patterns of the broader kinds.
    let (_dir, config) = view_with(
        "com.openexchange.dav.useragent.thunderbird_lightning=Thunderbird\n\
         com.openexchange.dav.useragent.davdroid=DAVdroid|DAVx5\n\
         com.openexchange.dav.useragent.ios=iOS/\n\
         com.openexchange.dav.useragent.mac_calendar=Mac OS|macOS\n",
    );
    assert_detects(
        &config,
        &[
            ("Thunderbird CardBook/93.0", ClientKind::ThunderbirdCardbook),
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.0",
                ClientKind::ThunderbirdLightning,
            ),
            (
                "DAVx5/4.4.2-ose (2024/06/07; dav4jvm; okhttp/4.12.0) Android/14",
                ClientKind::Davx5,
            ),
            (
                "DAVdroid/1.11.4-ose (2018/06/21; dav4android; okhttp3) Android/8.1.0",
                ClientKind::Davdroid,
            ),
            ("iOS/17.5.1 (21F90) remindd/1.0", ClientKind::IosReminders),
            ("iOS/17.5.1 (21F90) Preferences/1.0", ClientKind::Ios),
            (
                "macOS/14.5 (23F79) AddressBookCore/2652.1",
                ClientKind::MacContacts,
            ),
            ("macOS/14.5 (23F79) CalendarAgent/1000", ClientKind::MacCalendar),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:128.0) Gecko/20100101 Thunderbird/128.0",
                ClientKind::ThunderbirdLightning,
            ),
        ],
    );
}

#[test]
fn an_administrator_can_change_what_a_client_looks_like() {
    // Snow Leopard's Contacts sends its localised name, which the default does not know.
    let german = "Adressbuch/883 CFNetwork/454.12.4 Darwin/10.8.0 (i386)";
    let (_dir, config) = defaults();
    assert_eq!(config.detect(Some(german)), ClientKind::Other);

    let (_dir, config) = view_with(
        "com.openexchange.dav.useragent.mac_contacts=\
         (?:AddressBook|Adressbuch)/.*Darwin/|macOS.*AddressBook\n",
    );
    assert_eq!(config.detect(Some(german)), ClientKind::MacContacts);
    assert!(config.detect(Some(german)).wants_single_address_book());
    // The replaced pattern is all there is: forms it leaves out are no longer Contacts.
    assert_eq!(
        config.detect(Some("Mac OS X/10.14.6 (18G103) AddressBook/2245")),
        ClientKind::Other
    );
}

#[test]
fn every_kind_has_its_property_and_a_place_in_the_order() {
    let (_dir, config) = server_with("");
    for kind in ClientKind::DETECTION_ORDER {
        let property = format!("com.openexchange.dav.useragent.{kind}");
        assert!(config.explain(&property).is_ok(), "{property} is unknown");
        assert_eq!(
            ClientKind::DETECTION_ORDER
                .iter()
                .filter(|&&k| k == kind)
                .count(),
            1,
            "{kind} is tried more than once"
        );
    }
    assert!(!ClientKind::DETECTION_ORDER.contains(&ClientKind::Other));
}

#[test]
fn apple_clients_and_the_single_address_book_client() {
    let apple: Vec<_> = ClientKind::DETECTION_ORDER
        .into_iter()
        .filter(|k| k.is_apple())
        .collect();
    assert_eq!(
        apple,
        [
            ClientKind::IosReminders,
            ClientKind::Ios,
            ClientKind::MacContacts,
            ClientKind::MacCalendar
        ]
    );
    let single: Vec<_> = ClientKind::DETECTION_ORDER
        .into_iter()
        .filter(|k| k.wants_single_address_book())
        .collect();
    assert_eq!(single, [ClientKind::MacContacts]);
    assert!(!ClientKind::Other.is_apple());
    assert!(!ClientKind::Other.wants_single_address_book());
}

#[test]
fn names_are_ox_agent_names() {
    assert_eq!(ClientKind::MacCalendar.name(), "mac_calendar");
    assert_eq!(
        ClientKind::OutlookCaldavSynchronizer.to_string(),
        "outlook_caldav_synchronizer"
    );
    assert_eq!(ClientKind::Other.name(), "other");
}

#[test]
fn user_agent_is_read_from_the_headers() {
    let mut headers = HeaderMap::new();
    assert_eq!(user_agent(&headers), None);

    headers.insert(
        http::header::USER_AGENT,
        HeaderValue::from_static("  iOS/17.5.1 (21F90) dataaccessd/1.0 "),
    );
    assert_eq!(
        user_agent(&headers),
        Some("iOS/17.5.1 (21F90) dataaccessd/1.0")
    );

    headers.insert(http::header::USER_AGENT, HeaderValue::from_static("   "));
    assert_eq!(user_agent(&headers), None);

    // A device name beyond ASCII does not hide the client.
    let ua = "CardDAV-Sync free/0.4.12 (Sony; Xperia Z3 Ü; Android 6.0; de_DE; org.dmfs.carddav.sync/99)";
    headers.insert(
        http::header::USER_AGENT,
        HeaderValue::from_bytes(ua.as_bytes()).unwrap(),
    );
    assert_eq!(user_agent(&headers), Some(ua));
    let (_dir, config) = defaults();
    assert_eq!(config.detect(user_agent(&headers)), ClientKind::CarddavSync);

    headers.insert(
        http::header::USER_AGENT,
        HeaderValue::from_bytes(b"eM Client/9.2 \xff").unwrap(),
    );
    assert_eq!(user_agent(&headers), None);
}
