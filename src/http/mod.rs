//! The axum router: DAV endpoints under the configured prefix, `/.well-known/*` and
//! health at the root, and the whole middleware stack in one visible place.

mod access_log;
mod acl;
mod acl_props;
mod acl_reports;
mod address_books;
mod attachment_get;
mod attachment_post;
mod attachment_upload;
mod authn;
mod body_limit;
mod body_parsing;
mod carddav_report;
mod contact;
mod copy_move;
mod dav_service;
mod destination;
mod entry_report;
mod error;
mod expand_property;
mod health;
mod host_root;
mod internet_freebusy;
mod login_methods;
mod mailboxes;
mod member_template;
mod mkcalendar;
mod new_collection;
mod object;
mod observe;
pub(crate) mod offload;
mod outage;
mod outbox_post;
mod outbox_reply;
pub mod paths;
mod principal_search;
mod private_view;
mod propfind;
mod propfind_answer;
mod proppatch;
mod proxy_patch;
mod push_post;
mod read_ahead;
mod report;
mod report_data;
mod report_members;
pub mod request_path;
mod resource;
mod scheduling_write;
pub mod server;
mod share_post;
mod share_props;
mod streaming;
mod sync;
pub mod ui_transfer;
mod well_known;

use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get};
use axum::{middleware, Router};
use http::header::HeaderName;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::auth::tokens::TokenVerifier;
use crate::auth::{Authenticator, TrustedProxies};
use crate::clients::ClientDetector;
use crate::config::{props, ServerConfig};
use crate::limits::Limits;
use crate::shared_state::SharedState;
use crate::store::DynStore;

pub use body_parsing::BodyParsers;
pub use error::DavError;
pub use outage::StoreOutage;
pub use paths::DavPaths;

/// What every request handler shares. Holds no per-user state: any replica serves any request.
#[derive(Clone)]
pub struct AppState {
    pub store: DynStore,
    pub config: ServerConfig,
    pub paths: DavPaths,
    /// Logging in: remembered credentials, the bound on password checks, the throttle
    /// on failed logins, the client address; the store stays the truth.
    pub logins: Arc<Authenticator>,
    /// Checks bearer tokens; None when no token keys are configured.
    pub tokens: Option<Arc<TokenVerifier>>,
    /// The client patterns, compiled once.
    pub clients: Arc<ClientDetector>,
    pub observability: Observability,
    pub lifecycle: Lifecycle,
    /// What one client may cost the process.
    pub limits: Arc<Limits>,
    /// Request bodies parsed within `limits`, large ones off the async workers.
    pub body_parsers: BodyParsers,
    /// Whether the database is known to be unreachable.
    pub outage: Arc<StoreOutage>,
    /// What replicas share through Redis, and the cache of what logging in loads.
    pub shared: Arc<SharedState>,
    /// The SMTP relay for iTIP messages to attendees outside the context (iMIP); None
    /// when none is configured.
    pub mail: Option<Arc<crate::scheduling::imip::MailRelay>>,
    /// WebDAV-Push: the VAPID key and settings; None when push is off.
    pub push: Option<Arc<crate::push::PushSettings>>,
}

/// How requests are logged and traced.
#[derive(Debug, Clone)]
pub struct Observability {
    pub request_id_header: HeaderName,
    pub access_log: bool,
    pub access_log_format: crate::config::values::AccessLogFormat,
}

/// Whether the process is shutting down; shared by the signal handler and readiness.
#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    draining: Arc<AtomicBool>,
}

impl Lifecycle {
    /// From now on readiness fails, so load balancers take this replica out of rotation;
    /// requests are still served.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}

impl AppState {
    pub fn new(store: DynStore, config: ServerConfig) -> Self {
        let paths = DavPaths::configured(&config);
        let limits = Limits::from_config(&config);
        let body_parsers = BodyParsers::new(&limits);
        let shared = Arc::new(SharedState::from_config(&config, &limits.logins));
        shared.watch_store(&store);
        let logins = Authenticator::with_attempts(
            &limits.logins,
            TrustedProxies::new(
                config.get::<props::TrustedProxies>(),
                config.get::<props::ForwardedHeader>(),
            ),
            shared.attempts(&limits.logins),
        )
        .with_cache(shared.cache().clone());
        AppState {
            store,
            paths,
            logins: Arc::new(logins),
            tokens: TokenVerifier::configured(&config).map(Arc::new),
            clients: Arc::new(ClientDetector::new(&config)),
            observability: Observability {
                request_id_header: config.get::<props::RequestIdHeader>(),
                access_log: config.get::<props::AccessLog>(),
                access_log_format: config.get::<props::AccessLogFormat>(),
            },
            lifecycle: Lifecycle::default(),
            limits: Arc::new(limits),
            body_parsers,
            outage: Arc::default(),
            shared,
            mail: crate::scheduling::imip::MailRelay::from_config(&config).map(Arc::new),
            push: crate::push::PushSettings::from_config(&config).map(Arc::new),
            config,
        }
    }
}

/// The one application, used by `davgate serve` and by every integration test.
pub fn build_app(state: AppState) -> Router {
    let request_id = state.observability.request_id_header.clone();
    let limits = state.limits.connections.clone();
    let tz_service = crate::tzdist::service_path(&state.paths, false);
    let dav = Router::new()
        .fallback(dav_service::handle)
        // The outer RequestBodyLimitLayer bounds bodies; objects up to it reach the
        // handlers, which answer max-resource-size themselves.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            authn::require_user,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), outage::guard))
        .with_state(state.clone());
    Router::new()
        .route("/.well-known/caldav", any(well_known::redirect))
        .route("/.well-known/carddav", any(well_known::redirect))
        .route("/.well-known/timezone", get(crate::tzdist::well_known))
        .route(
            "/.well-known/timezone/{*rest}",
            get(crate::tzdist::well_known),
        )
        .route(&tz_service, get(crate::tzdist::handle))
        .route(
            &format!("{tz_service}/{{*rest}}"),
            get(crate::tzdist::handle),
        )
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .merge(crate::ui::routes(&state))
        .with_state(state.clone())
        .fallback_service(dav)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::ui::browser_redirect,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            host_root::discovery,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            body_limit::bound,
        ))
        .layer(TimeoutLayer::with_status_code(
            http::StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(CatchPanicLayer::new())
        .layer(middleware::from_fn_with_state(state, observe::observe))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}
