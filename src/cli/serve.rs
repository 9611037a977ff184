//! `davgate serve`: logging, the store (migrated at start), optional demo data, the
//! listener and a graceful shutdown on SIGTERM or Ctrl-C.

use anyhow::Context as _;
use tracing_subscriber::EnvFilter;

use crate::config::{props, values::LogFormat, ServerConfig};
use crate::demo::{ensure_demo, DemoOutcome, DEMO_CONTEXT, DEMO_USERS};
use crate::http::{build_app, AppState};
use crate::store::{self, DynStore};

/// Opens the configured store and applies pending migrations: every command needs both.
pub async fn open_store(config: &ServerConfig) -> anyhow::Result<DynStore> {
    let url = config.get::<props::DatabaseUrl>();
    let data_dir = config.get::<props::DataDir>();
    let store = store::open(url.as_deref(), &data_dir)
        .await
        .with_context(|| match &url {
            Some(_) => {
                "cannot open the database named by davgate.databaseUrl / DAVGATE_DATABASE_URL"
                    .to_string()
            }
            None => format!("cannot open the embedded store in {}", data_dir.display()),
        })?;
    store.migrate().await.context("applying migrations")?;
    Ok(store)
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

pub async fn serve(config: ServerConfig, demo: bool) -> anyhow::Result<()> {
    init_logging(config.get::<props::LogFormat>());
    let store = open_store(&config).await?;
    if config.get::<props::RedisUrl>().is_some() {
        tracing::warn!("davgate.redisUrl is set, but this version keeps no shared cache: every replica reads the store");
    }
    let listen = config.get::<props::Listen>();
    let state = AppState::new(store.clone(), config);
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
    // The last line: tools and tests wait for it before they connect.
    println!("davgate listening on http://{listen}");
    tracing::info!(%listen, "serving");
    axum::serve(listener, build_app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server failed")?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
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
