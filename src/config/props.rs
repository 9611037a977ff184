//! One zero-sized type per known property, each naming its value type, default and scope.
//! `config.get::<props::CaldavEnabled>()` returns a `bool`; the registry is built from the same
//! lists. The limits that protect the process from one client are in `limits`.

use std::net::SocketAddr;
use std::path::PathBuf;

use regex::Regex;

use super::registry::{Kind, Property, PropertyDef};
use super::values::{self, ValueError};

macro_rules! properties {
    (static $list:ident; $(
        $ident:ident {
            name: $name:literal,
            value: $value:ty,
            parse: $parse:path,
            kind: $kind:expr,
            default: $default:expr,
            cascade: $cascade:literal,
            env: $env:expr,
            doc: $doc:literal $(,)?
        }
    )*) => {
        $(
            #[doc = $doc]
            #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
            pub struct $ident;

            impl Property for $ident {
                const NAME: &'static str = $name;
                type Value = $value;
                fn parse(raw: &str) -> Result<$value, ValueError> {
                    $parse(raw)
                }
            }
        )*

        pub(crate) static $list: &[PropertyDef] = &[
            $(
                PropertyDef {
                    name: $name,
                    kind: $kind,
                    default: $default,
                    cascade: $cascade,
                    env: $env,
                    doc: $doc,
                    validate: |raw| $parse(raw).map(|_| ()),
                },
            )*
        ];
    };
}

mod freebusy;
mod imip;
mod limits;
mod logins;
mod push;
mod quota;
mod ui;
pub use freebusy::*;
pub use imip::*;
pub use limits::*;
pub use logins::*;
pub use push::*;
pub use quota::*;
pub use ui::*;

const INTERVAL_START: &[&str] = &["one_month", "six_months", "one_year"];
const INTERVAL_END: &[&str] = &["one_year", "two_years"];
const AGGREGATED_FOLDERS: &[&str] = &[
    "all",
    "all_synced",
    "reduced",
    "reduced_synced",
    "default_only",
];

