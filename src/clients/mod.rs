//! Which DAV client sent a request, told from its User-Agent header by the
//! `com.openexchange.dav.useragent.<agent>` patterns, so that the projections can
//! accommodate the quirks of known clients.
//!
//! # Order
//!
//! The patterns are tried in [`ClientKind::DETECTION_ORDER`]; the first that matches
//! anywhere in the header wins. Some patterns overlap, and the order settles them:
//!
//! 1. Android sync apps (OX Sync, CalDAV-Sync, CardDAV-Sync, SmoothSync), because older
//!    versions of the dmfs apps announce themselves as
//!    `CalDAV-Sync (Android) (like iOS/5.0.1 (9A405) dataaccessd/1.0)`, which the iOS
//!    pattern matches as well.
//! 2. DAVx5 before DAVdroid, its predecessor: a davdroid pattern widened to cover the
//!    whole family still leaves DAVx5 recognised as itself.
//! 3. Thunderbird CardBook before Thunderbird's calendar: CardBook runs inside
//!    Thunderbird and some versions send `Thunderbird/<version> CardBook/<version>`.
//! 4. eM Client, Outlook CalDav Synchronizer, then Windows Phone before Windows.
//! 5. Apple last, as their patterns are built from an operating system name plus a
//!    daemon name rather than an application name (Thunderbird on a Mac says
//!    `Mac OS X` too): iOS Reminders before iOS (a widened iOS pattern would also
//!    match `remindd`), and macOS Contacts before macOS Calendar (`AddressBook` names
//!    the app, while `dataaccessd`, which the calendar pattern accepts, is a daemon
//!    serving several apps).

use std::fmt;

use regex::{Regex, RegexSet};

use crate::config::{props, ServerConfig};

#[cfg(test)]
mod tests;

/// A DAV client with known behaviour, named as OX names its user-agent properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientKind {
    /// Calendar on macOS (CalendarAgent, formerly iCal / CalendarStore).
    MacCalendar,
    /// Contacts on macOS (AddressBookCore, formerly Address Book).
    MacContacts,
    /// Calendar and contacts accounts on iOS (dataaccessd).
    Ios,
    /// Reminders on iOS (remindd).
    IosReminders,
    /// Thunderbird's built-in calendar (formerly the Lightning add-on).
    ThunderbirdLightning,
    /// The CardBook address book add-on for Thunderbird.
    ThunderbirdCardbook,
    /// eM Client.
    EmClient,
    /// The OX Sync App for Android.
    OxSync,
    /// CalDAV-Sync for Android.
    CaldavSync,
    /// CardDAV-Sync for Android.
    CarddavSync,
    /// SmoothSync for Android.
    SmoothSync,
    /// DAVdroid, the predecessor of DAVx5.
    Davdroid,
    /// DAVx5 for Android.
    Davx5,
    /// The CalDav Synchronizer add-in for Outlook.
    OutlookCaldavSynchronizer,
    /// Windows Phone.
    WindowsPhone,
    /// The Calendar and People apps of Windows.
    Windows,
    /// Any other client, or a request without a User-Agent.
    Other,
}

impl ClientKind {
    /// The order in which the patterns are tried (see the module documentation for why).
    /// Every kind but [`ClientKind::Other`] appears once.
    pub const DETECTION_ORDER: [ClientKind; 16] = [
        ClientKind::OxSync,
        ClientKind::CaldavSync,
        ClientKind::CarddavSync,
        ClientKind::SmoothSync,
        ClientKind::Davx5,
        ClientKind::Davdroid,
        ClientKind::ThunderbirdCardbook,
        ClientKind::ThunderbirdLightning,
        ClientKind::EmClient,
        ClientKind::OutlookCaldavSynchronizer,
        ClientKind::WindowsPhone,
        ClientKind::Windows,
        ClientKind::IosReminders,
        ClientKind::Ios,
        ClientKind::MacContacts,
        ClientKind::MacCalendar,
    ];

