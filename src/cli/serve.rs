//! `davgate serve`: logging, the store (migrated at start), optional demo data, the
//! listener and a graceful shutdown on SIGTERM or Ctrl-C.

use std::time::Duration;

use anyhow::Context as _;

use crate::auth::tokens::TokenSettings;
use crate::change_pruning::{self, PruneSchedule};
use crate::config::{props, ServerConfig};
use crate::demo::{ensure_demo, DemoOutcome, DEMO_CONTEXT, DEMO_USERS};
use crate::http::{build_app, server, AppState, Lifecycle};
use crate::limits::Limits;
use crate::store::{self, DynStore};
use crate::telemetry;

/// Opens the configured store and applies pending migrations: every command needs both.
pub async fn open_store(config: &ServerConfig) -> anyhow::Result<DynStore> {
    let url = config.get::<props::DatabaseUrl>();
    let data_dir = config.get::<props::DataDir>();
    let pool = Limits::from_config(config).database.pool();
    let store = store::open_with(url.as_deref(), &data_dir, &pool)
        .await
        .with_context(|| cannot_open(config))?;
    store.migrate().await.context("applying migrations")?;
    Ok(store)
}

pub(super) fn cannot_open(config: &ServerConfig) -> String {
    match config.get::<props::DatabaseUrl>() {
        Some(_) => "cannot open the database named by davgate.databaseUrl / DAVGATE_DATABASE_URL"
            .to_string(),
        None => format!(
            "cannot open the embedded store in {}",
            config.get::<props::DataDir>().display()
        ),
    }
}

pub async fn serve(config: ServerConfig, demo: bool) -> anyhow::Result<()> {
    let telemetry = telemetry::init(&config)?;
    let result = run(config, demo, &telemetry).await;
    telemetry.shutdown();
    result
}

async fn run(
    config: ServerConfig,
    demo: bool,
    telemetry: &telemetry::Telemetry,
) -> anyhow::Result<()> {
    let store = super::database_wait::open_store_waiting(&config).await?;
    if config.get::<props::RedisUrl>().is_some() {
        tracing::info!(
            "redis configured: failed-login counts and the login cache are shared by replicas"
        );
    }
    let pruning = change_pruning::spawn(store.clone(), prune_schedule(&config));
    let listen = config.get::<props::Listen>();
    let drain_delay = Duration::from_secs(config.get::<props::ShutdownDelaySeconds>().into());
    // Relay settings that cannot work stop the start, rather than mail silently not going out.
    crate::scheduling::imip::MailRelay::try_from_config(&config)
        .map_err(|reason| anyhow::anyhow!("the iMIP relay (davgate.imip.*): {reason}"))?;
    let state = AppState::new(store.clone(), config);
    if let Some(push) = &state.push {
        tracing::info!(
            vapid_public_key = push.key.public_key(),
            "WebDAV-Push is on"
        );
        crate::push::dispatch::spawn(crate::push::dispatch::Dispatcher {
            settings: (**push).clone(),
            subscribers: crate::push::aggregated::Subscribers {
                store: store.clone(),
                config: state.config.clone(),
                profiles: state.shared.cache().clone(),
            },
        });
    }
    let lifecycle = state.lifecycle.clone();
    let root = format!("http://{listen}{}", state.paths.external("/"));
    if demo {
        let password = std::env::var("DAVGATE_DEMO_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty());
        match ensure_demo(&store, password)
            .await
            .context("creating the demo data")?
        {
            DemoOutcome::Created {
                password,
                generated,
            } => {
                println!("Demo context {DEMO_CONTEXT} created.");
                for login in DEMO_USERS {
                    println!("  login: {login}@{DEMO_CONTEXT}  password: {password}");
                }
                if generated {
                    println!(
                        "  (generated; set DAVGATE_DEMO_PASSWORD to choose it on a fresh store)"
                    );
                }
            }
            DemoOutcome::AlreadyPresent => {
                println!("Demo context {DEMO_CONTEXT} already present; kept as it is.");
                println!(
                    "  logins: {}",
                    DEMO_USERS.map(|u| format!("{u}@{DEMO_CONTEXT}")).join(", ")
                );
                println!("  passwords: as set when the demo was created");
            }
        }
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    println!("DAV root: {root}");
    let mounted = state.paths.internal("/");
    if mounted != state.paths.external("/") {
        // prefixPath and proxyPrefixPath say a proxy strips part of the path.
        println!("  (hrefs assume a proxy; davgate itself serves it at http://{listen}{mounted})");
    }
    println!(
        "CalDAV/CardDAV discovery: http://{listen}/.well-known/caldav and /.well-known/carddav"
    );
    println!("Health: http://{listen}/health/live and /health/ready");
    if let Some(tokens) = TokenSettings::from_config(&state.config) {
        println!("Bearer tokens: {}", tokens.describe());
        if tokens.issuer.is_none() || tokens.audience.is_none() {
            tracing::warn!("davgate.tokens.issuer or davgate.tokens.audience is empty: tokens the key owner issued for other services are accepted too");
        }
    }
    if let Some(endpoint) = telemetry.traces_endpoint() {
        println!("Traces: OTLP/HTTP to {endpoint}");
    }
    // The last line: tools and tests wait for it before they connect.
    println!("davgate listening on http://{listen}");
    tracing::info!(%listen, "serving");
    let limits = state.limits.connections.clone();
    server::serve(
        listener,
        build_app(state),
        limits,
        shutdown_signal(lifecycle, drain_delay),
    )
    .await
    .context("server failed")?;
    if let Some(pruning) = pruning {
        pruning.abort();
    }
    tracing::info!("stopped");
    Ok(())
}

/// `davgate.syncTokenRetentionDays` and `davgate.syncTokenPruneIntervalMinutes`.
fn prune_schedule(config: &ServerConfig) -> PruneSchedule {
    let days = config.get::<props::SyncTokenRetentionDays>();
    let minutes = config.get::<props::SyncTokenPruneIntervalMinutes>();
    PruneSchedule {
        retention: Duration::from_secs(u64::from(days) * 86_400),
        interval: (minutes > 0).then(|| Duration::from_secs(u64::from(minutes) * 60)),
    }
}

/// Resolves when the server should stop accepting connections: after SIGTERM or Ctrl-C,
/// readiness fails at once and requests are still served for `drain_delay`, so that a
/// load balancer notices before connections are refused. In-flight requests then finish.
async fn shutdown_signal(lifecycle: Lifecycle, drain_delay: Duration) {
    wait_for_signal().await;
    lifecycle.start_draining();
    tracing::info!(delay = ?drain_delay, "shutting down: readiness fails, the listener closes after the delay");
    tokio::time::sleep(drain_delay).await;
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