properties! {
    static DEFINITIONS;
    PrefixPath {
        name: "com.openexchange.dav.prefixPath",
        value: String,
        parse: values::parse_text,
        kind: Kind::Text,
        default: "/servlet/dav",
        cascade: false,
        env: None,
        doc: "Path under which the DAV endpoints are mounted inside the service.",
    }
    ProxyPrefixPath {
        name: "com.openexchange.dav.proxyPrefixPath",
        value: String,
        parse: values::parse_text,
        kind: Kind::Text,
        default: "/servlet/dav",
        cascade: false,
        env: None,
        doc: "Leading part of the prefix path that the reverse proxy adds and clients never see.",
    }
    UserAgentMacCalendar {
        name: "com.openexchange.dav.useragent.mac_calendar",
        value: Regex,
        parse: values::parse_regex,
        kind: Kind::Regex,
        default: r"(?:Mac OS|macOS|Mac\+OS|Mac_OS_X).*(?:CalendarStore|CalendarAgent|dataaccessd)|(?:CalendarStore|CalendarAgent|dataaccessd).*(?:Mac OS|macOS|Mac\+OS|Mac_OS_X)",
        cascade: false,
        env: None,
        doc: "User-Agent pattern of the macOS Calendar app.",
    }
    UserAgentMacContacts {
        name: "com.openexchange.dav.useragent.mac_contacts",
        value: Regex,
        parse: values::parse_regex,
        kind: Kind::Regex,
        default: r"(?:Mac OS|macOS|Mac\+OS|Mac_OS_X|Darwin/).*(?:AddressBook|Address%20Book|CardDAVPlugin)|(?:AddressBook|Address%20Book|CardDAVPlugin).*(?:Mac OS|macOS|Mac\+OS|Mac_OS_X|Darwin/)",
        cascade: false,
        env: None,
        doc: "User-Agent pattern of the macOS Contacts app (also its CFNetwork form, `AddressBook/<build> CFNetwork/<v> Darwin/<v>`).",
    }
    UserAgentIos {
        name: "com.openexchange.dav.useragent.ios",
        value: Regex,
        parse: values::parse_regex,
        kind: Kind::Regex,
        default: r"iOS.*dataaccessd",
        cascade: false,
        env: None,
        doc: "User-Agent pattern of the iOS calendar and contacts accounts.",
    }
    UserAgentIosReminders {
        name: "com.openexchange.dav.useragent.ios_reminders",
        value: Regex,
        parse: values::parse_regex,
        kind: Kind::Regex,
        default: r"iOS.*remindd|remindd.*iOS",
        cascade: false,
        env: None,
        doc: "User-Agent pattern of the iOS Reminders app.",
    }
    UserAgentThunderbirdLightning {
        name: "com.openexchange.dav.useragent.thunderbird_lightning",
        value: Regex,
        parse: values::parse_regex,
        kind: Kind::Regex,
        default: r"Mozilla.*Thunderbird|Thunderbird.*Mozilla",
        cascade: false,
        env: None,
        doc: "User-Agent pattern of Thunderbird's built-in calendar (formerly Lightning).",
    }
    UserAgentThunderbirdCardbook {
        name: "com.openexchange.dav.useragent.thunderbird_cardbook",
        value: Regex,
        parse: values::parse_regex,
        kind: Kind::Regex,
        default: r"CardBook",
        cascade: false,
        env: None,
        doc: "User-Agent pattern of the CardBook add-on for Thunderbird.",
    }
    UserAgentEmClient {
        name: "com.openexchange.dav.useragent.em_client",
        value: Regex,
        parse: values::parse_regex,
        kind: Kind::Regex,
        default: r"eM ?Client",
        cascade: false,
        env: None,
        doc: "User-Agent pattern of eM Client (sent as `eM Client/<v>` or `eMClient/<v>`).",
    }
    UserAgentOxSync {
        name: "com.openexchange.dav.useragent.ox_sync",
        value: Regex,
        parse: values::parse_regex,
        kind: Kind::Regex,
        default: r"OX ?Sync|com\.openexchange\.mobile\.syncapp",
        cascade: false,
        env: None,
        doc: "User-Agent pattern of the OX Sync App for Android.",
    }
    UserAgentCaldavSync {
        name: "com.openexchange.dav.useragent.caldav_sync",
        value: Regex,
        parse: values::parse_regex,
        kind: Kind::Regex,
        default: r"CalDAV-Sync|org\.dmfs\.caldav",
        cascade: false,
        env: None,
        doc: "User-Agent pattern of CalDAV-Sync for Android.",
    }
    UserAgentCarddavSync {
        name: "com.openexchange.dav.useragent.carddav_sync",
        value: Regex,
        parse: values::parse_regex,
        kind: Kind::Regex,
        default: r"CardDAV-Sync|org\.dmfs\.carddav",
        cascade: false,
        env: None,
        doc: "User-Agent pattern of CardDAV-Sync for Android.",
    }
    UserAgentSmoothSync {
        name: "com.openexchange.dav.useragent.smooth_sync",
        value: Regex,
        parse: values::parse_regex,
        kind: Kind::Regex,
        default: r"SmoothSync",
        cascade: false,
        env: None,
        doc: "User-Agent pattern of SmoothSync for Android.",
    }
    UserAgentDavdroid {
        name: "com.openexchange.dav.useragent.davdroid",
        value: Regex,
        parse: values::parse_regex,
        kind: Kind::Regex,
        default: r"DAVdroid",
        cascade: false,
        env: None,
        doc: "User-Agent pattern of DAVdroid, the predecessor of DAVx5.",
    }
    UserAgentDavx5 {
        name: "com.openexchange.dav.useragent.davx5",
        value: Regex,
        parse: values::parse_regex,
        kind: Kind::Regex,
        default: r"DAVx5",
        cascade: false,
        env: None,
        doc: "User-Agent pattern of DAVx5 for Android.",
    }
    UserAgentOutlookCaldavSynchronizer {
        name: "com.openexchange.dav.useragent.outlook_caldav_synchronizer",
        value: Regex,
        parse: values::parse_regex,
        kind: Kind::Regex,
        default: r"CalDavSynchronizer",
        cascade: false,
        env: None,
        doc: "User-Agent pattern of the Outlook CalDav Synchronizer add-in.",
    }
    UserAgentWindowsPhone {
        name: "com.openexchange.dav.useragent.windows_phone",
        value: Regex,
        parse: values::parse_regex,
        kind: Kind::Regex,
        default: r"MSFT-WP|Windows Phone",
        cascade: false,
        env: None,
        doc: "User-Agent pattern of Windows Phone.",
    }
    UserAgentWindows {
        name: "com.openexchange.dav.useragent.windows",
        value: Regex,
        parse: values::parse_regex,
        kind: Kind::Regex,
        default: r"MSFT-WIN",
        cascade: false,
        env: None,
        doc: "User-Agent pattern of the Windows Calendar and People apps.",
    }
    CaldavEnabled {
        name: "com.openexchange.caldav.enabled",
        value: bool,
        parse: values::parse_bool,
        kind: Kind::Bool,
        default: "true",
        cascade: true,
        env: None,
        doc: "Whether the user may use CalDAV.",
    }
    CaldavTree {
        name: "com.openexchange.caldav.tree",
        value: i64,
        parse: values::parse_i64,
        kind: Kind::Integer,
        default: "0",
        cascade: false,
        env: None,
        doc: "Folder tree used to find calendar folders.",
    }
    IntervalStart {
        name: "com.openexchange.caldav.interval.start",
        value: values::IntervalStart,
        parse: values::parse_interval_start,
        kind: Kind::ChoiceOrDays(INTERVAL_START),
        default: "one_month",
        cascade: true,
        env: None,
        doc: "Lower bound of the synchronised time window (min-date-time).",
    }
    IntervalEnd {
        name: "com.openexchange.caldav.interval.end",
        value: values::IntervalEnd,
        parse: values::parse_interval_end,
        kind: Kind::ChoiceOrDays(INTERVAL_END),
        default: "one_year",
        cascade: true,
        env: None,
        doc: "Upper bound of the synchronised time window (max-date-time).",
    }
    IntervalStrict {
        name: "com.openexchange.caldav.interval.strict",
        value: bool,
        parse: values::parse_bool,
        kind: Kind::Bool,
        default: "false",
        cascade: true,
        env: None,
        doc: "Whether writes outside the synchronised window are refused.",
    }
    CaldavUrl {
        name: "com.openexchange.caldav.url",
        value: String,
        parse: values::parse_text,
        kind: Kind::Text,
        default: "https://[hostname]/caldav/[folderId]",
        cascade: false,
        env: None,
        doc: "Template of the CalDAV link shown to users; [hostname] and [folderId] are replaced.",
    }
    SharedFolderDisplayName {
        name: "com.openexchange.caldav.sharedFolderDisplayName",
        value: String,
        parse: values::parse_text,
        kind: Kind::Text,
        default: "[owner]: [foldername]",
        cascade: true,
        env: None,
        doc: "Display name template of calendars shared with the user.",
    }
    CarddavEnabled {
        name: "com.openexchange.carddav.enabled",
        value: bool,
        parse: values::parse_bool,
        kind: Kind::Bool,
        default: "true",
        cascade: true,
        env: None,
        doc: "Whether the user may use CardDAV.",
    }
    AddressBookCreation {
        name: "davgate.carddav.addressBookCreation",
        value: bool,
        parse: values::parse_bool,
        kind: Kind::Bool,
        default: "true",
        cascade: false,
        env: None,
        doc: "Whether the user may create address books with extended MKCOL (deleting stays possible).",
    }
    IgnoreFolders {
        name: "com.openexchange.carddav.ignoreFolders",
        value: Vec<i64>,
        parse: values::parse_id_list,
        kind: Kind::IdList,
        default: "",
        cascade: true,
        env: None,
        doc: "Contact folder ids that CardDAV hides, comma-separated.",
    }
    CarddavTree {
        name: "com.openexchange.carddav.tree",
        value: i64,
        parse: values::parse_i64,
        kind: Kind::Integer,
        default: "0",
        cascade: false,
        env: None,
        doc: "Folder tree used to find contact folders.",
    }
    ExposedCollections {
        name: "com.openexchange.carddav.exposedCollections",
        value: values::ExposedCollections,
        parse: values::parse_exposed_collections,
        kind: Kind::Choice(&["0", "1", "2"]),
        default: "0",
        cascade: true,
        env: None,
        doc: "0: aggregated collection for matching clients, else folders; 1: folders only; 2: aggregated only.",
    }
    UserAgentForAggregatedCollection {
        name: "com.openexchange.carddav.userAgentForAggregatedCollection",
        value: Regex,
        parse: values::parse_regex_ignore_case,
        kind: Kind::Regex,
        default: ".*CFNetwork.*Darwin.*|.*AddressBook.*CardDAVPlugin.*Mac_OS_X.*|.*Mac OS X.*AddressBook.*|.*macOS.*AddressBook.*",
        cascade: true,
        env: None,
        doc: "User-Agent pattern (any letter case) of clients that get the aggregated collection.",
    }
    ReducedAggregatedCollection {
        name: "com.openexchange.carddav.reducedAggregatedCollection",
        value: bool,
        parse: values::parse_bool,
        kind: Kind::Bool,
        default: "false",
        cascade: true,
        env: None,
        doc: "Legacy switch: aggregated collection of the default folder and the global address list only.",
    }
    AggregatedCollectionFolders {
        name: "com.openexchange.carddav.aggregatedCollectionFolders",
        value: values::AggregatedCollectionFolders,
        parse: values::parse_aggregated_folders,
        kind: Kind::Choice(AGGREGATED_FOLDERS),
        default: "all_synced",
        cascade: true,
        env: None,
        doc: "Which contact folders the aggregated collection contains.",
    }
    MaxEventResults {
        name: "com.openexchange.calendar.maxEventResults",
        value: u64,
        parse: values::parse_u64,
        kind: Kind::Integer,
        default: "1000",
        cascade: false,
        env: None,
        doc: "Most events returned by one calendar query.",
    }
    MaxVCardSize {
        name: "com.openexchange.contact.maxVCardSize",
        value: u64,
        parse: values::parse_u64,
        kind: Kind::Integer,
        default: "4194304",
        cascade: false,
        env: None,
        doc: "Largest accepted vCard in bytes (shown as max-resource-size).",
    }
    Listen {
        name: "davgate.listen",
        value: SocketAddr,
        parse: values::parse_socket_addr,
        kind: Kind::SocketAddr,
        default: "127.0.0.1:8080",
        cascade: false,
        env: Some("DAVGATE_LISTEN"),
        doc: "Address and port the HTTP server listens on.",
    }
    DatabaseUrl {
        name: "davgate.databaseUrl",
        value: Option<String>,
        parse: values::parse_optional_text,
        kind: Kind::Text,
        default: "",
        cascade: false,
        env: Some("DAVGATE_DATABASE_URL"),
        doc: "PostgreSQL or SQLite URL of the store; empty means an embedded SQLite file in the data directory.",
    }
    RedisUrl {
        name: "davgate.redisUrl",
        value: Option<String>,
        parse: crate::shared_state::parse_redis_url,
        kind: Kind::Text,
        default: "",
        cascade: false,
        env: Some("DAVGATE_REDIS_URL"),
        doc: "Redis URL (redis://[user:password@]host[:port][/db], or rediss:// for TLS) shared by all replicas: failed-login counts, the cache of what logging in loads, and its invalidation channel. Empty: in-process only (single node). While Redis is unreachable each replica falls back to its own counts and a short-lived cache.",
    }
    RedisKeyPrefix {
        name: "davgate.redisKeyPrefix",
        value: String,
        parse: values::parse_text,
        kind: Kind::Text,
        default: "davgate:",
        cascade: false,
        env: Some("DAVGATE_REDIS_KEY_PREFIX"),
        doc: "Prefix of every Redis key and of the invalidation channel davgate uses; deployments sharing one Redis need different prefixes.",
    }
    RedisTimeoutMillis {
        name: "davgate.redisTimeoutMillis",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "300",
        cascade: false,
        env: None,
        doc: "Milliseconds a connection to Redis and each command may take; beyond it Redis counts as unreachable and the replica uses its own counts and cache (retried after a second).",
    }
    LoginCacheTtlSeconds {
        name: "davgate.loginCache.ttlSeconds",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "300",
        cascade: false,
        env: None,
        doc: "Seconds a resolved login (user, password hash, enabled flag), a user's configuration attributes and groups are kept in Redis and, in the process, while the replica is subscribed to the invalidation channel or, without Redis, hears of changes from the store; provisioning changes drop them at once (through the store, within about a second).",
    }
    LoginCacheUnsubscribedTtlMillis {
        name: "davgate.loginCache.unsubscribedTtlMillis",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "1000",
        cascade: false,
        env: None,
        doc: "Milliseconds the process keeps a resolved login and a user's configuration when it hears of no changes (Redis unreachable; without Redis, the store's generation of them unknown: its notifications not heard): how long a change made by the command line may take to show; 0: not kept.",
    }
    DataDir {
        name: "davgate.dataDir",
        value: PathBuf,
        parse: values::parse_path,
        kind: Kind::Path,
        default: "./data",
        cascade: false,
        env: Some("DAVGATE_DATA_DIR"),
        doc: "Directory for the embedded database and other local state.",
    }
    LogFormat {
        name: "davgate.logFormat",
        value: values::LogFormat,
        parse: values::parse_log_format,
        kind: Kind::Choice(&["text", "json"]),
        default: "text",
        cascade: false,
        env: Some("DAVGATE_LOG_FORMAT"),
        doc: "Log output format: text or json.",
    }
    SyncTokenRetentionDays {
        name: "davgate.syncTokenRetentionDays",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "30",
        cascade: false,
        env: Some("DAVGATE_SYNC_TOKEN_RETENTION_DAYS"),
        doc: "Days deletions are remembered for sync; older sync tokens force a full resync.",
    }
    SyncTokenPruneIntervalMinutes {
        name: "davgate.syncTokenPruneIntervalMinutes",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "60",
        cascade: false,
        env: Some("DAVGATE_SYNC_TOKEN_PRUNE_INTERVAL_MINUTES"),
        doc: "Minutes between two rounds of dropping deletions older than davgate.syncTokenRetentionDays (one replica at a time on a shared PostgreSQL); 0 never drops them.",
    }
    OtlpEndpoint {
        name: "davgate.otlpEndpoint",
        value: Option<String>,
        parse: values::parse_optional_http_url,
        kind: Kind::Text,
        default: "",
        cascade: false,
        env: Some("OTEL_EXPORTER_OTLP_ENDPOINT"),
        doc: "Base URL of an OTLP/HTTP collector (traces go to <url>/v1/traces); empty means no trace export.",
    }
    AccessLog {
        name: "davgate.accessLog",
        value: bool,
        parse: values::parse_bool,
        kind: Kind::Bool,
        default: "true",
        cascade: false,
        env: Some("DAVGATE_ACCESS_LOG"),
        doc: "Write one access log line per request (health probes only at debug level).",
    }
    AccessLogFormat {
        name: "davgate.accessLogFormat",
        value: values::AccessLogFormat,
        parse: values::parse_access_log_format,
        kind: Kind::Choice(&["log", "combined"]),
        default: "log",
        cascade: false,
        env: Some("DAVGATE_ACCESS_LOG_FORMAT"),
        doc: "Format of the access log lines: log (a log line like the others, text or JSON as davgate.logFormat says) or combined (Apache's combined log format, one plain line per request on stdout).",
    }
    RequestIdHeader {
        name: "davgate.requestIdHeader",
        value: http::HeaderName,
        parse: values::parse_header_name,
        kind: Kind::Text,
        default: "X-Request-ID",
        cascade: false,
        env: Some("DAVGATE_REQUEST_ID_HEADER"),
        doc: "Header carrying the request id: kept when the proxy sends one, generated otherwise, echoed in the response.",
    }
    ShutdownDelaySeconds {
        name: "davgate.shutdownDelaySeconds",
        value: u32,
        parse: values::parse_u32,
        kind: Kind::Integer,
        default: "0",
        cascade: false,
        env: Some("DAVGATE_SHUTDOWN_DELAY_SECONDS"),
        doc: "Seconds between SIGTERM and closing the listener, while /health/ready answers 503 so load balancers stop sending requests.",
    }
    TrustForwardedHost {
        name: "davgate.trustForwardedHost",
        value: bool,
        parse: values::parse_bool,
        kind: Kind::Bool,
        default: "false",
        cascade: false,
        env: Some("DAVGATE_TRUST_FORWARDED_HOST"),
        doc: "Whether the last X-Forwarded-Host value (the one the proxy in front appended) names this server too, besides the Host header; only for a proxy that does not preserve Host. A COPY or MOVE Destination on any other host gets 502.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_of<P: Property>() -> P::Value {
        let def = super::super::registry::lookup(P::NAME).expect("registered");
        P::parse(def.default).expect("valid default")
    }

    #[test]
    fn mac_calendar_matches_old_and_new_macos_but_not_ios() {
        let re = default_of::<UserAgentMacCalendar>();
        assert!(re.is_match("macOS/14.5 (23F79) CalendarAgent/1000"));
        assert!(re.is_match("Mac OS X/10.15.7 (19H2) CalendarAgent/954"));
        assert!(re.is_match("Mac+OS+X/10.10.5 (14F27) CalendarAgent/316.1"));
        assert!(!re.is_match("iOS/17.5 (21F79) dataaccessd/1.0"));
        assert!(!re.is_match("macOS/14.5 (23F79) AddressBookCore/2487"));
    }

    #[test]
    fn client_patterns_tell_clients_apart() {
        let ios = default_of::<UserAgentIos>();
        assert!(ios.is_match("iOS/17.5 (21F79) dataaccessd/1.0"));
        assert!(!ios.is_match("macOS/14.5 (23F79) CalendarAgent/1000"));
        let contacts = default_of::<UserAgentMacContacts>();
        assert!(contacts.is_match("macOS/14.5 (23F79) AddressBookCore/2487.600.1"));
        assert!(contacts.is_match("Mac_OS_X/10.9.5 (13F34) CardDAVPlugin/255"));
        let tb = default_of::<UserAgentThunderbirdLightning>();
        assert!(tb.is_match(
            "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.12.2"
        ));
        assert!(!tb.is_match("Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0"));
        let davx5 = default_of::<UserAgentDavx5>();
        assert!(davx5.is_match("DAVx5/4.4.1-ose (2024/06/13; dav4jvm; okhttp/4.12.0) Android/14"));
        assert!(!default_of::<UserAgentDavdroid>().is_match("DAVx5/4.4.1-ose"));
    }

    #[test]
    fn aggregated_collection_pattern_ignores_case() {
        let re = default_of::<UserAgentForAggregatedCollection>();
        assert!(re.is_match("macOS/14.5 (23F79) AddressBookCore/2487.600.1"));
        assert!(re.is_match("MACOS/14.5 ADDRESSBOOKCORE/1"));
        assert!(re.is_match("CFNetwork/1494.0.7 Darwin/23.4.0"));
        assert!(!re.is_match("DAVx5/4.4.1-ose"));
    }
}