    /// OX's agent name (`mac_calendar`, `davx5`, ...; `other` for the rest), the suffix
    /// of the kind's `com.openexchange.dav.useragent.` property.
    pub const fn name(self) -> &'static str {
        match self {
            ClientKind::MacCalendar => "mac_calendar",
            ClientKind::MacContacts => "mac_contacts",
            ClientKind::Ios => "ios",
            ClientKind::IosReminders => "ios_reminders",
            ClientKind::ThunderbirdLightning => "thunderbird_lightning",
            ClientKind::ThunderbirdCardbook => "thunderbird_cardbook",
            ClientKind::EmClient => "em_client",
            ClientKind::OxSync => "ox_sync",
            ClientKind::CaldavSync => "caldav_sync",
            ClientKind::CarddavSync => "carddav_sync",
            ClientKind::SmoothSync => "smooth_sync",
            ClientKind::Davdroid => "davdroid",
            ClientKind::Davx5 => "davx5",
            ClientKind::OutlookCaldavSynchronizer => "outlook_caldav_synchronizer",
            ClientKind::WindowsPhone => "windows_phone",
            ClientKind::Windows => "windows",
            ClientKind::Other => "other",
        }
    }

    /// Apple's clients on macOS and iOS, which read only the first href of a
    /// `calendar-home-set` or `addressbook-home-set`.
    pub const fn is_apple(self) -> bool {
        matches!(
            self,
            ClientKind::MacCalendar
                | ClientKind::MacContacts
                | ClientKind::Ios
                | ClientKind::IosReminders
        )
    }

    /// Clients that show only one address book of an account and so need the aggregated
    /// collection of all the user's address books. Whether a request gets that collection
    /// is decided, as in OX, by `com.openexchange.carddav.exposedCollections` and
    /// `com.openexchange.carddav.userAgentForAggregatedCollection` (a pattern of its own),
    /// not by this kind.
    pub const fn wants_single_address_book(self) -> bool {
        matches!(self, ClientKind::MacContacts)
    }

    /// The configured pattern of this kind; none for [`ClientKind::Other`].
    fn pattern(self, config: &ServerConfig) -> Option<Regex> {
        Some(match self {
            ClientKind::MacCalendar => config.get::<props::UserAgentMacCalendar>(),
            ClientKind::MacContacts => config.get::<props::UserAgentMacContacts>(),
            ClientKind::Ios => config.get::<props::UserAgentIos>(),
            ClientKind::IosReminders => config.get::<props::UserAgentIosReminders>(),
            ClientKind::ThunderbirdLightning => {
                config.get::<props::UserAgentThunderbirdLightning>()
            }
            ClientKind::ThunderbirdCardbook => config.get::<props::UserAgentThunderbirdCardbook>(),
            ClientKind::EmClient => config.get::<props::UserAgentEmClient>(),
            ClientKind::OxSync => config.get::<props::UserAgentOxSync>(),
            ClientKind::CaldavSync => config.get::<props::UserAgentCaldavSync>(),
            ClientKind::CarddavSync => config.get::<props::UserAgentCarddavSync>(),
            ClientKind::SmoothSync => config.get::<props::UserAgentSmoothSync>(),
            ClientKind::Davdroid => config.get::<props::UserAgentDavdroid>(),
            ClientKind::Davx5 => config.get::<props::UserAgentDavx5>(),
            ClientKind::OutlookCaldavSynchronizer => {
                config.get::<props::UserAgentOutlookCaldavSynchronizer>()
            }
            ClientKind::WindowsPhone => config.get::<props::UserAgentWindowsPhone>(),
            ClientKind::Windows => config.get::<props::UserAgentWindows>(),
            ClientKind::Other => return None,
        })
    }
}

impl fmt::Display for ClientKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The `com.openexchange.dav.useragent.*` patterns compiled into one set, so a request's
/// client is found in one pass over its User-Agent. The patterns are server-scope only
/// (as in OX), so one detector serves every user; build it once per configuration.
#[derive(Debug, Clone)]
pub struct ClientDetector {
    /// Pattern `i` is the one of `ClientKind::DETECTION_ORDER[i]`.
    patterns: RegexSet,
}

impl ClientDetector {
    pub fn new(config: &ServerConfig) -> Self {
        let sources = ClientKind::DETECTION_ORDER.map(|kind| {
            kind.pattern(config)
                .expect("every detected kind has a pattern")
                .as_str()
                .to_owned()
        });
        let patterns = RegexSet::new(sources)
            .expect("each pattern compiled on its own when the configuration was loaded");
        ClientDetector { patterns }
    }

    /// The client that sent `user_agent`: the first kind in
    /// [`ClientKind::DETECTION_ORDER`] whose pattern matches anywhere in it;
    /// [`ClientKind::Other`] when none does or there is no header.
    pub fn detect(&self, user_agent: Option<&str>) -> ClientKind {
        user_agent
            .and_then(|ua| self.patterns.matches(ua).iter().next())
            .map_or(ClientKind::Other, |index| {
                ClientKind::DETECTION_ORDER[index]
            })
    }
}

/// The request's User-Agent, trimmed; none when the header is missing, empty or not
/// UTF-8. Bytes beyond ASCII are accepted, as some clients put device or locale names
/// into the header.
pub fn user_agent(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::USER_AGENT)?;
    let text = std::str::from_utf8(value.as_bytes()).ok()?.trim();
    (!text.is_empty()).then_some(text)
}
